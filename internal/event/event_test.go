package event

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
)

// repoRules are the rules this repository's own .github/mlops.yml yields.
var repoRules = Rules{
	DeployEnv:    "ep-a",
	PreviewEnv:   "ep-b",
	PreviewLabel: "deploy-preview",
	WeightsEnv:   "ep-a",
	Environments: []string{"ep-a", "ep-b"},
}

const (
	fixtureSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	pushSHA    = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
)

// fixture reads a payload of internal/fixtures (real webhook deliveries and
// copies adapted to the suite) and applies edit to a decoded copy of it.
func fixture(t *testing.T, name string, edit func(m map[string]any)) []byte {
	t.Helper()
	data, err := fixtures.GitHubEvent(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return data
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pr(m map[string]any) map[string]any { return m["pull_request"].(map[string]any) }

func setLabels(names ...string) func(map[string]any) {
	return func(m map[string]any) {
		ls := []any{}
		for _, n := range names {
			ls = append(ls, map[string]any{"name": n})
		}
		pr(m)["labels"] = ls
	}
}

func setEventLabel(name string) func(map[string]any) {
	return func(m map[string]any) { m["label"].(map[string]any)["name"] = name }
}

func setState(state string) func(map[string]any) {
	return func(m map[string]any) { pr(m)["state"] = state }
}

func all(edits ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, e := range edits {
			e(m)
		}
	}
}

func TestDecideFixtures(t *testing.T) {
	t.Parallel()
	prNone := func(reason string) Decision {
		return Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: reason}
	}
	tests := []struct {
		file string
		name string
		edit func(map[string]any)
		want Decision
	}{
		// Every payload as delivered.
		{file: "pull_request.closed.json", name: "pull_request",
			want: Decision{Action: ActionPreviewDown, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: "pull request #2 was closed; its preview, if any, is removed"}},
		{file: "pull_request.labeled.json", name: "pull_request",
			want: prNone(`label "bug" on pull request #2 is not the preview label "deploy-preview"`)},
		{file: "pull_request.opened.json", name: "pull_request",
			want: prNone(`pull request #2 was opened but does not carry the label "deploy-preview"`)},
		{file: "pull_request.reopened.json", name: "pull_request",
			want: prNone(`pull request #2 was reopened but does not carry the label "deploy-preview"`)},
		{file: "pull_request.synchronize.json", name: "pull_request",
			want: prNone(`pull request #2 was synchronized but does not carry the label "deploy-preview"`)},
		{file: "pull_request.unlabeled.json", name: "pull_request",
			want: prNone(`label "bug" on pull request #2 is not the preview label "deploy-preview"`)},
		{file: "push.0.json", name: "push",
			want: Decision{Action: ActionNone, SHA: pushSHA, Ref: "refs/tags/simple-tag", Reason: "push to refs/tags/simple-tag, not the default branch refs/heads/master; nothing to deploy"}},
		{file: "push.1.json", name: "push",
			want: Decision{Action: ActionNone, SHA: "0000000000000000000000000000000000000000", Ref: "refs/tags/simple-tag", Reason: "push deleted refs/tags/simple-tag; nothing to deploy"}},
		{file: "workflow_dispatch.0.json", name: "workflow_dispatch",
			want: Decision{Action: ActionSyncWeights, Environment: "ep-a", Ref: "refs/heads/main", Inputs: map[string]string{}, Reason: "manual run syncs model weights to ep-a"}},
		// The copies adapted to the suite.
		{file: "pull_request.labeled.deploy-preview.json", name: "pull_request",
			want: Decision{Action: ActionPreviewUp, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `label "deploy-preview" was added to pull request #2`}},
		{file: "pull_request.labeled.fork.json", name: "pull_request",
			want: Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: "pull request #2 comes from the fork mallory/Hello-World; previews deploy only from branches of Codertocat/Hello-World, because a fork's workflow gets no OIDC token or secrets"}},
		{file: "pull_request.synchronize.deploy-preview.json", name: "pull_request",
			want: Decision{Action: ActionPreviewUp, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `pull request #2 was synchronized and carries the label "deploy-preview"`}},
		{file: "pull_request.unlabeled.deploy-preview.json", name: "pull_request",
			want: Decision{Action: ActionPreviewDown, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `label "deploy-preview" was removed from pull request #2; its preview is removed`}},
		{file: "push.master.json", name: "push",
			want: Decision{Action: ActionDeploy, Environment: "ep-a", SHA: pushSHA, Ref: "refs/heads/master", Reason: "push to the default branch refs/heads/master deploys ep-a"}},
		{file: "workflow_dispatch.inputs.json", name: "workflow_dispatch",
			want: Decision{Action: ActionSyncWeights, Environment: "ep-a", Ref: "refs/heads/main", Inputs: map[string]string{"environment": "ep-a", "prefix": "v2/"}, Reason: "manual run syncs model weights to ep-a"}},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		covered[tc.file] = true
	}
	for _, name := range fixtures.GitHubEventNames() {
		if !covered[name] {
			t.Errorf("fixture %s has no expected decision; add it to the table", name)
		}
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			checkDecision(t, tc.name, fixture(t, tc.file, tc.edit), repoRules, tc.want)
		})
	}
}

