package demo

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
)

// TestMainFlags: the program hands its flags to the demo and reports a
// passed run with its counts.
func TestMainFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want Options
	}{
		{nil, Options{Root: "."}},
		{[]string{"--root", "/src/models", "--verbose"}, Options{Root: "/src/models", Verbose: true}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var got Options
			var stdout, stderr bytes.Buffer
			play := func(_ context.Context, o Options) (*Result, error) {
				got = o
				return &Result{Steps: make([]StepResult, 3), Runs: 2}, nil
			}
			if code := run(context.Background(), tt.args, &stdout, &stderr, play); code != cli.ExitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if got.Out != &stdout {
				t.Error("the demo does not write to stdout")
			}
			got.Out = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if want := "\ndemo finished: 3 steps in 2 jobs passed in 0s\n"; stdout.String() != want {
				t.Errorf("stdout %q, want %q", stdout.String(), want)
			}
		})
	}
}

// TestMainFailures: a failed step is exit 1 with its error; a bad flag or
// a stray argument is bad input and plays nothing; --help is usage on
// stdout.
func TestMainFailures(t *testing.T) {
	t.Parallel()
	failed := errors.New(`workflow deploy, job "build, deploy and test ep-a", step "Test the endpoint": mlops test exited 1`)
	tests := []struct {
		name   string
		args   []string
		err    error
		code   int
		stdout string
		stderr string
	}{
		{"step failed", nil, failed, cli.ExitFailure, "", "error: " + failed.Error() + "\n"},
		{"stray argument", []string{"now"}, nil, cli.ExitUsage, "", "error: demo: unexpected argument \"now\"; run go run ./cmd/demo --help\n"},
		{"unknown flag", []string{"--rooot", "x"}, nil, cli.ExitUsage, "", "error: demo: flag provided but not defined: -rooot; run go run ./cmd/demo --help\n"},
		{"help", []string{"--help"}, nil, cli.ExitOK, "Usage: go run ./cmd/demo [--root DIR] [--verbose]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			played := false
			play := func(context.Context, Options) (*Result, error) { played = true; return nil, tt.err }
			code := run(context.Background(), tt.args, &stdout, &stderr, play)
			firstLine, _, _ := strings.Cut(stdout.String(), "\n")
			if tt.stdout != "" {
				firstLine += "\n"
			}
			if code != tt.code || stderr.String() != tt.stderr || firstLine != tt.stdout {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d, stderr %q, stdout starting %q", code, stderr.String(), stdout.String(), tt.code, tt.stderr, tt.stdout)
			}
			if played != (tt.err != nil) {
				t.Errorf("played %v", played)
			}
		})
	}
}
