// Package proc starts external programs (docker, git) through one
// interface, so tests see the exact argv and stdin of every call.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Cmd is one program invocation.
type Cmd struct {
	Name   string
	Args   []string
	Dir    string
	Stdin  io.Reader // nil: no input
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // nil: discarded
	// Env holds KEY=VALUE variables set on top of this process's
	// environment; a key given here overrides the inherited value.
	Env []string
}

// String is the command line as a user would type it (arguments are never
// secrets here: secrets go on stdin).
func (c Cmd) String() string {
	return strings.TrimSpace(c.Name + " " + strings.Join(c.Args, " "))
}

// Runner runs a command to completion.
type Runner interface {
	Run(ctx context.Context, c Cmd) error
}

// ErrNotFound means the program is not installed (not on PATH).
var ErrNotFound = exec.ErrNotFound

// ExitError is a program that ran and exited non-zero.
type ExitError struct {
	Cmd  string
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("%s exited with status %d", e.Cmd, e.Code) }

// Exec runs commands as child processes.
type Exec struct{}

// Run starts c and waits for it; a missing program wraps ErrNotFound and a
// non-zero exit is an *ExitError.
func (Exec) Run(ctx context.Context, c Cmd) error {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Dir, c.Stdin, c.Stdout, c.Stderr
	if len(c.Env) > 0 {
		// exec uses the last value of a duplicated key, so c.Env wins.
		// https://pkg.go.dev/os/exec#Cmd.Env
		cmd.Env = append(os.Environ(), c.Env...)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Cmd: c.Name + " " + firstArg(c.Args), Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", c.Name, err)
	}
	return nil
}

func firstArg(a []string) string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}
