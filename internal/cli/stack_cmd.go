package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// stackOptions are the settings deploy and plan share.
type stackOptions struct {
	Env     string
	Image   string
	Params  []string
	PR      int
	SHA     string
	Timeout time.Duration
	Config  string
}

func (o *stackOptions) declare(opts *options) {
	opts.envOption(&o.Env, "environment name from the config (env MLOPS_ENV)")
	opts.String(&o.Image, "image", "image reference for the environment's image_parameter: repo:tag or repo@sha256:digest (env MLOPS_IMAGE)").Env("MLOPS_IMAGE")
	// The params input holds one Key=Value a line.
	opts.List(&o.Params, "param", "template parameter override Key=Value; repeatable; the value is kept whole, commas included").Input("params")
	opts.PR(&o.PR, "pull request number, for a preview environment's stack")
	opts.String(&o.SHA, "sha", "commit recorded in the mlops:commit tag (default: the event's commit, else git rev-parse HEAD)")
	opts.Duration(&o.Timeout, "timeout", stack.DefaultTimeout, "how long the stack may take before an update is cancelled (default 30m)").Env("MLOPS_TIMEOUT")
	opts.configOption(&o.Config)
}

// stackJob is a deploy or plan resolved from flags, inputs and config,
// checked offline before any AWS call.
type stackJob struct {
	cfg  *config.Config
	env  *config.Environment
	req  stack.Request
	pr   int
	sha  string
	name string
	// in are the resolved inputs; base, when set, is the environment
	// whose stack's outputs fill parameters of the template (read once
	// the AWS client exists, see fillFromBase).
	in   stack.Inputs
	base *config.Environment
}

// stackJob resolves everything a deploy or plan needs. Every problem is a
// usage error and happens before any AWS client exists.
func (e *Env) stackJob(ctx context.Context, cmd string, o *stackOptions) (*stackJob, error) {
	cfg, err := loadConfigFile(o.Config)
	if err != nil {
		return nil, err
	}
	j := &stackJob{cfg: cfg, name: o.Env}
	if j.name == "" {
		return nil, fault.Usagef("mlops %s: no environment; pass --env NAME (one of: %s)", cmd, strings.Join(cfg.EnvNames(), ", "))
	}
	if j.env, err = cfg.Env(j.name); err != nil {
		return nil, fault.Usage(fmt.Errorf("%w; pass --env with one of them", err))
	}
	if err := e.stackName(cmd, o.PR, j); err != nil {
		return nil, err
	}
	tpl, err := stack.ReadTemplate(j.env.Template)
	if err != nil {
		return nil, fault.Usage(err)
	}
	in := stack.Inputs{Template: tpl, ImageParam: j.env.ImageParameter, Image: o.Image, Overrides: o.Params}
	if p := j.env.Preview; p != nil && p.HostParameter != "" {
		// The preview's host is derived from the PR; an explicit --param still wins.
		in.Overrides = append([]string{p.HostParameter + "=" + j.env.HostFor(j.pr)}, in.Overrides...)
	}
	if j.env.Parameters != "" {
		if in.File, err = cfn.ReadParamFile(j.env.Parameters); err != nil {
			return nil, fault.Usage(err)
		}
	}
	if b := cfg.BaseEnv(); b != nil && b != j.env {
		standIn, err := baseStandIn(cfg)
		if err != nil {
			return nil, fault.Usage(err)
		}
		if len(standIn.For(tpl)) > 0 {
			in.Base, j.base = standIn, b
		}
	}
	j.in = in
	if err := e.preflight(cfg, j.name, flagParams(in)); err != nil {
		return nil, err
	}
	p, err := stack.Resolve(in)
	if err != nil {
		return nil, fault.Usage(err)
	}
	for _, v := range p.Secrets() {
		e.Action.Mask(v) // NoEcho values stay out of the whole job's log
	}
	if len(tpl.Body) > cfn.MaxTemplateBody && cfg.Artifacts.Bucket == "" {
		return nil, fault.Usagef("%s: template is %d bytes, over CloudFormation's inline limit of %d; set artifacts.bucket in %s so it can be uploaded", tpl.Path, len(tpl.Body), cfn.MaxTemplateBody, cfg.Path)
	}
	j.sha = e.deployCommit(ctx, o.SHA)
	j.req = stack.Request{Stack: j.req.Stack, Template: tpl, Params: p, Protect: j.env.Protected, Timeout: o.Timeout, Commit: j.sha,
		Tags: stackTags(j)}
	return j, nil
}

