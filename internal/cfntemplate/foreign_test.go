package cfntemplate

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// recorder is a testing.TB that keeps what a helper reports, so a test can
// assert that the helper fails with a message instead of panicking.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestECRPullsOnForeignTemplates: fed the CodePipeline original's
// create-ep-a.yaml, whose roles are shaped otherwise, ecrPulls reports the
// file and the key instead of panicking.
func TestECRPullsOnForeignTemplates(t *testing.T) {
	t.Parallel()
	file := filepath.Join("..", "check", "testdata", "codepipeline", "cf_templates", "create-ep-a.yaml")
	tmpl, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	d := deployed{env: &config.Environment{Template: file}, tmpl: tmpl, stack: "ecs-mlops-ep-a"}
	for _, role := range []string{"NoSuchRole", "TaskDefinition"} {
		r := &recorder{TB: t}
		if pulls := ecrPulls(r, d, role, nil); len(pulls) != 0 {
			t.Errorf("%s: pulls %v from a resource that is not a role", role, pulls)
		}
		want := file + ": Resources." + role + ".Properties.Policies"
		if len(r.errs) == 0 || !strings.Contains(r.errs[0], want) {
			t.Errorf("%s: reported %q, want a failure naming %q", role, r.errs, want)
		}
	}
}
