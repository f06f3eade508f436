package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecs-mlops/ecs-mlops/endpoint/server"
	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

var committedCases = filepath.Join("..", "..", "tests", "endpoint", "*.yaml")

// latencyBound is a latency bound of a case file.
var latencyBound = regexp.MustCompile(`(?m)^(\s+p(?:50|95|99)):\s*\S+`)

// relaxedCases copies the committed cases with every latency bound raised
// to a minute: the bounds are the deployed endpoint's, and a test machine
// busy with other tests must not fail a run over them (the probe's own
// tests hold latency assertions to a fake clock).
func relaxedCases(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(committedCases)
	if err != nil || len(files) == 0 {
		t.Fatalf("no committed cases at %s: %v", committedCases, err)
	}
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		relaxed := latencyBound.ReplaceAll(b, []byte("${1}: 60s"))
		if bytes.Equal(relaxed, b) && bytes.Contains(b, []byte("latency:")) {
			t.Fatalf("%s: latency bounds not found to relax", f)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), relaxed, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "*.yaml")
}

// countingEndpoint serves the real example endpoint and counts requests.
func countingEndpoint(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := server.NewStore(filepath.Join("..", "..", "endpoint", "example-weights"), clock.Real{}, discard)
	if _, err := store.Check(); err != nil {
		t.Fatal(err)
	}
	h := server.NewHandler(store, "test", discard)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// seededStacks is a CloudFormation holding a stack with the given outputs
// for each name: what `mlops test --env` and compare read the endpoint's
// address from.
func seededStacks(stacks map[string]map[string]string) *awsfake.CloudFormation {
	cf := awsfake.NewCloudFormation(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	for name, outs := range stacks {
		cf.Put(awsfake.StackSeed{Name: name, Status: types.StackStatusCreateComplete, Outputs: outs})
	}
	return cf
}

const probeTestConfig = `version: 1
region: eu-west-1
environments:
  ep-a:
    stack: ecs-mlops-ep-a
    template: t.yaml
    url_output: EndpointUrl
    tests: [%s]
  ep-b:
    template: t.yaml
    url_output: EndpointUrl
    tests: [%s]
    preview: {stack: "ep-b-pr-{pr}", host: "pr-{pr}.preview.example.com", label: deploy-preview, priority_parameter: ListenerRulePriority}
  no-url:
    stack: no-url
    template: t.yaml
`

type testCLI struct {
	dir            string
	env            map[string]string
	stacks         *awsfake.CloudFormation
	http           *http.Client // trusted for the endpoint's TLS, when set
	stdout, stderr bytes.Buffer
}

func newTestCLI(t *testing.T, stacks map[string]map[string]string) *testCLI {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(probeTestConfig, committedCases, committedCases)
	if err := os.WriteFile(filepath.Join(dir, "mlops.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCLI{dir: dir, env: map[string]string{"MLOPS_CONFIG": filepath.Join(dir, "mlops.yml")}, stacks: seededStacks(stacks)}
}

func (c *testCLI) run(args ...string) int {
	e := NewTestEnv(&c.stdout, &c.stderr, c.env)
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) {
		return aws.Config{Region: "eu-west-1"}, nil
	}
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return c.stacks }
	e.Services.HTTP = c.http
	return RunEnv(context.Background(), append([]string{"test"}, args...), e)
}

func (c *testCLI) file(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTestCommandPassesAndWritesResults(t *testing.T) {
	t.Parallel()
	srv, _ := countingEndpoint(t)
	c := newTestCLI(t, nil)
	summary := c.file(t, "summary.md", "")
	c.env["GITHUB_ACTIONS"], c.env["GITHUB_STEP_SUMMARY"] = "true", summary
	c.env["GITHUB_OUTPUT"] = c.file(t, "output", "")
	c.env["GITHUB_SHA"], c.env["GITHUB_SERVER_URL"], c.env["GITHUB_REPOSITORY"], c.env["GITHUB_RUN_ID"] = "abc123", "https://github.com", "o/r", "42"
	// A re-run links its own attempt, as the deploy summary and the PR comment do.
	c.env["GITHUB_RUN_ATTEMPT"] = "2"
	jsonFile, junitFile := filepath.Join(c.dir, "r.json"), filepath.Join(c.dir, "r.xml")

	code := c.run("--url", srv.URL, "--cases", relaxedCases(t), "--json", jsonFile, "--junit", junitFile)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, c.stdout.String(), c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), "7 of 7 cases passed") {
		t.Errorf("stdout lacks the headline:\n%s", c.stdout.String())
	}
	var res report.Results
	raw, _ := os.ReadFile(jsonFile)
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	want := report.Results{Status: "success", URL: srv.URL, Commit: "abc123", RunURL: "https://github.com/o/r/actions/runs/42/attempts/2", Weights: "ready"}
	if diff := cmp.Diff(want, res, cmpopts.IgnoreFields(report.Results{}, "Cases", "Timings")); diff != "" || len(res.Cases) != 7 || !res.Passed() {
		t.Errorf("results JSON (-want +got):\n%s\ncases: %d", diff, len(res.Cases))
	}
	if x, _ := os.ReadFile(junitFile); !bytes.Contains(x, []byte(`<testsuites name="mlops test" tests="7" failures="0"`)) {
		t.Errorf("JUnit file:\n%s", x)
	}
	if md, _ := os.ReadFile(summary); !bytes.Contains(md, []byte("### ✅ Endpoint tests: 7 of 7 cases passed")) {
		t.Errorf("job summary:\n%s", md)
	}
	if out, _ := os.ReadFile(c.env["GITHUB_OUTPUT"]); !bytes.Contains(out, []byte("passed<<")) || !bytes.Contains(out, []byte("\ntrue\n")) {
		t.Errorf("step outputs lack passed=true:\n%s", out)
	}
}

func TestTestCommandFailingCaseExits1(t *testing.T) {
	t.Parallel()
	srv, _ := countingEndpoint(t)
	c := newTestCLI(t, nil)
	cases := c.file(t, "c.yaml", "cases:\n  - name: wrong label\n    method: POST\n    path: /api/v1/predict/\n    body: {features: {sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2}}\n    expect:\n      json:\n        - {path: $.label, equals: virginica}\n")
	jsonFile := filepath.Join(c.dir, "r.json")
	if code := c.run("--url", srv.URL, "--cases", cases, "--json", jsonFile); code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s", code, c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), `$.label: expected "virginica", got "not_virginica"`) {
		t.Errorf("stdout lacks the reason:\n%s", c.stdout.String())
	}
	if !strings.Contains(c.stderr.String(), "error: 1 of 1 endpoint test cases failed against "+srv.URL) {
		t.Errorf("stderr:\n%s", c.stderr.String())
	}
	raw, _ := os.ReadFile(jsonFile)
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil || res.Status != "failure" || res.Message != "1 of 1 endpoint test cases failed" {
		t.Errorf("results JSON = %+v, %v; want status failure with a message", res, err)
	}
}

