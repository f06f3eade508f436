package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// readAction parses an action metadata file.
func readAction(t *testing.T, file string) actionMeta {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m actionMeta
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// step returns the run script of the step called name in an action file.
func step(t *testing.T, file, name string) string {
	t.Helper()
	m := readAction(t, file)
	for _, s := range m.Runs.Steps {
		if s.Name == name || s.ID == name {
			return s.Run
		}
	}
	t.Fatalf("%s has no step %q", file, name)
	return ""
}

// bash runs script the way the runner runs a `shell: bash` step, in dir
// with env, and returns its stdout, stderr and exit code.
func bash(t *testing.T, dir, script string, env map[string]string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// outputs parses a GITHUB_OUTPUT file written with name=value lines.
func outputs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

// TestRootActionBuildsOnceAndRuns drives the root action's own scripts:
// locate (binary path keyed by a hash of the sources), build from the
// action's source, then the command step, whose inputs arrive through env
// and are split into arguments without being evaluated by the shell.
func TestRootActionBuildsOnceAndRuns(t *testing.T) {
	t.Parallel()
	src, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	temp := t.TempDir()
	locate := func() map[string]string {
		out := filepath.Join(t.TempDir(), "output")
		if _, stderr, code := bash(t, temp, step(t, "action.yml", "locate"), map[string]string{
			"ACTION_PATH": src, "RUNNER_TEMP": temp, "GITHUB_OUTPUT": out,
		}); code != 0 {
			t.Fatalf("locate: exit %d: %s", code, stderr)
		}
		return outputs(t, out)
	}
	first := locate()
	if first["built"] != "false" || len(first["hash"]) != 20 || first["bin"] != filepath.Join(temp, "mlops-"+first["hash"], "mlops") || first["src"] != src {
		t.Fatalf("locate before a build = %v", first)
	}

	goBin := filepath.Join(runtime.GOROOT(), "bin")
	if _, stderr, code := bash(t, src, step(t, "action.yml", "Build mlops"), map[string]string{
		"BIN": first["bin"], "HASH": first["hash"], "VERSION": "", "PATH": goBin + ":" + os.Getenv("PATH"),
		"GOCACHE": goEnv(t, "GOCACHE"), "GOMODCACHE": goEnv(t, "GOMODCACHE"),
	}); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	if second := locate(); second["built"] != "true" || second["hash"] != first["hash"] {
		t.Errorf("locate after the build = %v, want the same hash and built=true", second)
	}

	runStep := step(t, "action.yml", "run")
	work := t.TempDir()
	tests := []struct {
		desc    string
		env     map[string]string
		code    int
		stdout  string
		inError string
	}{
		{"version", map[string]string{"INPUT_COMMAND": "version"}, 0, "mlops src-" + first["hash"] + "\n", ""},
		{"subcommand and args; nothing is evaluated", map[string]string{
			"INPUT_COMMAND": "config validate", "INPUT_ARGS": "--config\n$(touch${IFS}pwned)`touch${IFS}pwned`",
		}, 2, "", "$(touch${IFS}pwned)`touch${IFS}pwned`: config file not found"},
		{"config input reaches the binary", map[string]string{
			"INPUT_COMMAND": "config  validate", "INPUT_CONFIG": filepath.Join(src, ".github", "mlops.yml"),
		}, 0, filepath.Join(src, ".github", "mlops.yml") + ": ok (2 environments: ep-a, ep-b)\n", ""},
		{"empty command", map[string]string{"INPUT_COMMAND": " "}, 2, "::error::input command is empty; set it to an mlops command such as event\n", ""},
	}
	for _, tc := range tests {
		tc.env["MLOPS_BIN"] = first["bin"]
		stdout, stderr, code := bash(t, work, runStep, tc.env)
		if code != tc.code || stdout != tc.stdout || !strings.Contains(stderr, tc.inError) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q", tc.desc, code, stdout, stderr, tc.code, tc.stdout, tc.inError)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "pwned")); !os.IsNotExist(err) {
		t.Error("an input was evaluated by the shell")
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestRouteEventChecksWorkspace: actions/route-event runs the root action as
// ./, so it must refuse to run when the workspace holds something else.
func TestRouteEventChecksWorkspace(t *testing.T) {
	t.Parallel()
	src, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	script := step(t, "actions/route-event/action.yml", "Check that the suite is at the workspace root")
	env := map[string]string{"ACTION_PATH": filepath.Join(src, ".", "actions", "route-event"), "GITHUB_WORKSPACE": src}
	if _, stderr, code := bash(t, src, script, env); code != 0 {
		t.Errorf("suite at the workspace root: exit %d: %s", code, stderr)
	}
	other := t.TempDir()
	env["GITHUB_WORKSPACE"] = other
	stdout, _, code := bash(t, src, script, env)
	want := "::error::actions/route-event runs the suite's root action as a local action, which GitHub looks for in the workspace (" + other +
		"), but this action lives in " + src + ". Check out the repository holding ecs-mlops at the workspace root, or use the root action with command: event.\n"
	if code != 1 {
		t.Errorf("other workspace: exit %d, want 1", code)
	}
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("other workspace (-want +got):\n%s", diff)
	}
}
