package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top-level key", "cases:\n  - name: a\n    path: /\nreadyy: {}\n",
			`f.yaml:4: unknown key "readyy"; case files take ready, request_timeout, headers and cases (see docs/endpoint.md)`},
		{"unknown key in an assertion", "cases:\n  - name: a\n    path: /\n    expect:\n      json:\n        - path: $.x\n          equal: 1\n",
			`f.yaml:7: unknown key "equal"; case files take ready, request_timeout, headers and cases (see docs/endpoint.md)`},
		{"bad JSON path", "cases:\n  - name: a\n    path: /\n    expect:\n      json:\n        - path: $.x[\n          exists: true\n",
			`f.yaml:6: cases[0].expect.json[0].path: "$.x[" is not an RFC 9535 JSONPath such as $.prediction: jsonpath: unexpected eof at position 5`},
		{"path without a slash", "cases:\n  - name: a\n    path: ping\n",
			`f.yaml:3: cases[0].path: "ping" must start with /, e.g. /ping`},
		{"full URL as path", "cases:\n  - name: a\n    path: //evil.example.com/x\n",
			`f.yaml:3: cases[0].path: "//evil.example.com/x" is not a path with an optional query (<nil>)`},
		{"lower-case method", "cases:\n  - name: a\n    method: post\n    path: /\n",
			`f.yaml:3: cases[0].method: "post" is not an HTTP method such as GET or POST (upper case)`},
		{"status out of range", "cases:\n  - name: a\n    path: /\n    expect:\n      status: 700\n",
			`f.yaml:5: cases[0].expect.status: 700 is not an HTTP status code (100-599)`},
		{"concurrency above repeat", "cases:\n  - name: a\n    path: /\n    repeat: 2\n    concurrency: 4\n",
			`f.yaml:5: cases[0].concurrency: 4 is more than repeat (2); requests in flight cannot exceed requests sent`},
		{"duplicate names", "cases:\n  - name: a\n    path: /\n  - name: a\n    path: /x\n",
			`f.yaml:4: cases[1].name: "a" is also the name of cases[0]; names must be unique`},
		{"assertion that checks nothing", "cases:\n  - name: a\n    path: /\n    expect:\n      json:\n        - path: $.x\n",
			`f.yaml:6: cases[0].expect.json[0]: checks nothing; add equals, exists, matches, min or max`},
		{"bad regex", "cases:\n  - name: a\n    path: /\n    expect:\n      json:\n        - path: $.x\n          matches: '(['\n",
			"f.yaml:7: cases[0].expect.json[0].matches: \"([\" is not a regular expression: error parsing regexp: missing closing ]: `[`"},
		{"ready without timeout", "ready:\n  path: /ping\ncases:\n  - name: a\n    path: /\n",
			`f.yaml:2: ready.timeout: must be set to how long the endpoint may take to get ready, such as 2m`},
		{"duration that is not one", "ready:\n  path: /ping\n  timeout: soon\ncases:\n  - {name: a, path: /}\n",
			`f.yaml:3: ready.timeout: "soon" is not a positive duration such as 300ms, 10s or 2m`},
		{"negative latency bound", "cases:\n  - name: a\n    path: /\n    latency:\n      p95: -1s\n",
			`f.yaml:5: cases[0].latency.p95: "-1s" is not a positive duration such as 300ms, 10s or 2m`},
		{"no cases", "ready: {path: /ping, timeout: 1m}\n", `f.yaml: cases: must list at least one case`},
		{"empty file", "\n", `f.yaml: file is empty; it needs a cases list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("f.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse() succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Parse("f.yaml", []byte("cases:\n  - name: a\n    path: x\n  - name: ''\n    path: /\n"))
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`f.yaml:3: cases[0].path: "x" must start with /, e.g. /ping`,
		`f.yaml:4: cases[1].name: must not be empty; it names the case in reports`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	s, err := Parse("f.yaml", []byte("ready: {path: /ping, timeout: 1m}\ncases:\n  - name: a\n    path: /x?y=1\n    body: {n: 1, s: [a, 2.5]}\n\n  - name: b\n    path: /\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cases[0]
	got := []any{s.Ready.Interval.Value, s.Ready.Status, s.RequestTimeout.Value, c.Method, c.Expect.Status, c.Repeat, c.Concurrency, string(c.body), c.ref.RawQuery, c.Line, s.Cases[1].Line}
	want := []any{2 * time.Second, 200, 10 * time.Second, "GET", 200, 1, 1, `{"n":1,"s":["a",2.5]}`, "y=1", 3, 7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}
