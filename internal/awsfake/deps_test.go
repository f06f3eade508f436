package awsfake_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestImportsNoConsumer keeps the account independent of the code it
// stands in for: it may use leaf knowledge packages (the clock, IAM policy
// evaluation, CloudFormation knowledge) but no package that calls AWS, so a
// fake never borrows the behaviour it is meant to check.
func TestImportsNoConsumer(t *testing.T) {
	t.Parallel()
	const mod = "github.com/ecs-mlops/ecs-mlops/"
	// internal/fault and internal/suggest come with internal/cfn (its
	// bad-input problems and "did you mean"); they import nothing of ours.
	allowed := []string{"internal/awsfake", "internal/clock", "internal/iampolicy", "internal/cfn", "internal/fault", "internal/suggest"}
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, mod+"internal/clock") {
		t.Fatalf("go list -deps found no internal/clock in %v; the query is wrong", deps)
	}
	for _, p := range deps {
		if rel, ok := strings.CutPrefix(p, mod); ok && !slices.Contains(allowed, rel) {
			t.Errorf("internal/awsfake imports %s; a fake must not depend on a consumer: move what it needs into a leaf package", rel)
		}
	}
}
