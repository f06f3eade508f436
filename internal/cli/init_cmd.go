package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/check"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/initrepo"
)

// initOptions are the settings of mlops init.
type initOptions struct {
	Dir              string
	Suite            string
	Force            bool
	FromCodePipeline bool
	Buildspec        string
	SuiteTemplates   bool
	Branch           string
}

func runInit(_ context.Context, e *Env, args []string) error {
	var o initOptions
	opts := e.newOptions("init", "[--dir DIR] [--from-codepipeline [--buildspec FILE]] [--suite-templates] [--suite-commit SHA] [--force]")
	opts.String(&o.Dir, "dir", "the repository to set up (default the working directory)").Default(".")
	opts.String(&o.Suite, "suite-commit", "commit of ecs-mlops/ecs-mlops the workflows pin (default the commit this mlops was built from)").Default(suiteCommit())
	opts.Bool(&o.Force, "force", "overwrite files that exist (they are listed; without --force nothing is written)")
	opts.Bool(&o.FromCodePipeline, "from-codepipeline", "map a CodeBuild buildspec (docker build/push, sed of the image tag, update-stack) and a bastion's cron aws s3 sync onto the suite")
	opts.String(&o.Buildspec, "buildspec", "the CodeBuild buildspec, relative to --dir (default buildspec.yml)")
	opts.Bool(&o.SuiteTemplates, "suite-templates", "write the suite's templates into cf_templates/, with the values of the repository's parameter files, instead of using the repository's templates")
	opts.String(&o.Branch, "branch", "branch whose pushes deploy (default the checkout's branch, else main)")
	if err := opts.parse(args, false); err != nil {
		return err
	}
	r, err := initrepo.Plan(initrepo.Options{Root: o.Dir, Suite: o.Suite, FromCodePipeline: o.FromCodePipeline,
		Buildspec: o.Buildspec, SuiteTemplates: o.SuiteTemplates, Branch: o.Branch})
	if err != nil {
		return fault.Usage(err)
	}
	existing, err := r.Existing(o.Dir)
	if err != nil {
		return err
	}
	if err := r.Write(o.Dir, o.Force); err != nil {
		var ex *initrepo.ErrExists
		if errors.As(err, &ex) {
			for _, p := range ex.Paths {
				fmt.Fprintf(e.Stderr, "exists: %s\n", p)
			}
			return fault.Usage(err)
		}
		return err
	}
	printInitReport(e.Stdout, r, existing)
	return checkInitialized(e.Stdout, o.Dir)
}

// suiteCommit is the full commit this binary was built from, or "" (then
// mlops init asks for --suite-commit).
func suiteCommit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := vcsRevision(bi)
	if dirty {
		// Uncommitted changes: no commit holds this source.
		return ""
	}
	return rev
}

func printInitReport(w io.Writer, r *initrepo.Result, existing []string) {
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, l := range lines {
			fmt.Fprintf(w, "  - %s\n", l)
		}
	}
	section("found", r.Report.Found)
	section("mapped", r.Report.Mapped)
	section("dropped", r.Report.Dropped)
	section("replaced", r.Report.Replaced)
	over := map[string]bool{}
	for _, p := range existing {
		over[p] = true
	}
	var wrote []string
	for _, f := range r.Files {
		what := "new"
		if over[f.Path] {
			what = "overwritten"
		}
		wrote = append(wrote, fmt.Sprintf("%s (%s)", f.Path, what))
	}
	section("wrote", wrote)
	section("next", r.Report.Next)
}

// checkInitialized validates the written config and runs mlops check on
// it, so the report ends with what still stands between the repository
// and its first deploy. Findings do not fail init: the files are written.
func checkInitialized(w io.Writer, dir string) error {
	path := filepath.Join(dir, filepath.FromSlash(config.DefaultPath))
	cfg, err := config.Load(path)
	if err != nil {
		return fmt.Errorf("the config mlops init wrote does not load (a bug; please report it): %w", err)
	}
	ps := check.Run(cfg, dir, nil)
	prefix := filepath.ToSlash(filepath.Clean(dir)) + "/"
	for _, p := range ps {
		fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(p.Error(), prefix, ""))
	}
	errs, warns := len(ps.Errors()), len(ps.Warnings())
	fmt.Fprintf(w, "mlops check: %d error(s), %d warning(s)", errs, warns)
	if errs > 0 {
		fmt.Fprint(w, "; fix the errors above before the first push (mlops check lists them again)")
	}
	fmt.Fprintln(w)
	return nil
}
