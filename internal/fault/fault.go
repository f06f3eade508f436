// Package fault holds what the CLI needs to report an error: the one type of
// bad input (Problem: file, line, key, message, fix, severity), whether an
// error is bad input (exit 2, nothing was written) or a failure, and the
// "what to do next" hint a user sees.
package fault

import (
	"errors"
	"fmt"
)

// UsageError marks bad input: a flag, file, key or value the user must change.
// Commands return it before any AWS or GitHub write, and the CLI exits 2.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message; %w wraps as usual.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Usage marks err as bad input. A nil err stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// IsUsage reports whether err, or any error it wraps, is bad input.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// hinted carries a recommended next action alongside an error.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// WithHint attaches a recommended next action ("run mlops doctor --env ep-a")
// that the CLI prints under the error.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: hint}
}

// Hint returns the outermost hint attached to err, or "".
func Hint(err error) string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

// exitCoded carries the exit code a failure must end the process with, such
// as a remote container's own code.
type exitCoded struct {
	err  error
	code int
}

func (e *exitCoded) Error() string { return e.err.Error() }
func (e *exitCoded) Unwrap() error { return e.err }

// WithExitCode makes the CLI exit with code (1–255) for err.
func WithExitCode(err error, code int) error {
	if err == nil {
		return nil
	}
	return &exitCoded{err: err, code: code}
}

// ExitCode returns the code attached by WithExitCode, or 0 when there is none.
func ExitCode(err error) int {
	var e *exitCoded
	if errors.As(err, &e) {
		return e.code
	}
	return 0
}
