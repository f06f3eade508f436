package cli

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	cftemplates "github.com/ecs-mlops/ecs-mlops/cf_templates"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/workflowpolicy"
)

const initSuite = "0123456789abcdef0123456789abcdef01234567"

// originalRepo is a temporary copy of an original-style repository: the
// CodePipeline original's templates (internal/check/testdata), its
// parameter files in the AWS CLI form, its buildspec and the bastion's
// crontab (internal/initrepo/testdata/original).
func originalRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "initrepo", "testdata", "original"), dir)
	for _, f := range []string{"create-ep-a.yaml", "add-ep-b.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "check", "testdata", "codepipeline", "cf_templates", f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "cf_templates", f), data, 0o644))
	}
	return dir
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	must(t, filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}

// tree renders every file under dir, path and content, for a golden file.
func tree(t *testing.T, dir string) string {
	t.Helper()
	return changed(t, dir, nil)
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	}))
	return files
}

// changed renders the files under dir that are not in before as they are.
func changed(t *testing.T, dir string, before map[string]string) string {
	t.Helper()
	var paths []string
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			paths = append(paths, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(dir, p))
		must(t, err)
		if old, ok := before[p]; ok && old == string(data) {
			continue
		}
		b.WriteString("==> " + p + " <==\n")
		// The suite's own templates are not repeated here: they change
		// with the suite, and their tests are in cf_templates.
		if suite, err := cftemplates.Endpoint(path.Base(p)); err == nil && string(suite) == string(data) {
			b.WriteString("(the suite's " + path.Base(p) + ", unchanged)\n")
			continue
		}
		b.Write(data)
	}
	return b.String()
}

// TestInit runs mlops init end to end on an empty repository and on
// original-style ones; the report and every file written are golden.
func TestInit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		repo func(t *testing.T) string
		args []string
	}{
		{"empty", func(t *testing.T) string { return t.TempDir() }, nil},
		{"original", originalRepo, nil},
		{"original-codepipeline", originalRepo, []string{"--from-codepipeline"}},
		{"original-codepipeline-suite", originalRepo, []string{"--from-codepipeline", "--suite-templates", "--force"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := c.repo(t)
			before := snapshot(t, dir)
			args := append([]string{"init", "--dir", dir, "--suite-commit", initSuite, "--branch", "master"}, c.args...)
			r := run(t, nil, args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
			}
			golden.Check(t, "init/"+c.name+".report", strings.ReplaceAll(r.stdout, dir, "$DIR"))
			golden.Check(t, "init/"+c.name+".files", changed(t, dir, before))
		})
	}
}

// TestInitRefusesToOverwrite: without --force, init lists every file it
// would overwrite and writes none; with --force it overwrites them.
func TestInitRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mine := map[string]string{".github/mlops.yml": "# mine\n", ".github/workflows/deploy.yml": "# my deploy\n"}
	for p, body := range mine {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
	}
	before := tree(t, dir)
	r := run(t, nil, "init", "--dir", dir, "--suite-commit", initSuite)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitUsage, r.stderr)
	}
	for _, want := range []string{"exists: .github/mlops.yml\n", "exists: .github/workflows/deploy.yml\n", "would overwrite 2 existing file(s): .github/mlops.yml, .github/workflows/deploy.yml; nothing was written", "--force"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if after := tree(t, dir); after != before {
		t.Errorf("files changed although init refused:\n%s", after)
	}
	r = run(t, nil, "init", "--dir", dir, "--suite-commit", initSuite, "--force")
	if r.code != ExitOK {
		t.Fatalf("--force: exit %d\n%s", r.code, r.stderr)
	}
	for p, body := range mine {
		data, err := os.ReadFile(filepath.Join(dir, p))
		must(t, err)
		if string(data) == body {
			t.Errorf("--force kept %s", p)
		}
		if !strings.Contains(r.stdout, p+" (overwritten)") {
			t.Errorf("report does not say %s was overwritten:\n%s", p, r.stdout)
		}
	}
}

// TestInitBadInput: a suite commit that is not a SHA, or a missing
// buildspec, is refused before anything is written.
func TestInitBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--suite-commit", "v1"}, `suite commit "v1" is not a full 40-hex commit SHA`},
		{[]string{"--suite-commit", initSuite, "--from-codepipeline", "--buildspec", "ci/none.yml"}, "read the buildspec ci/none.yml"},
	} {
		dir := t.TempDir()
		r := run(t, nil, append([]string{"init", "--dir", dir}, c.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v: wrote %d entries", c.args, len(entries))
		}
	}
}

// TestInitWorkflowsPassPolicy: every workflow init writes passes actionlint
// and the suite's workflow rules (permissions, pinned actions, no
// untrusted text in run:, queued deploys).
func TestInitWorkflowsPassPolicy(t *testing.T) {
	t.Parallel()
	for name, repo := range map[string]func(t *testing.T) string{"empty": func(t *testing.T) string { return t.TempDir() }, "original": originalRepo} {
		dir := repo(t)
		if r := run(t, nil, "init", "--dir", dir, "--suite-commit", initSuite, "--from-codepipeline="+strconv.FormatBool(name == "original")); r.code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", name, r.code, r.stderr)
		}
		files, err := filepath.Glob(filepath.Join(dir, ".github", "workflows", "*.yml"))
		must(t, err)
		if len(files) < 3 {
			t.Fatalf("%s: %d workflows written, want ci, deploy and more", name, len(files))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			must(t, err)
			for _, v := range workflowpolicy.CheckWorkflow(filepath.Base(f), data) {
				t.Errorf("%s: %s", name, v)
			}
		}
		lint(t, dir, files)
	}
}

func lint(t *testing.T, dir string, files []string) {
	t.Helper()
	proj, err := actionlint.NewProject(dir)
	must(t, err)
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	must(t, err)
	errs, err := l.LintFiles(files, proj)
	must(t, err)
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", filepath.Base(e.Filepath), e.Line, e.Column, e.Message, e.Kind)
	}
}
