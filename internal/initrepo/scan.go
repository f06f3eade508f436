package initrepo

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/cfntemplate"
)

// tplFile is a CloudFormation template found in the repository.
type tplFile struct {
	Path    string // slash path relative to the root
	Params  []string
	Outputs []string
	Imports bool // it joins another stack through Fn::ImportValue
	Values  *cfn.ParamFile
}

func (t *tplFile) has(param string) bool { return slices.Contains(t.Params, param) }

// repository is what scan found.
type repository struct {
	templates  []*tplFile
	dockerfile string // slash path of the endpoint's Dockerfile, if one
	syncs      []cronSync
	files      map[string][]byte // every small text file, by slash path
}

// cronSync is an `aws s3 sync` of weights, as a bastion's cron ran it.
type cronSync struct {
	File, Source, Target string
	Line                 int
}

// skipDirs are never read: tool state, dependencies, and the suite's own
// output.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".terraform": true, ".mlops-suite": true, "testdata": true}

const maxScan = 1 << 20

func scan(root string, rep *Report) (*repository, error) {
	repo := &repository{files: map[string][]byte{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != root && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > maxScan {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		if !bytes.ContainsRune(data, 0) {
			repo.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	for _, rel := range sortedKeys(repo.files) {
		repo.classify(rel, rep)
	}
	repo.pair(rep)
	return repo, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

var syncRe = regexp.MustCompile(`aws\s+s3\s+sync\s+(?:--\S+\s+)*(s3://\S+)\s+(\S+)`)

func (repo *repository) classify(rel string, rep *Report) {
	data := repo.files[rel]
	base := path.Base(rel)
	switch {
	case base == "Dockerfile" && repo.dockerfile == "":
		repo.dockerfile = rel
	case strings.HasPrefix(rel, ".github/"):
	case isTemplate(rel, data):
		t, err := cfntemplate.Parse(rel, data)
		if err != nil {
			rep.Found = append(rep.Found, fmt.Sprintf("%s looks like a CloudFormation template but does not parse (%v); it is left out", rel, err))
			return
		}
		tpl := &tplFile{Path: rel, Params: keys(t.Doc["Parameters"]), Outputs: keys(t.Doc["Outputs"])}
		tpl.Imports = bytes.Contains(data, []byte("ImportValue"))
		repo.templates = append(repo.templates, tpl)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		if m := syncRe.FindStringSubmatch(sc.Text()); m != nil && !strings.HasPrefix(base, "buildspec") {
			repo.syncs = append(repo.syncs, cronSync{File: rel, Line: n, Source: m[1], Target: m[2]})
		}
	}
}

func isTemplate(rel string, data []byte) bool {
	switch path.Ext(rel) {
	case ".yaml", ".yml", ".json", ".template":
	default:
		return false
	}
	return bytes.Contains(data, []byte("AWSTemplateFormatVersion")) ||
		bytes.Contains(data, []byte("Resources")) && bytes.Contains(data, []byte("AWS::"))
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	return sortedKeys(m)
}

// pair gives each template the parameter file beside it with its base
// name (create-ep-a.yaml and create-ep-a.json).
func (repo *repository) pair(rep *Report) {
	for _, t := range repo.templates {
		stem := strings.TrimSuffix(t.Path, path.Ext(t.Path))
		for _, ext := range []string{".json", ".params.json", "-parameters.json", ".yaml", ".yml"} {
			cand := stem + ext
			data, ok := repo.files[cand]
			if !ok || cand == t.Path || isTemplate(cand, data) {
				continue
			}
			pf, err := cfn.ParseParamFile(cand, data)
			if err != nil {
				rep.Found = append(rep.Found, fmt.Sprintf("%s sits beside %s but is not a parameter file (%v)", cand, t.Path, err))
				continue
			}
			t.Values = pf
			break
		}
		what := "no parameter file beside it"
		if t.Values != nil {
			what = fmt.Sprintf("parameter file %s (%s form)", t.Values.Path, t.Values.Form)
		}
		rep.Found = append(rep.Found, fmt.Sprintf("template %s with %s", t.Path, what))
	}
	for _, s := range repo.syncs {
		rep.Found = append(rep.Found, fmt.Sprintf("%s:%d: aws s3 sync %s %s (a cron weight sync)", s.File, s.Line, s.Source, s.Target))
	}
}