func TestDecidePreviewLabel(t *testing.T) {
	t.Parallel()
	up := func(reason string) Decision {
		return Decision{Action: ActionPreviewUp, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: reason}
	}
	down := func(reason string) Decision {
		return Decision{Action: ActionPreviewDown, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: reason}
	}
	tests := []struct {
		desc string
		file string
		edit func(map[string]any)
		want Decision
	}{
		{"labeled with the preview label", "pull_request.labeled.json",
			all(setEventLabel("deploy-preview"), setLabels("bug", "deploy-preview")),
			up(`label "deploy-preview" was added to pull request #2`)},
		{"unlabeled the preview label", "pull_request.unlabeled.json",
			all(setEventLabel("deploy-preview"), setLabels("bug")),
			down(`label "deploy-preview" was removed from pull request #2; its preview is removed`)},
		{"synchronize while labelled", "pull_request.synchronize.json", setLabels("bug", "deploy-preview"),
			up(`pull request #2 was synchronized and carries the label "deploy-preview"`)},
		{"reopened while labelled", "pull_request.reopened.json", setLabels("deploy-preview"),
			up(`pull request #2 was reopened and carries the label "deploy-preview"`)},
		{"closed while labelled", "pull_request.closed.json", setLabels("deploy-preview"),
			down("pull request #2 was closed; its preview, if any, is removed")},
		{"labeled after the pull request closed", "pull_request.labeled.json",
			all(setEventLabel("deploy-preview"), setLabels("deploy-preview"), setState("closed")),
			Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: "pull request #2 is closed; a closed pull request gets no preview (reopen it to deploy one)"}},
		{"synchronize of a closed pull request", "pull_request.synchronize.json",
			all(setLabels("deploy-preview"), setState("closed")),
			Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: "pull request #2 is closed; a closed pull request gets no preview (reopen it to deploy one)"}},
		{"unlabeled after the pull request closed still tears down", "pull_request.unlabeled.json",
			all(setEventLabel("deploy-preview"), setLabels(), setState("closed")),
			down(`label "deploy-preview" was removed from pull request #2; its preview is removed`)},
		{"opened while labelled waits for its labeled event", "pull_request.opened.json", setLabels("deploy-preview"),
			Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `pull request action "opened" does not change a preview`}},
		{"label names are case sensitive", "pull_request.labeled.json",
			all(setEventLabel("Deploy-Preview"), setLabels("Deploy-Preview")),
			Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `label "Deploy-Preview" on pull request #2 is not the preview label "deploy-preview"`}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			checkDecision(t, "pull_request", fixture(t, tc.file, tc.edit), repoRules, tc.want)
		})
	}
}

