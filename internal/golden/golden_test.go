package golden

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const importPath = "github.com/ecs-mlops/ecs-mlops/internal/golden"

// TestOnlyTestsImportGolden keeps the -update flag out of the mlops binary:
// no non-test Go file in the module may import this package.
func TestOnlyTestsImportGolden(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == importPath {
				offenders = append(offenders, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(offenders) > 0 {
		t.Errorf("production code imports %s: %v", importPath, offenders)
	}
}

// TestCheck passes on a matching file and fails, naming the file and the
// difference, on a mismatch or a missing file.
func TestCheck(t *testing.T) {
	if updating() {
		t.Skip("compares only; -update would rewrite this package's testdata")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "x.md"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := []struct {
		name, file, got string
		fail            bool
		msg             string
	}{
		{name: "match", file: "x.md", got: "hello\n"},
		{name: "mismatch", file: "x.md", got: "bye\n", fail: true, msg: "(-want +got)"},
		{name: "missing", file: "y.md", got: "hello\n", fail: true, msg: "run go test -update"},
	}
	for _, tt := range tests {
		rec := &recorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			Check(rec, tt.file, tt.got)
		}()
		if rec.failed != tt.fail {
			t.Errorf("%s: failed = %v, want %v (log %q)", tt.name, rec.failed, tt.fail, rec.log)
		}
		if !strings.Contains(rec.log, tt.msg) {
			t.Errorf("%s: log %q does not contain %q", tt.name, rec.log, tt.msg)
		}
	}
}

// recorder captures failures instead of failing the enclosing test.
type recorder struct {
	testing.TB
	failed bool
	log    string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.log += fmt.Sprintf(format, args...)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic("fatal")
}

func (r *recorder) Fatal(args ...any) {
	r.failed = true
	r.log += fmt.Sprint(args...)
	panic("fatal")
}

// TestUpdateFromEnvironment: GOLDEN_UPDATE=1 rewrites golden files without
// the -update flag, which `go test ./...` cannot pass to packages that have
// no golden tests.
func TestUpdateFromEnvironment(t *testing.T) {
	t.Setenv("GOLDEN_UPDATE", "1")
	t.Chdir(t.TempDir())
	rec := &recorder{TB: t}
	Check(rec, "sub/new.md", "fresh\n")
	if rec.failed {
		t.Fatalf("Check failed under GOLDEN_UPDATE=1: %s", rec.log)
	}
	got, err := os.ReadFile(filepath.Join("testdata", "sub", "new.md"))
	if err != nil || string(got) != "fresh\n" {
		t.Errorf("golden file after GOLDEN_UPDATE=1: %q, %v; want %q", got, err, "fresh\n")
	}
}
