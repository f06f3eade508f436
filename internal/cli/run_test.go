package cli

import (
	"bytes"
	"context"
	"testing"
)

// result is one run of mlops: exit code and both streams.
type result struct {
	code           int
	stdout, stderr string
}

// run executes mlops with args in an environment holding only env.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := RunEnv(context.Background(), args, NewTestEnv(&stdout, &stderr, env))
	return result{code, stdout.String(), stderr.String()}
}
