package preview_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

const pushedSHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"

// pushedBy makes the payload a push of pushedSHA by login.
func pushedBy(login string) func(map[string]any) {
	return func(p map[string]any) {
		p["sender"].(map[string]any)["login"] = login
		p["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = pushedSHA
	}
}

// TestGateRecheck: a push (synchronize) or reopen of a labelled pull
// request deploys only when its sender has write access and the head is
// not a fork; otherwise the label is removed, the sticky comment says who
// and what, and nothing is deployed.
func TestGateRecheck(t *testing.T) {
	t.Parallel()
	removeLabel := call{Method: "DELETE", Path: "/repos/octo/models/issues/2/labels/bug"}
	tests := []struct {
		name        string
		file        string
		edits       []func(map[string]any)
		permission  string // mallory's; "" → not a collaborator (404)
		labels      []string
		fault       *ghfake.Fault
		wantGo      bool
		wantReason  string
		wantGolden  string // the sticky comment; "" → none
		wantLabels  []string
		wantRemoval bool
	}{
		{name: "push by a writer", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "write",
			wantGo: true, wantReason: `pull request #2 was synchronized and carries the label "bug"`, wantLabels: []string{"bug"}},
		{name: "push by a maintainer", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "maintain",
			wantGo: true, wantReason: `pull request #2 was synchronized and carries the label "bug"`, wantLabels: []string{"bug"}},
		{name: "reopened by an admin", file: "pull_request.reopened.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "admin",
			wantGo: true, wantReason: `pull request #2 was reopened and carries the label "bug"`, wantLabels: []string{"bug"}},
		{name: "push by a triager", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "triage", labels: []string{"bug", "docs"},
			wantReason: `commit 0d1a26e67d8f was pushed to pull request #2 by mallory, whose permission on the repository is "triage"; a preview deploys only code that a user with write access approved; ` +
				`the preview was not updated and the label "bug" was removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-push.md", wantLabels: []string{"docs"}, wantRemoval: true},
		{name: "push by a non-collaborator", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")},
			wantReason: `commit 0d1a26e67d8f was pushed to pull request #2 by mallory, whose permission on the repository is "none"; a preview deploys only code that a user with write access approved; ` +
				`the preview was not updated and the label "bug" was removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-push-none.md", wantLabels: []string{}, wantRemoval: true},
		{name: "reopened by a reader", file: "pull_request.reopened.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "read",
			wantReason: `pull request #2 was reopened by mallory, whose permission on the repository is "read"; a preview deploys only code that a user with write access approved; ` +
				`the preview was not updated and the label "bug" was removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-reopen.md", wantLabels: []string{}, wantRemoval: true},
		{name: "push to a fork", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory"), asFork}, permission: "write",
			wantReason: `pull request #2 comes from the fork forker/Hello-World; previews deploy only from branches of Codertocat/Hello-World, because a fork's workflow gets no OIDC token or secrets; ` +
				`the preview was not updated and the label "bug" was removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-fork.md", wantLabels: []string{}, wantRemoval: true},
		{name: "label already gone", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "read", labels: []string{"docs"},
			wantReason: `commit 0d1a26e67d8f was pushed to pull request #2 by mallory, whose permission on the repository is "read"; a preview deploys only code that a user with write access approved; ` +
				`the preview was not updated and the label "bug" was removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-push-read.md", wantLabels: []string{"docs"}, wantRemoval: true},
		{name: "token may not remove the label", file: "pull_request.synchronize.json", edits: []func(map[string]any){pushedBy("mallory")}, permission: "read",
			fault: &ghfake.Fault{Method: "DELETE", Status: 403, Body: `{"message":"Resource not accessible by integration","status":"403"}`},
			wantReason: `commit 0d1a26e67d8f was pushed to pull request #2 by mallory, whose permission on the repository is "read"; a preview deploys only code that a user with write access approved; ` +
				`the preview was not updated and the label "bug" could not be removed; a user with write access must add the label "bug" again to deploy ` + pushedSHA,
			wantGolden: "recheck-push-kept.md", wantLabels: []string{"bug"}, wantRemoval: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			if tt.permission != "" {
				r.setPermission("mallory", tt.permission)
			}
			r.setPermission("Codertocat", "admin") // who opened the pull request does not count
			labels := tt.labels
			if labels == nil {
				labels = []string{"bug"}
			}
			r.gh.SetLabels("octo/models", 2, labels...)
			if tt.fault != nil {
				r.gh.Fail(*tt.fault)
			}
			path := edited(t, fixtures.GitHubEventPath(t, tt.file), tt.edits...)
			trig, err := preview.ReadTrigger("pull_request", path, rules)
			if err != nil {
				t.Fatal(err)
			}
			ok, reason, err := r.life.Gate(context.Background(), trig, event.ActionPreviewUp)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantGo || reason != tt.wantReason {
				t.Errorf("Gate = (%v, %q)\nwant (%v, %q)", ok, reason, tt.wantGo, tt.wantReason)
			}
			var wantWrites []call
			if tt.wantRemoval {
				wantWrites = []call{removeLabel}
			}
			if diff := cmp.Diff(wantWrites, r.writes()); diff != "" {
				t.Errorf("GitHub writes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLabels, r.gh.Labels("octo/models", 2), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			comments := r.commenter.Updates()
			switch {
			case tt.wantGolden == "" && len(comments) != 0:
				t.Errorf("comments = %q, want none", comments)
			case tt.wantGolden != "" && len(comments) != 1:
				t.Errorf("comments = %q, want one", comments)
			case tt.wantGolden != "":
				golden.Check(t, tt.wantGolden, comments[0])
				if !strings.Contains(comments[0], pushedSHA) {
					t.Errorf("comment does not name the head commit %s", pushedSHA)
				}
			}
			if len(r.deployer.Requests) != 0 || len(r.cfn.Calls()) != 0 {
				t.Errorf("deployed or called CloudFormation: %v", r.cfn.Calls())
			}
		})
	}
}
