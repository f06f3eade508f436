package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// listFlag collects a repeatable flag such as --param K=V.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// stackFlags declares the flags deploy and plan share.
func stackFlags(fs *flag.FlagSet, params *listFlag) {
	fs.String("env", "", "environment name from the config (env MLOPS_ENV)")
	fs.String("image", "", "image reference for the environment's image_parameter: repo:tag or repo@sha256:digest (env MLOPS_IMAGE)")
	fs.Var(params, "param", "template parameter override Key=Value; repeatable; the value is kept whole, commas included")
	fs.String("pr", "", "pull request number, for a preview environment's stack")
	fs.String("sha", "", "commit recorded in the mlops:commit tag (default: the event's commit, else git rev-parse HEAD)")
	fs.String("timeout", "", "how long the stack may take before an update is cancelled (default 30m)")
	configFlag(fs)
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
func (e *Env) stackJob(ctx context.Context, cmd string, fs *flag.FlagSet, params listFlag) (*stackJob, error) {
	cfg, err := e.loadConfig(fs)
	if err != nil {
		return nil, err
	}
	j := &stackJob{cfg: cfg, name: e.resolve(fs, "env", "", "", "MLOPS_ENV")}
	if j.name == "" {
		return nil, fault.Usagef("mlops %s: no environment; pass --env NAME (one of: %s)", cmd, strings.Join(cfg.EnvNames(), ", "))
	}
	if j.env, err = cfg.Env(j.name); err != nil {
		return nil, fault.Usage(fmt.Errorf("%w; pass --env with one of them", err))
	}
	if err := e.stackName(cmd, fs, j); err != nil {
		return nil, err
	}
	tpl, err := stack.ReadTemplate(j.env.Template)
	if err != nil {
		return nil, fault.Usage(err)
	}
	in := stack.Inputs{Template: tpl, ImageParam: j.env.ImageParameter, Image: e.resolve(fs, "image", "", "", "MLOPS_IMAGE"), Overrides: e.overrides(params)}
	if p := j.env.Preview; p != nil && p.HostParameter != "" {
		// The preview's host is derived from the PR; an explicit --param still wins.
		in.Overrides = append([]string{p.HostParameter + "=" + j.env.HostFor(j.pr)}, in.Overrides...)
	}
	if j.env.Parameters != "" {
		if in.File, err = stack.ReadParamFile(j.env.Parameters); err != nil {
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
	if len(tpl.Body) > stack.MaxTemplateBody && cfg.Artifacts.Bucket == "" {
		return nil, fault.Usagef("%s: template is %d bytes, over CloudFormation's inline limit of %d; set artifacts.bucket in %s so it can be uploaded", tpl.Path, len(tpl.Body), stack.MaxTemplateBody, cfg.Path)
	}
	timeout, err := e.timeout(cmd, fs)
	if err != nil {
		return nil, err
	}
	j.sha = e.deployCommit(ctx, fs)
	j.req = stack.Request{Stack: j.req.Stack, Template: tpl, Params: p, Protect: j.env.Protected, Timeout: timeout, Commit: j.sha,
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

func (e *Env) stackName(cmd string, fs *flag.FlagSet, j *stackJob) error {
	if j.env.Preview == nil {
		j.req.Stack = j.env.Stack
		return nil
	}
	v := e.resolve(fs, "pr", "", "")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fault.Usagef("mlops %s: %s is a preview environment; pass --pr N for its stack (%s), or use mlops preview up", cmd, j.name, j.env.Preview.Stack)
	}
	j.pr, j.req.Stack = n, j.env.StackFor(n)
	return nil
}

// overrides are --param flags, else the action input "params" (one Key=Value a line).
func (e *Env) overrides(params listFlag) []string {
	if len(params) > 0 {
		return params
	}
	var out []string
	for _, line := range strings.Split(e.Action.Input("params"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (e *Env) timeout(cmd string, fs *flag.FlagSet) (time.Duration, error) {
	v := e.resolve(fs, "timeout", "", stack.DefaultTimeout.String(), "MLOPS_TIMEOUT")
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fault.Usagef("mlops %s: timeout %q is not a positive duration such as 30m or 1h", cmd, v)
	}
	return d, nil
}

// deployCommit is the commit a stack is tagged with; "unknown" rather than
// failing when none can be found (a laptop outside a checkout).
func (e *Env) deployCommit(ctx context.Context, fs *flag.FlagSet) string {
	sha, err := e.commit(ctx, fs)
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
	if len(j.req.Template.Body) > stack.MaxTemplateBody {
		d.S3 = e.Services.TemplateUploader(awsCfg)
	}
	d.Verifier = &rollout.Checker{ECS: e.Services.RolloutECS(awsCfg), ELB: e.Services.RolloutELB(awsCfg), Clock: e.Clock, Log: e.Action.Logf}
	return d, fillFromBase(ctx, d.CFN, j)
}

// fillFromBase reads the base environment's stack and resolves the
// parameters again with its outputs (the parameter file and --param still
// win). One DescribeStacks, only for templates that take base outputs.
func fillFromBase(ctx context.Context, cfn stack.CloudFormationAPI, j *stackJob) error {
	if j.base == nil {
		return nil
	}
	out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(j.base.Stack)})
	if err != nil || len(out.Stacks) == 0 {
		return fmt.Errorf("read stack %q, whose outputs %s takes as parameters (deploy %s first): %w", j.base.Stack, j.name, j.base.Name, err)
	}
	_, _, outputs := stack.Maps(out.Stacks[0])
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
