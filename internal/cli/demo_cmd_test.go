package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDemoFlags: mlops demo hands its flags to the demo the binary wires in.
func TestDemoFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want DemoOptions
	}{
		{[]string{"demo"}, DemoOptions{Root: "."}},
		{[]string{"demo", "--root", "/src/models", "--verbose"}, DemoOptions{Root: "/src/models", Verbose: true}},
	}
	for _, tt := range tests {
		var got DemoOptions
		var stdout, stderr bytes.Buffer
		e := NewTestEnv(&stdout, &stderr, nil)
		e.Services.Demo = func(_ context.Context, _ *Env, o DemoOptions) error { got = o; return nil }
		if code := RunEnv(context.Background(), tt.args, e); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr.String())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v: options (-want +got):\n%s", tt.args, diff)
		}
	}
}

// TestDemoFailures: a failed demo is exit 1 with its error; a build without
// the demo says so; a stray argument is bad input.
func TestDemoFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		demo   func(context.Context, *Env, DemoOptions) error
		args   []string
		code   int
		stderr string
	}{
		{"step failed", func(context.Context, *Env, DemoOptions) error {
			return errors.New(`workflow deploy, job "build, deploy and test ep-a", step "Test the endpoint": mlops test exited 1`)
		}, []string{"demo"}, ExitFailure, "error: workflow deploy, job \"build, deploy and test ep-a\", step \"Test the endpoint\": mlops test exited 1\n"},
		{"not wired", nil, []string{"demo"}, ExitFailure, "error: mlops demo: this build has no demo; run it from the mlops binary (go run . demo)\n"},
		{"stray argument", nil, []string{"demo", "now"}, ExitUsage, "error: mlops demo: unexpected argument \"now\"; run mlops demo --help\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			e := NewTestEnv(&stdout, &stderr, nil)
			e.Services.Demo = tt.demo
			code := RunEnv(context.Background(), tt.args, e)
			if code != tt.code || stderr.String() != tt.stderr {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr %q", code, stderr.String(), tt.code, tt.stderr)
			}
		})
	}
}
