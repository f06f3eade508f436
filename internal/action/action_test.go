package action

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// actionsEnv returns the environment of a step: GITHUB_ACTIONS=true and
// output and summary files in a temporary directory, plus extra.
func actionsEnv(t *testing.T, extra map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func newTest(env map[string]string) (*Action, *bytes.Buffer) {
	var buf bytes.Buffer
	return New(func(k string) string { return env[k] }, &buf, false), &buf
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	s := Setting{Flag: "event-path", Env: []string{"MLOPS_EVENT_PATH", "GITHUB_EVENT_PATH"}, Config: "from-config", Def: "from-default"}
	tests := []struct {
		desc    string
		env     map[string]string
		flag    string
		flagSet bool
		want    Value
	}{
		{"flag wins over everything", map[string]string{"INPUT_EVENT-PATH": "in", "GITHUB_EVENT_PATH": "env"}, "f.json", true, Value{"f.json", "flag"}},
		{"a flag set to empty still wins", map[string]string{"INPUT_EVENT_PATH": "in"}, "", true, Value{"", "flag"}},
		{"input with a dash, as Actions names it", map[string]string{"INPUT_EVENT-PATH": "in.json", "GITHUB_EVENT_PATH": "env"}, "", false, Value{"in.json", "input"}},
		{"input with underscores, as composite env: passes it", map[string]string{"INPUT_EVENT_PATH": " in.json ", "GITHUB_EVENT_PATH": "env"}, "", false, Value{"in.json", "input"}},
		{"environment in listed order", map[string]string{"MLOPS_EVENT_PATH": "first", "GITHUB_EVENT_PATH": "second"}, "", false, Value{"first", "env"}},
		{"blank environment is unset", map[string]string{"MLOPS_EVENT_PATH": "  ", "GITHUB_EVENT_PATH": "second"}, "", false, Value{"second", "env"}},
		{"config", nil, "", false, Value{"from-config", "config"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			a, _ := newTest(tc.env)
			if diff := cmp.Diff(tc.want, a.Resolve(s, tc.flag, tc.flagSet)); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s", diff)
			}
		})
	}
	a, _ := newTest(nil)
	if got := a.Resolve(Setting{Flag: "x", Def: "d"}, "", false); got != (Value{"d", "default"}) {
		t.Errorf("Resolve with nothing set = %+v, want the default", got)
	}
}

func TestOutputsAndSummary(t *testing.T) {
	t.Parallel()
	env := actionsEnv(t, nil)
	a, log := newTest(env)
	a.SetOutput("action", "preview-up")
	a.SetOutput("pr", "")
	a.SetOutput("reason", "line one\nline two")
	a.Summary("### mlops event")
	a.Summary("done\n")
	if err := a.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
	want := "action<<ghadelimiter_f9e5864683b0f80a84aa4f82a3e7fa2c\npreview-up\nghadelimiter_f9e5864683b0f80a84aa4f82a3e7fa2c\n" +
		"pr<<ghadelimiter_e3b0c44298fc1c149afbf4c8996fb924\n\nghadelimiter_e3b0c44298fc1c149afbf4c8996fb924\n" +
		"reason<<ghadelimiter_b6858b03a6cae635deeaeab09a74e598\nline one\nline two\nghadelimiter_b6858b03a6cae635deeaeab09a74e598\n"
	if diff := cmp.Diff(want, readFile(t, env["GITHUB_OUTPUT"])); diff != "" {
		t.Errorf("output file (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("### mlops event\ndone\n", readFile(t, env["GITHUB_STEP_SUMMARY"])); diff != "" {
		t.Errorf("summary file (-want +got):\n%s", diff)
	}
	if log.Len() != 0 {
		t.Errorf("outputs wrote to the log: %q", log)
	}
}

// TestOutputCannotForgeAnother: a value that tries to close the heredoc with
// the delimiter other tools use stays one value.
func TestOutputCannotForgeAnother(t *testing.T) {
	t.Parallel()
	env := actionsEnv(t, nil)
	a, _ := newTest(env)
	evil := "x\n_GitHubActionsFileCommandDelimeter_\naction=deploy"
	a.SetOutput("reason", evil)
	got := parseOutputs(t, readFile(t, env["GITHUB_OUTPUT"]))
	if diff := cmp.Diff(map[string]string{"reason": evil}, got); diff != "" {
		t.Errorf("outputs as the runner reads them (-want +got):\n%s", diff)
	}
}

// parseOutputs reads an output file the way the runner does.
func parseOutputs(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			k, v, _ := strings.Cut(lines[i], "=")
			out[k] = v
			continue
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func TestOutsideActions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary")}
	a, log := newTest(env)
	a.SetOutput("action", "deploy")
	a.Summary("x")
	a.Mask("secret")
	end := a.Group("Deploy ep-a")
	a.Errorf(Location{File: ".github/mlops.yml", Line: 3}, "region: %q is not an AWS region", "moon-1")
	a.Warningf(Location{File: "x.json"}, "careful")
	a.Errorf(Location{}, "plain")
	a.Errorf(Location{File: "m.yml", Line: 2}, "m.yml:2: region: bad")
	end()
	for _, f := range []string{"output", "summary"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s file written outside Actions (stat: %v)", f, err)
		}
	}
	want := "==> Deploy ep-a\n" +
		"error: .github/mlops.yml:3: region: \"moon-1\" is not an AWS region\n" +
		"warning: x.json: careful\n" +
		"error: plain\n" +
		"error: m.yml:2: region: bad\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if a.InActions() || a.Redraw() {
		t.Errorf("InActions=%v Redraw=%v, want false for a non-terminal outside Actions", a.InActions(), a.Redraw())
	}
}