// flagParams names the parameters --param and --image set.
func flagParams(in stack.Inputs) []string {
	var out []string
	if in.Image != "" && in.ImageParam != "" {
		out = append(out, in.ImageParam)
	}
	for _, o := range in.Overrides {
		if k, _, err := stack.ParseOverride(o); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// stackTags are the tags of the job's stack. A preview environment's stack
// (--pr N) gets exactly the tags preview up gives it, so preview down and
// gc can remove it.
func stackTags(j *stackJob) map[string]string {
	if j.env.Preview != nil {
		if names, err := preview.NamesFor(j.env, j.pr); err == nil {
			return names.StackTags(j.sha)
		}
	}
	return map[string]string{preview.TagEnvironment: j.name, preview.TagCommit: j.sha}
}

func (e *Env) stackName(cmd string, n int, j *stackJob) error {
	if j.env.Preview == nil {
		j.req.Stack = j.env.Stack
		return nil
	}
	if n == 0 {
		return fault.Usagef("mlops %s: %s is a preview environment; pass --pr N for its stack (%s), or use mlops preview up", cmd, j.name, j.env.Preview.Stack)
	}
	j.pr, j.req.Stack = n, j.env.StackFor(n)
	return nil
}

// deployCommit is the commit a stack is tagged with; "unknown" rather than
// failing when none can be found (a laptop outside a checkout).
func (e *Env) deployCommit(ctx context.Context, flagSHA string) string {
	sha, err := e.commit(ctx, flagSHA)
	if err != nil || sha == "" {
		return "unknown"
	}
	return sha
}

// deployer builds the engine with clients for the environment's role.
func (e *Env) deployer(ctx context.Context, j *stackJob) (*stack.Deployer, error) {
	awsCfg, err := e.Services.AWSConfig(ctx, j.cfg, j.env.RoleFor())
	if err != nil {
		return nil, err
	}
	d := &stack.Deployer{CFN: e.Services.CloudFormation(awsCfg), Clock: e.Clock, Report: actionReport{e.Action},
		Bucket: j.cfg.Artifacts.Bucket, Prefix: j.cfg.Artifacts.Prefix, Region: awsCfg.Region}
	if len(j.req.Template.Body) > cfn.MaxTemplateBody {
		d.S3 = e.Services.S3(awsCfg)
	}
	d.Verifier = &rollout.Checker{ECS: e.Services.ECS(awsCfg), ELB: e.Services.ELB(awsCfg), Clock: e.Clock, Log: e.Action.Logf}
	return d, fillFromBase(ctx, d.CFN, j)
}

// fillFromBase reads the base environment's stack and resolves the
// parameters again with its outputs (the parameter file and --param still
// win). One DescribeStacks, only for templates that take base outputs.
func fillFromBase(ctx context.Context, cf stack.CloudFormationAPI, j *stackJob) error {
	if j.base == nil {
		return nil
	}
	outputs, err := cfn.StackOutputs(ctx, cf, j.base.Stack)
	if err != nil {
		return fmt.Errorf("read the outputs %s takes as parameters (deploy %s first): %w", j.name, j.base.Name, err)
	}
	j.in.Base = &stack.BaseOutputs{Stack: j.base.Stack, Outputs: outputs}
	p, err := stack.Resolve(j.in)
	if err != nil {
		return fmt.Errorf("parameters of %s from stack %s's outputs: %w", j.name, j.base.Stack, err)
	}
	j.req.Params = p
	return nil
}

// actionReport shows the engine's phases as log groups in Actions.
type actionReport struct{ a *action.Action }

func (r actionReport) Phase(title string) func()         { return r.a.Group(title) }
func (r actionReport) Printf(format string, args ...any) { r.a.Logf(format, args...) }

// failureHeadline is the first line of a deploy error, for summaries.
func failureHeadline(err error) string {
	var f *stack.Failure
	if errors.As(err, &f) {
		return f.Headline
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
