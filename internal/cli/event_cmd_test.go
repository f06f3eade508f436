package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

// eventPath is the path of a copy of the payload name of internal/fixtures,
// or "" for no name (a test that writes its own payload).
func eventPath(t *testing.T, name string) string {
	if name == "" {
		return ""
	}
	return fixtures.GitHubEventPath(t, name)
}

// stepEnv is the environment of an Actions step: GITHUB_ACTIONS=true and the
// output and summary files in a fresh directory.
func stepEnv(t *testing.T, extra map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"MLOPS_CONFIG":        "testdata/mlops.yml",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// transcript renders a run and the files it left as one golden text.
func transcript(t *testing.T, r result, env map[string]string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "exit: %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		data, err := os.ReadFile(env[f])
		switch {
		case os.IsNotExist(err):
			fmt.Fprintf(&b, "--- %s: not written\n", f)
		case err != nil:
			t.Fatal(err)
		default:
			fmt.Fprintf(&b, "--- %s\n%s", f, data)
		}
	}
	return b.String()
}

// TestEventInActions runs mlops event as a workflow step would and pins
// stdout, the log, the step outputs and the job summary.
func TestEventInActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		event  string
		file   string
		extra  map[string]string
	}{
		{"preview-up", "pull_request", "pull_request.labeled.deploy-preview.json", nil},
		{"preview-up-synchronize", "pull_request", "pull_request.synchronize.deploy-preview.json", nil},
		{"preview-down-unlabeled", "pull_request", "pull_request.unlabeled.deploy-preview.json", nil},
		{"preview-down-closed", "pull_request", "pull_request.closed.json", nil},
		{"none-fork", "pull_request", "pull_request.labeled.fork.json", nil},
		{"deploy", "push", "push.master.json", nil},
		{"sync-weights", "workflow_dispatch", "workflow_dispatch.inputs.json", map[string]string{"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			// The event comes from the runner's variables, as in a workflow.
			env := stepEnv(t, tc.extra)
			env["GITHUB_EVENT_NAME"], env["GITHUB_EVENT_PATH"] = tc.event, eventPath(t, tc.file)
			r := run(t, env, "event")
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			golden.Check(t, "event/"+tc.golden+".golden", transcript(t, r, env))
		})
	}
}

func TestEventOnATerminal(t *testing.T) {
	t.Parallel()
	r := run(t, nil, "event", "--event-name", "pull_request", "--event-path", eventPath(t, "pull_request.labeled.deploy-preview.json"), "--config", "testdata/mlops.yml")
	want := result{ExitOK,
		`{"action":"preview-up","environment":"ep-b","pr":2,"sha":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","ref":"changes","reason":"label \"deploy-preview\" was added to pull request #2"}` + "\n",
		"decision: preview-up (label \"deploy-preview\" was added to pull request #2)\n"}
	if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("mlops event (-want +got):\n%s", diff)
	}
}

