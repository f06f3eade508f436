package proc_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/proc"
)

func TestExec(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var out bytes.Buffer
	if err := (proc.Exec{}).Run(ctx, proc.Cmd{Name: "cat", Stdin: strings.NewReader("on stdin"), Stdout: &out}); err != nil {
		t.Fatalf("cat: %v", err)
	}
	if out.String() != "on stdin" {
		t.Errorf("stdout = %q, want the stdin echoed", out.String())
	}
	err := (proc.Exec{}).Run(ctx, proc.Cmd{Name: "sh", Args: []string{"-c", "exit 3"}})
	var ee *proc.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("exit 3: err = %v, want ExitError with code 3", err)
	}
	err = (proc.Exec{}).Run(ctx, proc.Cmd{Name: "no-such-program-mlops"})
	if !errors.Is(err, proc.ErrNotFound) {
		t.Errorf("missing program: err = %v, want ErrNotFound", err)
	}
}

// TestExecEnv: Cmd.Env reaches the child on top of the inherited
// environment and overrides an inherited key.
func TestExecEnv(t *testing.T) {
	t.Setenv("MLOPS_RUNNER_TEST_INHERITED", "kept")
	t.Setenv("MLOPS_RUNNER_TEST_OVERRIDDEN", "old")
	var out bytes.Buffer
	err := (proc.Exec{}).Run(context.Background(), proc.Cmd{
		Name: "sh", Args: []string{"-c", `printf '%s %s' "$MLOPS_RUNNER_TEST_INHERITED" "$MLOPS_RUNNER_TEST_OVERRIDDEN"`},
		Env: []string{"MLOPS_RUNNER_TEST_OVERRIDDEN=new"}, Stdout: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "kept new"; got != want {
		t.Errorf("child saw %q, want %q", got, want)
	}
}
