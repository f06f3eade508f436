package workflowpolicy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
)

// payload reads a webhook payload of internal/fixtures and applies edit to
// it.
func payload(t *testing.T, name string, edit func(p map[string]any)) map[string]any {
	t.Helper()
	data, err := fixtures.GitHubEvent(name)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if edit != nil {
		edit(p)
	}
	return p
}

// route runs `mlops event` on the payload as the route step of a workflow
// does, with the repository's config, and returns the step outputs it
// wrote.
func route(t *testing.T, event string, p map[string]any) map[string]string {
	t.Helper()
	dir := t.TempDir()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "event.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": path,
		"GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "MLOPS_CONFIG": filepath.Join(root, ".github", "mlops.yml"),
	}
	var stdout, stderr bytes.Buffer
	if code := cli.RunEnv(context.Background(), []string{"event"}, cli.NewTestEnv(&stdout, &stderr, env)); code != cli.ExitOK {
		t.Fatalf("mlops event (%s): exit %d: %s", event, code, stderr.String())
	}
	out, err := os.ReadFile(env["GITHUB_OUTPUT"])
	if err != nil {
		t.Fatal(err)
	}
	return parseOutputs(t, string(out))
}

// parseOutputs reads a GITHUB_OUTPUT file of name<<delimiter blocks.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
func parseOutputs(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		out[name] = strings.Join(value, "\n")
	}
	if out["action"] == "" {
		t.Fatalf("GITHUB_OUTPUT has no action: %q", s)
	}
	return out
}

// scenario routes one payload through mlops event.
func scenario(t *testing.T, name, event string, p map[string]any) Scenario {
	t.Helper()
	return Scenario{Name: name, Event: Event{Name: event, Payload: p}, Route: route(t, event, p)}
}

func repoConfig(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join(root, ".github", "mlops.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// scenarios are the events the workflows are checked on, each routed by
// the real mlops event with the repository's config.
type scenarios struct {
	names            BinaryOutputs
	envs             []string
	deploy, declined Scenario
	previews         []PreviewScenario
	dispatch         Scenario
	gc               []Scenario
}

func newScenarios(t *testing.T) *scenarios {
	t.Helper()
	cfg := repoConfig(t)
	label := cfg.PreviewEnv().Preview.Label
	s := &scenarios{names: binaryOutputs(t), envs: cfg.EnvNames()}
	toMaster := func(p map[string]any) { p["ref"] = "refs/heads/master" }
	s.deploy = scenario(t, "a push to master", "push", payload(t, "push.0.json", toMaster))
	s.declined = scenario(t, "a push deleting master", "push", payload(t, "push.1.json", toMaster))
	s.previews = previewScenarios(t, label)
	s.dispatch = Scenario{Name: "a manual run", Event: Event{Name: "workflow_dispatch", Payload: payload(t, "workflow_dispatch.0.json", nil)}}
	s.gc = []Scenario{
		{Name: "the nightly schedule", Event: Event{Name: "schedule", Payload: map[string]any{"schedule": "23 3 * * *", "repository": s.dispatch.Event.Payload["repository"]}}},
		{Name: "a manual run", Event: s.dispatch.Event},
	}
	return s
}

// previewScenarios: each pull_request action preview.yml listens to, with
// and without the preview label, from the repository and from a fork.
func previewScenarios(t *testing.T, label string) []PreviewScenario {
	t.Helper()
	labelled := func(p map[string]any) {
		pr := p["pull_request"].(map[string]any)
		pr["labels"] = append(pr["labels"].([]any), map[string]any{"name": label})
	}
	theLabel := func(p map[string]any) { p["label"].(map[string]any)["name"] = label }
	fork := func(p map[string]any) {
		head := p["pull_request"].(map[string]any)["head"].(map[string]any)
		head["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
	}
	both := func(fs ...func(map[string]any)) func(map[string]any) {
		return func(p map[string]any) {
			for _, f := range fs {
				f(p)
			}
		}
	}
	tests := []struct {
		name, file string
		edit       func(map[string]any)
		triggers   bool
		want       []string
	}{
		{"labeled " + label, "pull_request.labeled.json", both(theLabel, labelled), true, []string{"up"}},
		{"labeled with another label", "pull_request.labeled.json", nil, true, nil},
		{"unlabeled " + label, "pull_request.unlabeled.json", theLabel, true, []string{"down"}},
		{"unlabeled another label", "pull_request.unlabeled.json", labelled, true, nil},
		{"synchronize while labelled", "pull_request.synchronize.json", labelled, true, []string{"up"}},
		{"synchronize without the label", "pull_request.synchronize.json", nil, true, nil},
		{"reopened while labelled", "pull_request.reopened.json", labelled, true, []string{"up"}},
		{"reopened without the label", "pull_request.reopened.json", nil, true, nil},
		{"closed", "pull_request.closed.json", nil, true, []string{"down"}},
		{"closed while labelled", "pull_request.closed.json", labelled, true, []string{"down"}},
		{"opened", "pull_request.opened.json", nil, false, nil},
		{"labeled " + label + " on a fork's pull request", "pull_request.labeled.json", both(theLabel, labelled, fork), true, []string{"fork-notice"}},
		{"synchronize on a fork's labelled pull request", "pull_request.synchronize.json", both(labelled, fork), true, []string{"fork-notice"}},
		{"unlabeled " + label + " on a fork's pull request", "pull_request.unlabeled.json", both(theLabel, fork), true, nil},
		{"closed on a fork's pull request", "pull_request.closed.json", fork, true, nil},
	}
	out := make([]PreviewScenario, len(tests))
	for i, tc := range tests {
		s := scenario(t, "pull_request "+tc.name, "pull_request", payload(t, tc.file, tc.edit))
		out[i] = PreviewScenario{Scenario: s, Triggers: tc.triggers, Want: tc.want}
	}
	return out
}

// chainViolations runs every chain check on r.
func (s *scenarios) chainViolations(r *Repo) []Violation {
	var vs []Violation
	vs = append(vs, CheckDeployChain(r, s.names, s.deploy, s.declined)...)
	vs = append(vs, CheckPreviewChain(r, s.names, s.previews)...)
	vs = append(vs, CheckSyncChain(r, s.names, s.dispatch, s.envs)...)
	return append(vs, CheckPreviewGCChain(r, s.names, s.gc)...)
}
