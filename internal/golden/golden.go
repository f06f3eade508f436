// Package golden compares rendered text with files under a package's
// testdata directory and rewrites them when tests run with -update, or with
// GOLDEN_UPDATE=1 in the environment: `GOLDEN_UPDATE=1 go test ./...`
// rewrites every golden file of the module, where `go test ./... -update`
// stops at the first package without golden files ("flag provided but not
// defined").
//
// It is for tests only: production code must not import it (golden_test.go
// checks this), because importing it registers the -update flag.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the one -update flag every golden test in the module shares.
var update = flag.Bool("update", false, "rewrite golden files under testdata/ (or set GOLDEN_UPDATE=1)")

// updating reports whether golden files are to be rewritten.
func updating() bool { return *update || os.Getenv("GOLDEN_UPDATE") == "1" }

// Check compares got with testdata/name (relative to the package under
// test), reporting any difference as "(-want +got)". Under -update it
// instead writes got to that file, creating its directory.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		// No read-back: parallel subtests may share one golden file, and
		// reading it while another writes it would see a torn file.
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file %s (run go test -update, or GOLDEN_UPDATE=1 go test ./..., to create it): %v", path, err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
