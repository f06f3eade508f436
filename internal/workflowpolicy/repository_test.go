package workflowpolicy

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

const root = "../.."

func repoFiles(t *testing.T, patterns ...string) []string {
	t.Helper()
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

// TestRepositoryWorkflows holds every workflow of the repository, whoever
// wrote it, to the rules.
func TestRepositoryWorkflows(t *testing.T) {
	t.Parallel()
	files := repoFiles(t, ".github/workflows/*.yml", ".github/workflows/*.yaml")
	names := map[string]bool{}
	for _, f := range files {
		names[filepath.Base(f)] = true
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range CheckWorkflow(rel(f), data) {
			t.Error(v)
		}
	}
	for _, want := range []string{"ci.yml", "deploy.yml", "preview.yml", "preview-gc.yml", "sync-weights.yml"} {
		if !names[want] {
			t.Errorf(".github/workflows/%s is missing", want)
		}
	}
}

func TestRepositoryActions(t *testing.T) {
	t.Parallel()
	files := repoFiles(t, "action.yml", "actions/*/action.yml")
	if len(files) < 2 {
		t.Fatalf("found %d action files, want the root action and actions/*", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range CheckAction(rel(f), data) {
			t.Error(v)
		}
	}
}

// TestActionlint runs actionlint over every workflow; through them it also
// checks the inputs of every local action they use.
func TestActionlint(t *testing.T) {
	t.Parallel()
	files := repoFiles(t, ".github/workflows/*.yml", ".github/workflows/*.yaml")
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := actionlint.NewProject(abs)
	if err != nil {
		t.Fatal(err)
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files, proj)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", rel(e.Filepath), e.Line, e.Column, e.Message, e.Kind)
	}
}

func rel(path string) string {
	return strings.TrimPrefix(filepath.ToSlash(path), root+"/")
}
