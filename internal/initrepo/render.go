package initrepo

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// The workflows, as text templates with [[ ]] delimiters, so GitHub's own
// ${{ }} expressions stay as they are.
//
//go:embed workflows/*.tmpl
var workflowFS embed.FS

// data is what the config and workflow templates see.
type data struct {
	Suite     string // ecs-mlops/ecs-mlops@<sha>
	SuiteSHA  string
	Branch    string
	Region    string
	Image     imageConfig
	Envs      []*environment
	Deploy    *environment // the environment a push deploys
	Preview   *environment // the environment of the previews, if any
	Weights   *weightsConfig
	SyncImage bool
}

func (p *plan) data() *data {
	d := &data{Suite: "ecs-mlops/ecs-mlops@" + p.o.Suite, SuiteSHA: p.o.Suite, Branch: p.branch(),
		Region: p.region, Image: p.image, Envs: p.envs, Weights: p.weights, SyncImage: p.syncImage}
	for _, e := range p.envs {
		switch {
		case e.Preview != nil && d.Preview == nil:
			d.Preview = e
		case e.Preview == nil && d.Deploy == nil:
			d.Deploy = e
		}
	}
	return d
}

// branch is the branch whose pushes deploy: the option, else the
// checkout's current branch, else main.
func (p *plan) branch() string {
	if p.o.Branch != "" {
		return p.o.Branch
	}
	head, err := os.ReadFile(filepath.Join(p.o.Root, ".git", "HEAD"))
	if ref, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: refs/heads/"); err == nil && ok && ref != "" {
		return ref
	}
	return "main"
}

// render adds the config and the workflows to the result.
func (p *plan) render() error {
	d := p.data()
	if d.Deploy == nil {
		return fmt.Errorf("no environment for pushes to %s to deploy: every template found joins another stack (Fn::ImportValue); add the template of the shared infrastructure, or run mlops init --suite-templates", d.Branch)
	}
	files := []string{"mlops.yml", "ci.yml", "deploy.yml"}
	if d.Preview != nil {
		files = append(files, "preview.yml", "preview-gc.yml")
	}
	if d.Weights != nil {
		files = append(files, "sync-weights.yml")
	}
	for _, f := range files {
		out, err := execute(f, d)
		if err != nil {
			return err
		}
		dst := ".github/workflows/" + f
		if f == "mlops.yml" {
			dst = ".github/mlops.yml"
		}
		p.r.add(dst, out)
	}
	if err := p.healthCase(); err != nil {
		return err
	}
	p.next(d)
	return nil
}

// healthCase writes a first endpoint test case when the repository has
// none: mlops test refuses to run no case, since a run that tests nothing
// would pass.
func (p *plan) healthCase() error {
	for f := range p.repo.files {
		if strings.HasPrefix(f, "tests/endpoint/") && (strings.HasSuffix(f, ".yaml") || strings.HasSuffix(f, ".yml")) {
			return nil
		}
	}
	health := "/ping"
	for _, t := range p.repo.templates {
		if t.Values != nil && strings.HasPrefix(t.Values.Values["ApiHealthCheckPath"], "/") {
			health = t.Values.Values["ApiHealthCheckPath"]
			break
		}
	}
	out, err := execute("health.yaml", health)
	if err != nil {
		return err
	}
	p.r.add("tests/endpoint/health.yaml", out)
	return nil
}

func execute(name string, d any) ([]byte, error) {
	src, err := workflowFS.ReadFile("workflows/" + name + ".tmpl")
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", name, err)
	}
	nodes, err := parseTemplate(name+".tmpl", string(src))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var b strings.Builder
	if err := executeNodes(&b, nodes, reflect.ValueOf(d)); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return []byte(b.String()), nil
}

func (p *plan) next(d *data) {
	rep := p.report()
	envs := []string{d.Deploy.Name}
	if d.Preview != nil {
		envs = append(envs, "preview", "preview-gc")
	}
	if d.Weights != nil {
		envs = append(envs, d.Weights.Environment+"-weights")
	}
	rep.Next = append(rep.Next,
		"mlops bootstrap (once, with administrator credentials): the OIDC trust, the roles, the image repositories and the artifact bucket; paste the role ARNs it prints under roles: in .github/mlops.yml",
		fmt.Sprintf("create the GitHub environments %s (mlops bootstrap --github-repository <owner>/<name> --branch %s does, restricted to that branch); the roles trust only them (docs/credentials.md)", strings.Join(envs, ", "), d.Branch),
		"mlops check: the templates, parameter files and config, offline",
		"commit .github/ and push to "+d.Branch+"; the CodePipeline pipeline, if any, can then be deleted (docs/migration.md)")
}
