package preview_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

// The fixtures label their pull request "bug", so that is the preview label here.
var rules = event.Rules{DeployEnv: "ep-a", PreviewEnv: "ep-b", PreviewLabel: "bug", WeightsEnv: "ep-a"}

func TestGate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		event      string
		file       string
		fork       bool
		permission string // sender's permission; "" → not a collaborator (404)
		want       string
		wantGo     bool
		wantReason string
	}{
		{name: "label added by a writer", event: "pull_request", file: "pull_request.labeled.json", permission: "write", want: event.ActionPreviewUp, wantGo: true,
			wantReason: `label "bug" was added to pull request #2`},
		{name: "label added by an admin", event: "pull_request", file: "pull_request.labeled.json", permission: "admin", want: event.ActionPreviewUp, wantGo: true,
			wantReason: `label "bug" was added to pull request #2`},
		{name: "label added by a triager", event: "pull_request", file: "pull_request.labeled.json", permission: "read", want: event.ActionPreviewUp,
			wantReason: `the label was added by Codertocat, whose permission is "read"; a preview starts only when a user with write access adds the label`},
		{name: "label added by a non-collaborator", event: "pull_request", file: "pull_request.labeled.json", want: event.ActionPreviewUp,
			wantReason: `the label was added by Codertocat, whose permission is "none"; a preview starts only when a user with write access adds the label`},
		{name: "push to a labelled PR by a writer", event: "pull_request", file: "pull_request.synchronize.json", permission: "write", want: event.ActionPreviewUp, wantGo: true,
			wantReason: `pull request #2 was synchronized and carries the label "bug"`},
		{name: "opened without the label", event: "pull_request", file: "pull_request.opened.json", want: event.ActionPreviewUp,
			wantReason: `pull request #2 was opened but does not carry the label "bug"`},
		{name: "up asked on an unlabel", event: "pull_request", file: "pull_request.unlabeled.json", want: event.ActionPreviewUp,
			wantReason: `label "bug" was removed from pull request #2; its preview is removed`},
		{name: "label removed", event: "pull_request", file: "pull_request.unlabeled.json", want: event.ActionPreviewDown, wantGo: true,
			wantReason: `label "bug" was removed from pull request #2; its preview is removed`},
		{name: "closed", event: "pull_request", file: "pull_request.closed.json", want: event.ActionPreviewDown, wantGo: true,
			wantReason: "pull request #2 was closed; its preview, if any, is removed"},
		{name: "push event", event: "push", file: "push.0.json", want: event.ActionPreviewUp,
			wantReason: `event "push" is not a pull_request event; previews only follow pull requests`},
		{name: "fork labelled", event: "pull_request", file: "pull_request.labeled.json", fork: true, permission: "write", want: event.ActionPreviewUp,
			wantReason: "pull request #2 comes from the fork forker/Hello-World; previews deploy only from branches of Codertocat/Hello-World, because a fork's workflow gets no OIDC token or secrets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			if tt.permission != "" {
				r.setPermission("Codertocat", tt.permission)
			}
			path := fixtures.GitHubEventPath(t, tt.file)
			if tt.fork {
				path = forkOf(t, path)
			}
			trig, err := preview.ReadTrigger(tt.event, path, rules)
			if err != nil {
				t.Fatal(err)
			}
			ok, reason, err := r.life.Gate(context.Background(), trig, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantGo || reason != tt.wantReason {
				t.Errorf("Gate = (%v, %q), want (%v, %q)", ok, reason, tt.wantGo, tt.wantReason)
			}
			comments := r.commenter.Updates()
			switch {
			case tt.fork && len(comments) == 1:
				golden.Check(t, "fork-notice.md", comments[0])
			case len(comments) != 0 || tt.fork:
				t.Errorf("comments = %q, want the fork notice for a fork only", comments)
			}
			if len(r.writes()) != 0 || len(r.deployer.Requests) != 0 {
				t.Error("Gate wrote to GitHub or deployed")
			}
		})
	}
}

// forkOf writes a copy of the payload at path whose head branch lives in a fork.
func forkOf(t *testing.T, path string) string {
	t.Helper()
	return edited(t, path, asFork)
}

func asFork(p map[string]any) {
	head := p["pull_request"].(map[string]any)["head"].(map[string]any)
	head["repo"].(map[string]any)["full_name"] = "forker/Hello-World"
}

// edited writes a copy of the payload at path with edits applied to it.
func edited(t *testing.T, path string, edits ...func(p map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		e(p)
	}
	out, _ := json.Marshal(p)
	name := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(name, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestReadTriggerBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(notJSON, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"missing file", filepath.Join(dir, "nope.json"), "event file " + filepath.Join(dir, "nope.json") + ": open " + filepath.Join(dir, "nope.json") + ": no such file or directory; pass --event-path or --pr"},
		{"not JSON", notJSON, "event file " + notJSON + ": not a JSON webhook payload: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		_, err := preview.ReadTrigger("pull_request", tt.path, rules)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: ReadTrigger error = %v, want %q", tt.name, err, tt.want)
		}
	}
}
