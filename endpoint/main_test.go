package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMStopsCleanly builds the real binary, starts it on a free port,
// and checks that SIGTERM (how ECS stops a task) drains and exits 0.
func TestSIGTERMStopsCleanly(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "endpoint")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--weights", t.TempDir())
	cmd.Env = append(os.Environ(), "PORT=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	addr := ""
	for addr == "" && lines.Scan() {
		var rec map[string]any
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec["msg"] == "listening" {
			addr, _ = rec["addr"].(string)
		}
	}
	if addr == "" {
		t.Fatal("the endpoint never logged its listening address")
	}
	resp, err := http.Get("http://" + addr + "/ping")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /ping on the started binary = %v, %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit after SIGTERM = %v, want status 0; log:\n%s", err, rest)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the endpoint did not exit within 30 s of SIGTERM")
	}
	for _, want := range []string{`"msg":"stopping: draining in-flight requests"`, `"msg":"stopped"`} {
		if !strings.Contains(string(rest), want) {
			t.Errorf("log after SIGTERM lacks %s:\n%s", want, rest)
		}
	}
}

// TestMLOpsCommandsRunTheMLOpsBinary checks the image's second use: the
// weights-sync task runs it with `sync-weights ...`, which must reach the
// mlops binary installed beside the endpoint.
func TestMLOpsCommandsRunTheMLOpsBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "endpoint")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Without mlops beside it the endpoint refuses the argument.
	out, err := exec.Command(bin, "sync-weights", "--target", "/mnt/weights").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), `unexpected argument "sync-weights"`) {
		t.Errorf("without mlops: %v, %s; want exit 2 naming the argument", err, out)
	}
	script := "#!/bin/sh\necho \"argv0=$0 args=$*\"\n"
	if err := os.WriteFile(filepath.Join(dir, "mlops"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "sync-weights", "--target", "/mnt/weights").CombinedOutput()
	if want := "args=sync-weights --target /mnt/weights\n"; err != nil || !strings.HasSuffix(string(out), want) {
		t.Errorf("with mlops: %v, %q; want the arguments handed over (%q)", err, out, want)
	}
}

func TestRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"--port", "http"}, nil},
		{"env", nil, map[string]string{"PORT": "70000"}},
		{"health path", nil, map[string]string{"HEALTH_PATH": "healthz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			code := realMain(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), "endpoint: ") || !strings.Contains(stderr.String(), "; set --") {
				t.Errorf("realMain = %d, stderr %q; want 2 and a message naming the flag", code, stderr.String())
			}
		})
	}
}
