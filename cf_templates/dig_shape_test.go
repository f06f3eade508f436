package cftemplates

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Fatalf records the message and stops the
// goroutine, as the real one does, so a test can see what a helper reports.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// report runs f with a recorder and returns what it reported; a panic in
// f fails the test instead of the binary.
func report(t *testing.T, f func(tb testing.TB)) (msg string) {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		f(r)
	}()
	if p := <-done; p != nil {
		t.Fatalf("panicked instead of reporting: %v", p)
	}
	return r.msg
}

// Templates of another shape than this repository's (a user's, the
// original project's) make the template tests' helpers report the path and
// the shape found, not panic the test binary.
func TestHelpersReportTemplatesOfAnotherShape(t *testing.T) {
	t.Parallel()
	tmpl := map[string]any{
		"Parameters": map[string]any{"Subnets": "not a mapping", "TaskRAM": map[string]any{"Type": "String"}},
		"Resources": map[string]any{"Bucket": map[string]any{"Properties": map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{}},
		}}},
	}
	for _, tc := range []struct {
		name string
		f    func(tb testing.TB)
		want string
	}{
		{"missing key", func(tb testing.TB) { digString(tb, tmpl, "Parameters", "TaskRAM", "AllowedPattern") }, `template at Parameters.TaskRAM: no key "AllowedPattern"`},
		{"string where a mapping is", func(tb testing.TB) { dig(tb, tmpl, "Parameters", "Subnets", "Default") }, `template at Parameters.Subnets: want a mapping with key "Default", got string not a mapping`},
		{"empty list", func(tb testing.TB) {
			digMap(tb, tmpl, "Resources", "Bucket", "Properties", "BucketEncryption", "ServerSideEncryptionConfiguration", 0)
		}, "template at Resources.Bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration: want a list with item 0, got a list of 0"},
		{"wrong leaf", func(tb testing.TB) { digList(tb, tmpl, "Parameters", "TaskRAM") }, "template at Parameters.TaskRAM: want a list, got a mapping"},
		{"parameter that is not a mapping", func(tb testing.TB) { newAccount(tb, tmpl, nil) }, ""},
		{"Fn::If on a string", func(tb testing.TB) { newAccount(tb, tmpl, nil).eval(map[string]any{"Fn::If": "HasSubnets"}) }, "Fn::If: want a list of at least 3 arguments, got string HasSubnets"},
		{"Fn::Select past the end", func(tb testing.TB) {
			newAccount(tb, tmpl, nil).eval(map[string]any{"Fn::Select": []any{"2", []any{"a"}}})
		}, "Fn::Select: want a list of at least 3 arguments, got a list of 1"},
		{"Fn::Sub of an empty list", func(tb testing.TB) { newAccount(tb, tmpl, nil).eval(map[string]any{"Fn::Sub": []any{}}) }, "Fn::Sub: want a list of at least 1 arguments, got a list of 0"},
		{"Ref of a list", func(tb testing.TB) { newAccount(tb, tmpl, nil).eval(map[string]any{"Ref": []any{"A"}}) }, "Ref: want a string, got a list of 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := report(t, tc.f); !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
				t.Errorf("reported %q, want %q", got, tc.want)
			}
		})
	}
}