func TestWorkflowCommands(t *testing.T) {
	t.Parallel()
	a, log := newTest(actionsEnv(t, nil))
	end := a.Group("Deploy ep-a")
	a.Errorf(Location{File: "cfg,1.yml", Line: 7}, "bad\nvalue 100%%")
	a.Warningf(Location{File: "x.json"}, "careful")
	a.Errorf(Location{}, "plain")
	a.Mask("s3cr3t")
	a.Mask("-----BEGIN KEY-----\nAAAA\r\n\n-----END KEY-----")
	a.Mask("")
	end()
	want := "::group::Deploy ep-a\n" +
		"::error file=cfg%2C1.yml,line=7::bad%0Avalue 100%25\n" +
		"::warning file=x.json::careful\n" +
		"::error::plain\n" +
		"::add-mask::s3cr3t\n" +
		"::add-mask::-----BEGIN KEY-----\n" +
		"::add-mask::AAAA\n" +
		"::add-mask::-----END KEY-----\n" +
		"::endgroup::\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestWriteFailuresAreReported(t *testing.T) {
	t.Parallel()
	env := actionsEnv(t, nil)
	delete(env, "GITHUB_OUTPUT")
	env["GITHUB_STEP_SUMMARY"] = t.TempDir() // a directory cannot be appended to
	a, _ := newTest(env)
	a.SetOutput("action", "deploy")
	a.Summary("x")
	err := a.Err()
	if err == nil {
		t.Fatal("Err() = nil, want the two failed writes")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 ||
		lines[0] != "write step output action: GITHUB_OUTPUT is not set; run on a GitHub-hosted or current self-hosted runner" ||
		!strings.HasPrefix(lines[1], "write job summary to GITHUB_STEP_SUMMARY: open ") {
		t.Errorf("Err() = %q", err)
	}
}

func TestSummaryWithoutFileIsSkipped(t *testing.T) {
	t.Parallel()
	env := actionsEnv(t, nil)
	delete(env, "GITHUB_STEP_SUMMARY")
	a, _ := newTest(env)
	a.Summary("x")
	if err := a.Err(); err != nil {
		t.Errorf("Err() = %v, want nil: older runners have no job summary", err)
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }

	a, log := newTest(actionsEnv(t, nil))
	p := a.Progress(clock, 5*time.Second)
	for i, step := range []time.Duration{0, 2 * time.Second, 3 * time.Second, time.Second, 4 * time.Second} {
		now = now.Add(step)
		p.Update("waiting " + string(rune('a'+i)))
	}
	p.Done("done")
	if diff := cmp.Diff("waiting a\nwaiting c\nwaiting e\ndone\n", log.String()); diff != "" {
		t.Errorf("append-only progress (-want +got):\n%s", diff)
	}

	var tty bytes.Buffer
	ta := New(func(string) string { return "" }, &tty, true)
	tp := ta.Progress(clock, time.Hour)
	tp.Update("one")
	tp.Update("two")
	tp.Done("done")
	if diff := cmp.Diff("\r\x1b[Kone\r\x1b[Ktwo\r\x1b[Kdone\n", tty.String()); diff != "" {
		t.Errorf("terminal progress (-want +got):\n%s", diff)
	}
}
