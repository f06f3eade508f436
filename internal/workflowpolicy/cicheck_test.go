package workflowpolicy

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCIRunsCheck: ci.yml runs mlops check on every push and pull request,
// in a job that assumes no role (mlops check is offline) and whose token
// cannot write.
func TestCIRunsCheck(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := parseWorkflow(data)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, name := range sortedJobs(w.Jobs) {
		j := w.Jobs[name]
		if !j.commands()["check"] {
			continue
		}
		found = append(found, name)
		if grants(j.Permissions, "id-token") || grants(w.Permissions, "id-token") {
			t.Errorf("jobs.%s runs mlops check with id-token: write; the check is offline and needs no role", name)
		}
	}
	if len(found) == 0 {
		t.Error("no job of .github/workflows/ci.yml runs mlops check (uses: ./ with command: check)")
	}
}