func TestDecideForks(t *testing.T) {
	t.Parallel()
	fork := func(m map[string]any) {
		pr(m)["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
	}
	deleted := func(m map[string]any) { pr(m)["head"].(map[string]any)["repo"] = nil }
	labelled := all(setEventLabel("deploy-preview"), setLabels("deploy-preview"))
	none := func(reason string) Decision {
		return Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: reason}
	}
	forkReason := "pull request #2 comes from the fork mallory/Hello-World; previews deploy only from branches of Codertocat/Hello-World, because a fork's workflow gets no OIDC token or secrets"
	tests := []struct {
		desc string
		file string
		edit func(map[string]any)
		want Decision
	}{
		{"fork labelled", "pull_request.labeled.json", all(labelled, fork), none(forkReason)},
		{"fork synchronize while labelled", "pull_request.synchronize.json", all(setLabels("deploy-preview"), fork), none(forkReason)},
		{"fork closed", "pull_request.closed.json", all(setLabels("deploy-preview"), fork), none(forkReason)},
		{"head repository deleted", "pull_request.labeled.json", all(labelled, deleted),
			none("pull request #2 comes from a repository that was deleted; previews deploy only from branches of Codertocat/Hello-World")},
		{"same repository in other case is not a fork", "pull_request.labeled.json",
			all(labelled, func(m map[string]any) {
				pr(m)["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "codertocat/hello-world"
			}),
			Decision{Action: ActionPreviewUp, Environment: "ep-b", PR: 2, SHA: fixtureSHA, Ref: "changes", Reason: `label "deploy-preview" was added to pull request #2`}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			checkDecision(t, "pull_request", fixture(t, tc.file, tc.edit), repoRules, tc.want)
		})
	}
}

func TestDecidePushAndDispatch(t *testing.T) {
	t.Parallel()
	ref := func(r string) func(map[string]any) {
		return func(m map[string]any) { m["ref"] = r }
	}
	noWeights := repoRules
	noWeights.WeightsEnv = ""
	noDeploy := repoRules
	noDeploy.DeployEnv = ""
	tests := []struct {
		desc  string
		name  string
		file  string
		edit  func(map[string]any)
		rules Rules
		want  Decision
	}{
		{"push to the default branch", "push", "push.0.json", ref("refs/heads/master"), repoRules,
			Decision{Action: ActionDeploy, Environment: "ep-a", SHA: pushSHA, Ref: "refs/heads/master", Reason: "push to the default branch refs/heads/master deploys ep-a"}},
		{"push to another branch", "push", "push.0.json", ref("refs/heads/feature/x"), repoRules,
			Decision{Action: ActionNone, SHA: pushSHA, Ref: "refs/heads/feature/x", Reason: "push to refs/heads/feature/x, not the default branch refs/heads/master; nothing to deploy"}},
		{"push when the payload names no default branch", "push", "push.0.json",
			all(ref("refs/heads/"), func(m map[string]any) { m["repository"].(map[string]any)["default_branch"] = "" }), repoRules,
			Decision{Action: ActionNone, SHA: pushSHA, Ref: "refs/heads/", Reason: "push to refs/heads/, but the payload names no default branch; nothing to deploy"}},
		{"push to default branch without a deploy environment", "push", "push.0.json", ref("refs/heads/master"), noDeploy,
			Decision{Action: ActionNone, SHA: pushSHA, Ref: "refs/heads/master", Reason: "no environment outside previews is configured; nothing to deploy"}},
		{"dispatch with inputs", "workflow_dispatch", "workflow_dispatch.0.json",
			func(m map[string]any) {
				m["inputs"] = map[string]any{"environment": "ep-b", "prefix": "v2/", "force": true, "workers": 8, "note": nil}
			}, repoRules,
			Decision{Action: ActionSyncWeights, Environment: "ep-b", Ref: "refs/heads/main", Reason: "manual run syncs model weights to ep-b",
				Inputs: map[string]string{"environment": "ep-b", "prefix": "v2/", "force": "true", "workers": "8", "note": ""}}},
		{"dispatch without weights config", "workflow_dispatch", "workflow_dispatch.0.json", nil, noWeights,
			Decision{Action: ActionNone, Ref: "refs/heads/main", Inputs: map[string]string{}, Reason: "manual run, but the config has no weights section; nothing to sync"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			checkDecision(t, tc.name, fixture(t, tc.file, tc.edit), tc.rules, tc.want)
		})
	}
}