func TestTestCommandAnnotatesFailedCasesInActions(t *testing.T) {
	t.Parallel()
	srv, _ := countingEndpoint(t)
	c := newTestCLI(t, nil)
	c.env["GITHUB_ACTIONS"] = "true"
	cases := c.file(t, "c.yaml", "cases:\n  - name: ok\n    path: /ping\n  - name: wrong status\n    path: /api/v1/version\n    expect: {status: 201}\n")
	if code := c.run("--url", srv.URL, "--cases", cases); code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s", code, c.stderr.String())
	}
	want := "::error file=" + cases + ",line=4::endpoint test \"wrong status\" failed: expected status 201, got 200; body: "
	if !strings.Contains(c.stderr.String(), want) {
		t.Errorf("stderr lacks the case annotation %q:\n%s", want, c.stderr.String())
	}
}

func TestTestCommandEnvReadsStackOutput(t *testing.T) {
	t.Parallel()
	srv, _ := countingEndpoint(t)
	tests := []struct {
		name  string
		args  []string
		stack string
	}{
		{"main environment", []string{"--env", "ep-a"}, "ecs-mlops-ep-a"},
		{"preview environment", []string{"--env", "ep-b", "--pr", "12"}, "ep-b-pr-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCLI(t, map[string]map[string]string{tt.stack: {"EndpointUrl": srv.URL, "Other": "x"}})
			jsonFile := filepath.Join(c.dir, "r.json")
			if code := c.run(append(tt.args, "--json", jsonFile)...); code != ExitOK {
				t.Fatalf("exit %d\n%s\n%s", code, c.stdout.String(), c.stderr.String())
			}
			raw, _ := os.ReadFile(jsonFile)
			var res report.Results
			_ = json.Unmarshal(raw, &res)
			if res.URL != srv.URL || res.Stack != tt.stack || res.Environment != tt.args[1] {
				t.Errorf("results url=%q stack=%q env=%q", res.URL, res.Stack, res.Environment)
			}
		})
	}
}

