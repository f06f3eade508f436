package initrepo

import (
	"cmp"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// environment is one entry of the config's environments.
type environment struct {
	Name, Stack, Template, Parameters, ImageParameter, URLOutput string
	Protected                                                    bool
	Preview                                                      *previewEnv
}

type previewEnv struct {
	Stack, Host, PriorityParameter, HostParameter string
	// ListenerOutput is the output of the deployed environment's stack
	// holding the HTTPS listener the previews' rules join, when it is not
	// the suite's PreviewHttpsListenerArn.
	ListenerOutput string
}

// plan is the state of one init run.
type plan struct {
	o    Options
	repo *repository
	r    *Result

	envs      []*environment
	region    string
	image     imageConfig
	weights   *weightsConfig
	syncImage bool
	// From the buildspec: stack names by template path, and the parameter
	// its sed wrote the image tag into.
	stacks     map[string]string
	imageParam string
}

type imageConfig struct{ Repository, Context, Dockerfile string }

type weightsConfig struct {
	Source, Target, Environment string
	fromCron                    bool
}

func (p *plan) report() *Report { return &p.r.Report }

func (p *plan) environments() error {
	if p.o.SuiteTemplates || len(p.repo.templates) == 0 {
		return p.suiteEnvironments()
	}
	for _, t := range p.repo.templates {
		p.envs = append(p.envs, p.ownEnvironment(t))
	}
	// The first environment a push deploys is production: termination
	// protection, and no previews of it.
	for i, e := range p.envs {
		if e.Preview == nil {
			e.Protected = true
			p.listenerOutput(p.repo.templates[i].Outputs)
			break
		}
	}
	p.report().Next = append(p.report().Next, "the workflows deploy the repository's own templates; where mlops check (below) finds faults in them, fix them, or take the suite's templates with your parameter values: mlops init --suite-templates --force (git keeps the old ones)")
	if len(p.repo.syncs) > 0 {
		p.report().Next = append(p.report().Next, "the cron weight sync becomes the sync-weights workflow once the stack has the suite's weight-sync task: run mlops init --suite-templates (or add the task of cf_templates/create-ep-a.yaml to your template)")
	}
	p.defaults(p.repo.templates)
	return nil
}

func (p *plan) ownEnvironment(t *tplFile) *environment {
	name := envName(t.Path)
	e := &environment{Name: name, Template: t.Path, Stack: p.stacks[t.Path]}
	if t.Values != nil {
		e.Parameters = t.Values.Path
	}
	if e.Stack == "" {
		project := "mlops"
		if t.Values != nil {
			project = cmp.Or(t.Values.Values["ProjectName"], project)
		}
		e.Stack = project + "-" + name
	}
	for _, c := range []string{"ImageUri", p.imageParam, "APITag"} {
		if c != "" && t.has(c) {
			e.ImageParameter = c
			break
		}
	}
	if e.ImageParameter != "" && e.ImageParameter != "ImageUri" {
		p.report().Next = append(p.report().Next, fmt.Sprintf("%s: mlops deploy sets %s to the full image reference (repository@sha256:...), not a tag; make the template use it whole, e.g. Image: !Ref %s", t.Path, e.ImageParameter, e.ImageParameter))
	}
	for _, o := range []string{"EndpointUrl", "ApiEndpoint", "Url", "URL"} {
		if slices.Contains(t.Outputs, o) {
			e.URLOutput = o
			break
		}
	}
	if t.Imports && t.has("ListenerRulePriority") && t.has("HostHeaderApi") {
		// A stack that joins another's listener becomes the previews'
		// environment: one stack per pull request, named from the pattern.
		e.Stack = ""
		e.Preview = &previewEnv{Stack: name + "-pr-{pr}", Host: "pr-{pr}." + previewDomain(t), PriorityParameter: "ListenerRulePriority", HostParameter: "HostHeaderApi"}
	}
	if t.Values != nil && strings.TrimSpace(t.Values.Values["DesiredCount"]) == "0" {
		p.report().Next = append(p.report().Next, fmt.Sprintf("%s: DesiredCount=0 is the original's first-run workaround (no image yet); set it to 1: mlops build pushes the image before mlops deploy runs", t.Values.Path))
	}
	return e
}

// listenerOutput names, for the previews, the base's output that holds
// the HTTPS listener.
func (p *plan) listenerOutput(outputs []string) {
	for _, e := range p.envs {
		if e.Preview == nil {
			continue
		}
		for _, o := range []string{"PreviewHttpsListenerArn", "HttpsListenerArn", "HttpsListener"} {
			if slices.Contains(outputs, o) {
				if o != "PreviewHttpsListenerArn" {
					e.Preview.ListenerOutput = o
				}
				break
			}
		}
	}
}

// previewDomain is the domain of the template's host header value without
// its first label (b.example.com gives example.com).
func previewDomain(t *tplFile) string {
	host := ""
	if t.Values != nil {
		host = t.Values.Values["HostHeaderApi"]
	}
	if _, rest, ok := strings.Cut(host, "."); ok && strings.Contains(rest, ".") {
		return "preview." + rest
	}
	return "preview.example.com"
}

var envPrefixRe = regexp.MustCompile(`^(create|add|deploy|stack)-`)

// envName derives an environment name from a template's file name:
// create-ep-a.yaml gives ep-a.
func envName(p string) string {
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	return envPrefixRe.ReplaceAllString(strings.ToLower(base), "")
}

// defaults fills what neither the buildspec nor the templates said.
func (p *plan) defaults(ts []*tplFile) {
	for _, t := range ts {
		if p.region != "" || t.Values == nil {
			continue
		}
		// An availability zone is its region and a letter: eu-west-1a.
		if az := strings.Split(t.Values.Values["AZs"], ",")[0]; len(az) > 1 {
			p.region = az[:len(az)-1]
		}
	}
	if p.region == "" {
		p.region = "eu-west-1"
		p.report().Next = append(p.report().Next, "region: eu-west-1 is a guess; set region in .github/mlops.yml")
	}
	if p.image.Dockerfile == "" {
		p.image.Dockerfile = cmp.Or(p.repo.dockerfile, "Dockerfile")
		p.image.Context = cmp.Or(path.Dir(p.image.Dockerfile), ".")
		if p.repo.dockerfile == "" {
			p.report().Next = append(p.report().Next, "no Dockerfile found: add the endpoint's Dockerfile, or set image.dockerfile and image.context in .github/mlops.yml")
		}
	}
	if p.image.Repository == "" {
		p.image.Repository = strings.ToLower(filepath.Base(p.o.Root)) + "/endpoint"
	}
}
