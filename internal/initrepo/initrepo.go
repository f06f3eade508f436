// Package initrepo turns a repository into one that uses the suite: it
// finds the CloudFormation templates and parameter files the repository
// already has (or brings the suite's own), maps an original CodePipeline
// setup (a CodeBuild buildspec, a bastion cron) onto the suite's commands,
// and writes .github/mlops.yml and the workflows. It writes nothing while
// any file it would write already exists, unless told to overwrite.
package initrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Options say what to turn the repository at Root into.
type Options struct {
	Root string
	// Suite is the commit of ecs-mlops/ecs-mlops the workflows pin.
	Suite string
	// FromCodePipeline reads the CodeBuild buildspec at Buildspec
	// (relative to Root; default buildspec.yml) and maps its commands.
	FromCodePipeline bool
	Buildspec        string
	// SuiteTemplates writes the suite's endpoint templates into
	// cf_templates/, keeping the values of the repository's parameter
	// files, instead of using the templates the repository has.
	SuiteTemplates bool
	// Branch is the branch whose pushes deploy; default: the checkout's.
	Branch string
}

// File is one file init writes, with its path relative to Root.
type File struct {
	Path string
	Data []byte
}

// Result is what init would do: the files, and the report lines saying
// what was found, mapped, dropped and replaced.
type Result struct {
	Files  []File
	Report Report
}

// Report is init's account of the migration, section by section.
type Report struct {
	Found    []string
	Mapped   []string
	Dropped  []string
	Replaced []string
	Next     []string
}

var suiteRe = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Plan works out the files init writes; it reads Root and writes nothing.
func Plan(o Options) (*Result, error) {
	if !suiteRe.MatchString(o.Suite) {
		return nil, fmt.Errorf("suite commit %q is not a full 40-hex commit SHA; the workflows pin ecs-mlops/ecs-mlops to one: pass --suite-commit <sha> (git ls-remote https://github.com/ecs-mlops/ecs-mlops HEAD prints the newest)", o.Suite)
	}
	r := &Result{}
	repo, err := scan(o.Root, &r.Report)
	if err != nil {
		return nil, err
	}
	p := &plan{o: o, repo: repo, r: r}
	if o.FromCodePipeline {
		if err := p.fromBuildspec(); err != nil {
			return nil, err
		}
	}
	if err := p.environments(); err != nil {
		return nil, err
	}
	if err := p.render(); err != nil {
		return nil, err
	}
	return r, nil
}

// Existing lists the files of r that already exist under root.
func (r *Result) Existing(root string) ([]string, error) {
	var out []string
	for _, f := range r.Files {
		_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f.Path)))
		switch {
		case err == nil:
			out = append(out, f.Path)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("look for %s: %w", f.Path, err)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ErrExists is returned by Write when files exist and force is false.
type ErrExists struct{ Paths []string }

func (e *ErrExists) Error() string {
	return fmt.Sprintf("mlops init would overwrite %d existing file(s): %s; nothing was written: move them away, or pass --force to overwrite them (git keeps what they were)",
		len(e.Paths), strings.Join(e.Paths, ", "))
}

// Write writes r's files under root. Unless force is set, it first refuses
// with *ErrExists, writing none, if any of them exists.
func (r *Result) Write(root string, force bool) error {
	existing, err := r.Existing(root)
	if err != nil {
		return err
	}
	if len(existing) > 0 && !force {
		return &ErrExists{Paths: existing}
	}
	for _, f := range r.Files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}

func (r *Result) add(path string, data []byte) {
	r.Files = append(r.Files, File{Path: path, Data: data})
}