func TestDecidePreviewsOff(t *testing.T) {
	t.Parallel()
	off := repoRules
	off.PreviewEnv, off.PreviewLabel = "", ""
	data := fixture(t, "pull_request.closed.json", nil)
	checkDecision(t, "pull_request", data, off, Decision{Action: ActionNone, PR: 2, SHA: fixtureSHA, Ref: "changes",
		Reason: "no environment has a preview section in the config; previews are off"})
}

func checkDecision(t *testing.T, name string, data []byte, r Rules, want Decision) {
	t.Helper()
	p, err := Parse("event.json", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got, err := Decide(name, p, r)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decide(%s) (-want +got):\n%s", name, diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc string
		data string
		want string
	}{
		{"empty", "  \n", "event file ev.json: is empty; it must hold the JSON webhook payload"},
		{"array", `[{"repository":{}}]`, "event file ev.json: not a GitHub webhook payload (want a JSON object)"},
		{"broken JSON", `{"ref": "refs/heads/master",`, "event file ev.json: not a JSON webhook payload: unexpected end of JSON input"},
		{"no repository", `{"ref": "refs/heads/master"}`, `event file ev.json: not a GitHub webhook payload (no "repository" object)`},
		{"wrong type", `{"repository": {"full_name": "a/b"}, "number": "two"}`, "event file ev.json: not a JSON webhook payload: json: cannot unmarshal string into Go struct field Payload.number of type int"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("ev.json", []byte(tc.data))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc string
		name string
		file string
		edit func(map[string]any)
		want string
	}{
		{"unknown event", "issues", "push.0.json", nil, `event "issues" is not routed; mlops routes push, pull_request, workflow_dispatch`},
		{"pull_request name on a push payload", "pull_request", "push.0.json", nil, `pull_request payload has no "pull_request" object; is --event-name right?`},
		{"push name on a pull_request payload", "push", "pull_request.opened.json", nil, `push payload has no "ref"; is --event-name right?`},
		{"dispatch name on a pull_request payload", "workflow_dispatch", "pull_request.opened.json", nil, `workflow_dispatch payload has no "ref"; is --event-name right?`},
		{"dispatch to an unknown environment", "workflow_dispatch", "workflow_dispatch.0.json",
			func(m map[string]any) { m["inputs"] = map[string]any{"environment": "prod"} },
			`workflow_dispatch input environment "prod" is not configured; use one of: ep-a, ep-b`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			p, err := Parse("ev.json", fixture(t, tc.file, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decide(tc.name, p, repoRules)
			if err == nil {
				t.Fatal("Decide succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.json")
	_, err := ReadFile(missing)
	want := "event file " + missing + ": not found; pass --event-path or run inside GitHub Actions (GITHUB_EVENT_PATH)"
	if err == nil || err.Error() != want {
		t.Errorf("ReadFile(missing) = %v, want %q", err, want)
	}
	dir := t.TempDir()
	_, err = ReadFile(dir)
	if err == nil || !strings.HasPrefix(err.Error(), "event file "+dir+": cannot read it: ") {
		t.Errorf("ReadFile(directory) = %v, want a read error naming the file", err)
	}
	p, err := ReadFile(fixtures.GitHubEventPath(t, "push.0.json"))
	if err != nil || p.Repository.FullName != "Codertocat/Hello-World" {
		t.Errorf("ReadFile(push.0.json) = %+v, %v", p, err)
	}
}