func TestTestCommandAbsentStackExits1(t *testing.T) {
	t.Parallel()
	c := newTestCLI(t, nil)
	if code := c.run("--env", "ep-a"); code != ExitFailure {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "error: stack \"ecs-mlops-ep-a\" does not exist, so it has no endpoint URL to test\nhint: deploy the environment first, or test a URL directly with --url\n"
	if diff := cmp.Diff(want, c.stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestTestCommandBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	srv, requests := countingEndpoint(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknownKey := write("unknown.yaml", "cases:\n  - name: a\n    path: /ping\n    expect:\n      stauts: 200\n")
	badPath := write("badpath.yaml", "cases:\n  - name: a\n    path: /ping\n    expect:\n      json:\n        - {path: \"$..[\", exists: true}\n")
	good := write("good.yaml", "cases:\n  - {name: a, path: /ping}\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"--url", srv.URL, "--cases", unknownKey},
			unknownKey + `:5: unknown key "stauts"; case files take ready, request_timeout, headers and cases (see docs/endpoint.md)`},
		{"bad JSON path", []string{"--url", srv.URL, "--cases", badPath},
			badPath + `:6: cases[0].expect.json[0].path: "$..[" is not an RFC 9535 JSONPath such as $.prediction: jsonpath: unexpected eof at position 5`},
		{"bad URL", []string{"--url", "localhost:8000", "--cases", good},
			`mlops test: url "localhost:8000" is not an http(s) URL such as https://ep-a.example.com`},
		{"bad host", []string{"--url", srv.URL, "--host", "a/b", "--cases", good},
			`mlops test: host "a/b" is not a host name (with an optional :port) such as pr-12.preview.example.com`},
		{"neither env nor url", []string{"--cases", good},
			`mlops test: give exactly one of --env NAME (test a deployed environment) or --url URL`},
		{"both env and url", []string{"--env", "ep-a", "--url", srv.URL},
			`mlops test: give exactly one of --env NAME (test a deployed environment) or --url URL`},
		{"no matching case file", []string{"--url", srv.URL, "--cases", filepath.Join(dir, "nope", "*.yaml")},
			`mlops test: no case file matches "` + filepath.Join(dir, "nope", "*.yaml") + `"; pass --cases FILE or add files under tests/endpoint/`},
		{"unknown environment", []string{"--env", "ep-z"}, `unknown environment "ep-z"`},
		{"environment without url_output", []string{"--env", "no-url"},
			`environments.no-url.url_output: is not set, so mlops test cannot find the endpoint URL; name the stack output that holds it, or pass --url`},
		{"preview without --pr", []string{"--env", "ep-b"},
			`mlops test: environment "ep-b" is a preview; pass --pr with the pull request number`},
		{"non-numeric --pr", []string{"--env", "ep-b", "--pr", "twelve"},
			`mlops test: --pr "twelve" is not a pull request number; pass one such as 42`},
		{"absent output", []string{"--env", "ep-a"},
			`stack "ecs-mlops-ep-a" has no output "EndpointUrl" (its outputs: Url)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCLI(t, map[string]map[string]string{"ecs-mlops-ep-a": {"Url": srv.URL}})
			if code := c.run(tt.args...); code != ExitUsage {
				t.Errorf("exit %d, want 2\nstderr:\n%s", code, c.stderr.String())
			}
			if first := strings.SplitN(c.stderr.String(), "\n", 2)[0]; !strings.Contains(first, tt.want) {
				t.Errorf("first stderr line:\n  %s\nwant it to contain:\n  %s", first, tt.want)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the endpoint on bad input, want 0", n)
	}
}
