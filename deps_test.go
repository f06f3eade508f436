package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// forbidden says why the product binary must not link the package at path
// (a fake, a test helper, the demo or its fixtures), or "" when it may.
func forbidden(path string) string {
	last := path[strings.LastIndex(path, "/")+1:]
	first, _, _ := strings.Cut(path, "/")
	switch {
	case path == "testing" || strings.HasPrefix(path, "testing/") || path == "net/http/httptest":
		return "the test framework"
	case !strings.Contains(first, "."):
		return "" // the rest of the standard library (internal/synctest is the runtime's)
	case strings.HasSuffix(last, "test"):
		return "a test helper or fake (package name ends in test)"
	case strings.HasSuffix(last, "fake") || strings.Contains(path, "fakes3"):
		return "a fake"
	case strings.HasSuffix(path, "/internal/demo") || strings.HasSuffix(path, "/internal/fixtures"):
		return "the demo and its recorded payloads (cmd/demo links them)"
	}
	return ""
}

func TestForbidden(t *testing.T) {
	t.Parallel()
	const m = "github.com/ecs-mlops/ecs-mlops/"
	var got []string
	for _, p := range []string{
		"testing", "net/http/httptest", "github.com/johannesboyne/gofakes3", m + "internal/awsfake", m + "internal/ghfake",
		m + "internal/image/imagetest", m + "internal/demo", m + "internal/fixtures",
		m + "internal/stack", m + "internal/cli", "net/http", "internal/synctest", "github.com/aws/aws-sdk-go-v2/service/ecs", m + "internal/rollout",
	} {
		if forbidden(p) != "" {
			got = append(got, p)
		}
	}
	want := []string{"testing", "net/http/httptest", "github.com/johannesboyne/gofakes3", m + "internal/awsfake", m + "internal/ghfake",
		m + "internal/image/imagetest", m + "internal/demo", m + "internal/fixtures"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("forbidden packages (-want +got):\n%s", diff)
	}
}

// TestBinaryLinksNoFakes: the mlops binary is the product; the stand-ins
// for AWS and GitHub, test helpers and the demo belong to cmd/demo and the
// tests. A product package that imports one drags it, and its weight,
// into every job that runs mlops.
func TestBinaryLinksNoFakes(t *testing.T) {
	t.Parallel()
	deps := listDeps(t, ".")
	for _, p := range deps {
		if why := forbidden(p); why != "" {
			t.Errorf("mlops links %s, %s; move the import that brings it into a _test.go file or cmd/demo", p, why)
		}
	}
	// The rule sees what cmd/demo links, so it would see a leak here.
	if !slices.ContainsFunc(listDeps(t, "./cmd/demo"), func(p string) bool { return forbidden(p) != "" }) {
		t.Error("cmd/demo links no fake; the check cannot tell a leak")
	}
}

func listDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestBinaryKeepsDeadCodeOut: once any reachable code can call a method by
// a name known only at run time (reflect.Value.MethodByName, as
// text/template's field evaluation does), the linker keeps every exported
// method of every type, and mlops grew from 42 MB to 110 MB. The symbol is
// in the binary only when such a call is reachable; initrepo renders with
// its own template language for that reason.
func TestBinaryKeepsDeadCodeOut(t *testing.T) {
	t.Parallel()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	bin := filepath.Join(t.TempDir(), "mlops")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(goBin, "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if !strings.Contains(string(out), " main.main\n") {
		t.Fatalf("go tool nm lists no main.main; the check reads the wrong output")
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(line, ").MethodByName") && strings.Contains(line, "reflect.(*Value)") {
			t.Errorf("mlops links %s: a call of a method by name is reachable, so dead code is no longer removed; find it with go build -ldflags=-dumpdep . 2>&1 | grep ReflectMethod", strings.TrimSpace(line))
		}
	}
}
