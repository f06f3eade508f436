package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
)

// A push to a labelled pull request by a user without write access is not
// deployed: preview up removes the label, says why on the sticky comment
// and ends green, before any AWS client exists.
func TestPreviewUpRecheck(t *testing.T) {
	t.Parallel()
	j := newPreviewJob(t, previewConfig(t, ""), "pull_request", "pull_request.synchronize.json")
	j.env["GITHUB_EVENT_PATH"] = pushedByCopy(t, fixtures.GitHubEventPath(t, "pull_request.synchronize.json"), "mallory")
	j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "admin")
	j.gh.SetPermission("Codertocat/Hello-World", "mallory", "read")
	j.gh.SetLabels("Codertocat/Hello-World", 2, "bug")
	if code := j.run(t, "preview", "up"); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if got := j.stdout.String(); !strings.HasPrefix(got, `nothing to do: commit ec26c3e57ca3 was pushed to pull request #2 by mallory, whose permission on the repository is "read"`) {
		t.Errorf("stdout = %q", got)
	}
	if got := j.gh.Labels("Codertocat/Hello-World", 2); len(got) != 0 {
		t.Errorf("labels = %q, want the preview label removed", got)
	}
	if c := j.comments(); len(c) != 1 || !strings.Contains(c[0], "### ⛔ Preview not updated") {
		t.Errorf("comments = %q, want the not-updated notice", c)
	}
	var writes []string
	for _, r := range j.gh.Requests() {
		if r.Method != "GET" {
			writes = append(writes, r.Method+" "+r.Path)
		}
	}
	want := []string{"DELETE /repos/Codertocat/Hello-World/issues/2/labels/bug", "POST /repos/Codertocat/Hello-World/issues/2/comments"}
	if diff := cmp.Diff(want, writes); diff != "" {
		t.Errorf("GitHub writes (-want +got):\n%s", diff)
	}
	if len(j.purposes) != 0 || len(j.cfn.Calls()) != 0 {
		t.Errorf("AWS clients built for %v; CloudFormation calls %v", j.purposes, j.cfn.Calls())
	}
	if out := j.file(t, "GITHUB_OUTPUT"); !strings.Contains(out, "skipped") {
		t.Errorf("step outputs lack status skipped:\n%s", out)
	}
}

// pushedByCopy writes a copy of the payload at path whose sender is login.
func pushedByCopy(t *testing.T, path, login string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	var p map[string]any
	must(t, json.Unmarshal(data, &p))
	p["sender"].(map[string]any)["login"] = login
	out, err := json.Marshal(p)
	must(t, err)
	name := filepath.Join(t.TempDir(), "event.json")
	must(t, os.WriteFile(name, out, 0o600))
	return name
}
