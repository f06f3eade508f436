package cli

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/compare"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/prcomment"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/probe"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// previewCommentKey marks the one preview comment per pull request.
const previewCommentKey = "preview"

// previewLifecycle wires the GitHub side; AWS comes later (wirePreviewAWS),
// only once the event has been found to change the preview.
func (e *Env) previewLifecycle(_ context.Context, run *previewRun) *preview.Lifecycle {
	p := run.env.Preview
	run.life = &preview.Lifecycle{
		Env:            run.env,
		GitHub:         run.gh,
		Commenter:      &prCommenter{gh: run.gh, token: e.previewToken(), link: e.GitHub.RunURL(), logf: e.Action.Logf},
		Clock:          e.Clock,
		Log:            e.Action.Logf,
		ListenerStack:  run.cfg.BaseEnv().Stack,
		ListenerOutput: p.ListenerOutput,
		RunURL:         e.GitHub.RunURL(),
		RepoURL:        e.GitHub.RepoURL(),
		TTL:            p.TTLDuration(),
	}
	return run.life
}

// previewToken is the action input github-token, else GITHUB_TOKEN.
func (e *Env) previewToken() string {
	if t := e.Action.Input("github-token"); t != "" {
		return t
	}
	return e.GitHub.Token.Reveal()
}

// previewCheck is the preview environment's template and parameter file,
// validated offline with the values a preview derives.
type previewCheck struct {
	tpl    *cfn.Template
	file   *cfn.ParamFile
	suites []*probe.Suite // endpoint test cases
	// compare is the comparison with A, nil when there are no requests
	// to compare with.
	compare *compareCheck
}