// TestEventSources checks the precedence of where the event comes from:
// flag > action input > GITHUB_EVENT_* variables.
func TestEventSources(t *testing.T) {
	t.Parallel()
	push, pr := eventPath(t, "push.master.json"), eventPath(t, "pull_request.closed.json")
	tests := []struct {
		desc string
		env  map[string]string
		args []string
		want string
	}{
		{"runner variables", map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": push}, nil, "deploy"},
		{"inputs beat variables", map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": push, "INPUT_EVENT_NAME": "pull_request", "INPUT_EVENT_PATH": pr}, nil, "preview-down"},
		{"flags beat inputs", map[string]string{"INPUT_EVENT_NAME": "pull_request", "INPUT_EVENT_PATH": pr}, []string{"--event-name=push", "--event-path=" + push}, "deploy"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			tc.env["MLOPS_CONFIG"] = "testdata/mlops.yml"
			r := run(t, tc.env, append([]string{"event"}, tc.args...)...)
			if r.code != ExitOK || !strings.HasPrefix(r.stdout, `{"action":"`+tc.want+`"`) {
				t.Errorf("exit %d, stdout %q; want action %s", r.code, r.stdout, tc.want)
			}
		})
	}
}

// TestEventBadInput: each kind of bad input gives one message naming what
// and where, exit 2, and writes nothing: no decision, no outputs, no summary.
func TestEventBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := write("not-json.json", "event: push\n")
	notEvent := write("not-event.json", `{"hello": "world"}`)
	missing := filepath.Join(dir, "missing.json")
	labeled := eventPath(t, "pull_request.labeled.deploy-preview.json")
	tests := []struct {
		desc string
		args []string
		env  map[string]string
		want string
	}{
		{"no event at all", nil, nil,
			"::error::mlops event: no event; pass --event-name and --event-path, or run inside GitHub Actions\n"},
		{"missing event file", []string{"--event-name", "push", "--event-path", missing}, nil,
			"::error::event file " + missing + ": not found; pass --event-path or run inside GitHub Actions (GITHUB_EVENT_PATH)\n"},
		{"unreadable event file", []string{"--event-name", "push", "--event-path", dir}, nil,
			"::error::event file " + dir + ": cannot read it: read " + dir + ": is a directory\n"},
		{"not JSON", []string{"--event-name", "push", "--event-path", notJSON}, nil,
			"::error::event file " + notJSON + ": not a GitHub webhook payload (want a JSON object)\n"},
		{"JSON that is not an event", []string{"--event-name", "push", "--event-path", notEvent}, nil,
			"::error::event file " + notEvent + ": not a GitHub webhook payload (no \"repository\" object)\n"},
		{"payload of another event", []string{"--event-name", "push", "--event-path", labeled}, nil,
			"::error::event file " + labeled + ": push payload has no \"ref\"; is --event-name right?\n"},
		{"unknown event type", nil, map[string]string{"GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": labeled},
			"::error::mlops event: event \"issue_comment\" is not routed; mlops routes push, pull_request, workflow_dispatch (check the workflow's on: triggers)\n"},
		{"config with errors", []string{"--event-name", "pull_request", "--event-path", labeled, "--config", "testdata/bad-mlops.yml"}, nil,
			"::error file=testdata/bad-mlops.yml,line=5::testdata/bad-mlops.yml:5: environments.ep-a.templte: unknown key \"templte\"; did you mean \"template\"? Keys here: image_parameter, parameters, preview, protected, role, stack, template, tests, url_output\n"},
		{"config that fails validation", []string{"--event-name", "pull_request", "--event-path", labeled, "--config", write("invalid.yml", "region: eu-west-1\nenvironments:\n  ep-a:\n    template: a.yaml\n  ep-b:\n    template: b.yaml\n    preview:\n      stack: ep-b\n      host: pr.example.com\n      label: x\n      priority_parameter: P\n")}, nil,
			"::error file=" + dir + "/invalid.yml,line=3::" + dir + "/invalid.yml:3: environments.ep-a.stack: must not be empty; set it, e.g. stack: ecs-mlops-ep-a\n" +
				"::error file=" + dir + "/invalid.yml,line=8::" + dir + "/invalid.yml:8: environments.ep-b.preview.stack: \"ep-b\" must contain {pr} so each pull request gets its own stack, e.g. ep-b-pr-{pr}\n" +
				"::error file=" + dir + "/invalid.yml,line=9::" + dir + "/invalid.yml:9: environments.ep-b.preview.host: \"pr.example.com\" must contain {pr}, e.g. pr-{pr}.preview.example.com\n"},
		{"missing config", []string{"--event-name", "push", "--event-path", labeled, "--config", missing}, nil,
			"::error file=" + missing + "::" + missing + ": config file not found; create it (see README \"Configuration\") or pass --config\n"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			env := stepEnv(t, tc.env)
			r := run(t, env, append([]string{"event"}, tc.args...)...)
			want := "exit: 2\n--- stdout\n--- stderr\n" + tc.want +
				"--- GITHUB_OUTPUT: not written\n--- GITHUB_STEP_SUMMARY: not written\n"
			if diff := cmp.Diff(want, transcript(t, r, env)); diff != "" {
				t.Errorf("mlops event %v (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

// TestEventOutputsUnwritable: a step whose outputs cannot be written fails,
// so no workflow branches on a decision it never received.
func TestEventOutputsUnwritable(t *testing.T) {
	t.Parallel()
	env := stepEnv(t, map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": eventPath(t, "push.master.json")})
	delete(env, "GITHUB_OUTPUT")
	r := run(t, env, "event")
	if r.code != ExitFailure {
		t.Errorf("exit %d, want %d", r.code, ExitFailure)
	}
	if !strings.Contains(r.stderr, "::error::write step output action: GITHUB_OUTPUT is not set") {
		t.Errorf("stderr %q does not say which output failed", r.stderr)
	}
}