// checkPreviewDeploy reads and checks the template and parameter file before
// any write, with the priority, host and image a preview will pass.
func (e *Env) checkPreviewDeploy(run *previewRun, img string) (*previewCheck, error) {
	env := run.env
	tpl, err := stack.ReadTemplate(env.Template)
	if err != nil {
		return nil, fault.Usage(err)
	}
	c := &previewCheck{tpl: tpl}
	if env.Parameters != "" {
		if c.file, err = cfn.ReadParamFile(env.Parameters); err != nil {
			return nil, fault.Usage(err)
		}
	}
	names, err := preview.NamesFor(env, run.pr)
	if err != nil {
		return nil, fault.Usage(err)
	}
	if img == "" {
		img = run.cfg.Image.PreviewRepo() + ":" + names.ImageTag(run.sha)
	}
	params := map[string]string{env.Preview.PriorityParameter: strconv.Itoa(preview.DefaultPriorityBase)}
	if env.Preview.HostParameter != "" {
		params[env.Preview.HostParameter] = names.Host
	}
	base, err := baseStandIn(run.cfg)
	if err != nil {
		return nil, fault.Usage(err)
	}
	if _, err := c.resolve(env, img, params, base); err != nil {
		return nil, fault.Usage(err)
	}
	files, err := caseFiles(nil, env)
	if err != nil {
		return nil, err
	}
	if c.suites, err = probe.LoadFiles(files); err != nil {
		return nil, fault.Usage(err)
	}
	if c.compare, err = checkCompare(run.cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// baseStandIn stands in for the base stack's outputs before any AWS call:
// every output its template declares, with a placeholder value, so the
// offline check knows which parameters the preview will take from it.
func baseStandIn(cfg *config.Config) (*stack.BaseOutputs, error) {
	b := cfg.BaseEnv()
	if b == nil {
		return nil, nil
	}
	t, err := stack.ReadTemplate(b.Template)
	if err != nil {
		return nil, err
	}
	out := &stack.BaseOutputs{Stack: b.Stack, Outputs: map[string]string{}}
	for k := range t.Outputs {
		out.Outputs[k] = "output-" + k + "-of-" + b.Stack
	}
	return out, nil
}

func (c *previewCheck) resolve(env *config.Environment, img string, params map[string]string, base *stack.BaseOutputs) (*stack.Params, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	overrides := make([]string, 0, len(keys))
	for _, k := range keys {
		overrides = append(overrides, k+"="+params[k])
	}
	return stack.Resolve(stack.Inputs{Template: c.tpl, File: c.file, Image: img, ImageParam: env.ImageParameter, Overrides: overrides, Base: base})
}

// wirePreviewAWS gives the lifecycle its AWS clients, with the role the
// preview environment deploys with. check is nil for teardown and gc.
func (e *Env) wirePreviewAWS(ctx context.Context, run *previewRun, life *preview.Lifecycle, check *previewCheck) error {
	awsCfg, err := e.Services.AWSConfig(ctx, run.cfg, run.env.RoleFor())
	if err != nil {
		return err
	}
	life.Stacks = &preview.Stacks{CFN: e.Services.CloudFormation(awsCfg), Clock: e.Clock}
	life.Allocator = &preview.Allocator{ELB: e.Services.ELB(awsCfg)}
	// Teardown deletes from the preview repository only: the preview role
	// may delete nothing in image.repository.
	if repo := run.cfg.Image.PreviewRepo(); repo != "" {
		life.Images = &preview.Images{ECR: e.Services.ECR(awsCfg), Repository: repo}
	}
	if check == nil {
		return nil
	}
	d := &stack.Deployer{CFN: e.Services.CloudFormation(awsCfg), Clock: e.Clock, Report: actionReport{e.Action},
		Bucket: run.cfg.Artifacts.Bucket, Prefix: run.cfg.Artifacts.Prefix, Region: awsCfg.Region}
	if len(check.tpl.Body) > cfn.MaxTemplateBody {
		d.S3 = e.Services.S3(awsCfg)
	}
	// Success means the preview's ECS service rolled out and its targets
	// are healthy, as for any deploy.
	d.Verifier = &rollout.Checker{ECS: e.Services.ECS(awsCfg), ELB: e.Services.ELB(awsCfg), Clock: e.Clock, Log: e.Action.Logf}
	life.Deployer = &stackDeployer{d: d, check: check, env: run.env, sha: run.sha}
	life.Tester = &probeTester{suites: check.suites, runner: &probe.Runner{Client: e.probeClient(), Clock: e.Clock, Logf: e.Action.Logf}, logf: e.Action.Logf}
	if cc := check.compare; cc != nil {
		c, err := compare.New(e.probeClient(), e.Clock, cc.settings, cc.reqs)
		if err != nil {
			return fault.Usage(err)
		}
		life.Comparer = &previewComparer{c: c, baseline: cc.baseline, stacks: e.Services.CloudFormation(awsCfg), logf: e.Action.Logf}
	}
	life.Builder = &imageBuilder{cfg: run.cfg, b: &image.Builder{ECR: e.Services.ECR(awsCfg), Run: e.Services.Runner, Output: e.Stderr, Logf: e.Action.Logf, Mask: e.Action.Mask, Getenv: e.Getenv}}
	return nil
}

// probeClient is the endpoint test client, trusting what Services.HTTP
// trusts (tests point it at their own certificate authority).
func (e *Env) probeClient() *http.Client {
	c := probe.NewClient()
	if h := e.Services.HTTP; h != nil {
		if tr, ok := h.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
			c.Transport.(*http.Transport).TLSClientConfig = tr.TLSClientConfig.Clone()
		}
	}
	return c
}

// stackDeployer deploys a preview stack with the change-set engine.
type stackDeployer struct {
	d     *stack.Deployer
	check *previewCheck
	env   *config.Environment
	sha   string
}

func (s *stackDeployer) Deploy(ctx context.Context, req preview.DeployRequest) (map[string]string, error) {
	p, err := s.check.resolve(s.env, req.Image, req.Parameters, &stack.BaseOutputs{Stack: req.BaseStack, Outputs: req.BaseOutputs})
	if err != nil {
		return nil, err
	}
	res, err := s.d.Deploy(ctx, stack.Request{Stack: req.Stack, Template: s.check.tpl, Params: p, Tags: req.Tags, Commit: s.sha, Command: "mlops preview up"})
	if err != nil {
		return nil, err
	}
	return res.OutputMap(), nil
}

// probeTester runs the environment's endpoint test cases against a preview.
type probeTester struct {
	suites []*probe.Suite
	runner *probe.Runner
	logf   func(string, ...any)
}

// Test sends the cases through the load balancer: a preview's host name is
// new, and its DNS record may not exist (or not have propagated) yet. The
// connection goes to the stack's AlbDnsName; the request URL, the Host
// header and TLS (server name, certificate verification) keep the preview's
// host, as a client will once DNS points there. Without that output the
// cases go to the URL output through DNS.
func (p *probeTester) Test(ctx context.Context, t preview.TestTarget) ([]report.CaseResult, error) {
	target, err := previewTarget(t)
	if err != nil {
		return nil, err
	}
	if target.Dial != "" && p.logf != nil {
		p.logf("testing %s through the load balancer %s (Host and TLS server name %s), before DNS is needed", target.URL, target.Dial, t.Host)
	}
	return p.runner.Run(ctx, target, p.suites).Cases, nil
}

// previewTarget is where a preview answers: through the stack's load
// balancer for the preview's host, else its URL through DNS.
func previewTarget(t preview.TestTarget) (probe.Target, error) {
	alb := t.Outputs[probe.LoadBalancerOutput]
	if alb == "" || t.Host == "" {
		return probe.ParseTarget(t.URL, "")
	}
	base, err := url.Parse(t.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") {
		base = &url.URL{Scheme: "https"}
	}
	return probe.ThroughLoadBalancer((&url.URL{Scheme: base.Scheme, Host: t.Host, Path: base.Path}).String(), "", alb)
}

// imageBuilder builds and pushes the preview's image to the preview repository.
type imageBuilder struct {
	cfg *config.Config
	b   *image.Builder
}

func (ib *imageBuilder) Build(ctx context.Context, tag string) (string, error) {
	ctxDir := ib.cfg.Image.Context
	if ctxDir == "" {
		ctxDir = "."
	}
	res, err := ib.b.Build(ctx, image.Request{Repository: ib.cfg.Image.PreviewRepo(), Tag: tag, Context: ctxDir,
		Dockerfile: ib.cfg.Image.Dockerfile, Platform: ib.cfg.Image.Platform, Push: true, Preview: true})
	if err != nil {
		return "", err
	}
	return res.Ref(), nil
}

// prCommenter upserts the preview's sticky comment.
type prCommenter struct {
	gh    *preview.GitHub
	token string
	link  string
	logf  func(string, ...any)

	once   sync.Once
	author prcomment.Author
	err    error
}

func (c *prCommenter) Comment(ctx context.Context, pr int, body string) error {
	c.once.Do(func() { c.author, c.err = prcomment.ResolveAuthor(ctx, c.gh.Client, c.token, "") })
	if c.err != nil {
		return c.err
	}
	_, err := prcomment.Upsert(ctx, c.gh.Client, prcomment.Target{Owner: c.gh.Owner, Repo: c.gh.Repo, PR: pr}, previewCommentKey, body,
		prcomment.Options{Author: c.author, Link: c.link, Logf: c.logf})
	return err
}
