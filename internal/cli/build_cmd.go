package cli

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/proc"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// buildOptions are the settings of mlops build. Repository, Context,
// Dockerfile and Platform fall back to the image section of the config,
// which one depending on the image (see buildRequest, syncBuildRequest).
type buildOptions struct {
	SyncImage  bool
	Tag        string
	Push       bool
	Platform   string
	SHA        string
	PR         int
	Repository string
	Context    string
	Dockerfile string
	BuildArgs  []string
	Config     string
}

func (o *buildOptions) declare(opts *options) {
	opts.Bool(&o.SyncImage, "sync-image", "build the weight-sync image (the mlops binary alone, image.sync) instead of the endpoint image")
	opts.String(&o.Tag, "tag", "image tag (default: the commit SHA, pr-<N>-<sha> for a pull request)").Env("MLOPS_IMAGE_TAG")
	opts.Bool(&o.Push, "push", "push to ECR (creating the repository when missing); without it the image is only built locally")
	opts.String(&o.Platform, "platform", "target platform, e.g. linux/amd64 (default image.platform)")
	opts.String(&o.SHA, "sha", "commit to tag the image with (default: the event's commit, else git rev-parse HEAD)")
	opts.PR(&o.PR, "pull request number for a preview image (default: from a pull_request event)")
	opts.String(&o.Repository, "repository", "ECR repository name (default image.repository; image.preview_repository for a pull request; image.sync.repository with --sync-image)")
	opts.String(&o.Context, "context", "build context directory (default image.context; the repository root with --sync-image)")
	opts.String(&o.Dockerfile, "dockerfile", "Dockerfile (default image.dockerfile, else <context>/Dockerfile; image.sync.dockerfile, else mlops.Dockerfile with --sync-image)")
	opts.List(&o.BuildArgs, "build-arg", "build argument KEY=VALUE (repeatable; action input build-args, one per line)").Input("build-args")
	opts.configOption(&o.Config)
}

func runBuild(ctx context.Context, e *Env, args []string) error {
	var o buildOptions
	opts := e.newOptions("build", "[--sync-image] [--tag T] [--push] [--platform P] [--sha SHA] [--pr N] [--build-arg K=V] [--config FILE]")
	o.declare(opts)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	cfg, err := loadConfigFile(o.Config)
	if err != nil {
		return err
	}
	sync := o.SyncImage
	build := e.buildRequest
	if sync {
		build = e.syncBuildRequest
	}
	req, pr, err := build(ctx, &o, cfg)
	if err != nil {
		return err
	}
	if req.BuildArgs, err = checkBuildArgs(o.BuildArgs); err != nil {
		return err
	}
	if sync {
		req.BuildArgs = withVersion(req.BuildArgs, req.Tag)
	}
	b := &image.Builder{Run: e.Services.Runner, Output: e.Stderr, Logf: e.Action.Logf, Mask: e.Action.Mask, Getenv: e.Getenv}
	if req.Push {
		purpose := config.PurposeDeploy
		if pr > 0 {
			purpose = config.PurposePreview
		}
		awsCfg, err := e.Services.AWSConfig(ctx, cfg, purpose)
		if err != nil {
			return err
		}
		b.ECR = e.Services.ECR(awsCfg)
	}
	end := e.Action.Group(fmt.Sprintf("build image %s:%s", req.Repository, req.Tag))
	res, err := b.Build(ctx, req)
	end()
	if err != nil {
		return err
	}
	title := "Image"
	if sync {
		title = "Weight-sync image"
	}
	e.reportImage(title, req, res)
	return nil
}

// buildRequest resolves every setting of a build; all checks happen here,
// before any AWS call.
func (e *Env) buildRequest(ctx context.Context, o *buildOptions, cfg *config.Config) (image.Request, int, error) {
	req := image.Request{
		Repository: cmp.Or(o.Repository, cfg.Image.Repository),
		Context:    cmp.Or(o.Context, cfg.Image.Context, "."),
		Dockerfile: cmp.Or(o.Dockerfile, cfg.Image.Dockerfile),
		Platform:   cmp.Or(o.Platform, cfg.Image.Platform),
		Push:       o.Push,
	}
	if req.Repository == "" {
		return req, 0, fault.Usagef("%s: image.repository is not set; name the ECR repository there (e.g. ecs-mlops/endpoint) or pass --repository", cfg.Path)
	}
	pr, err := e.prNumber(o.PR)
	if err != nil {
		return req, 0, err
	}
	if pr > 0 {
		// A pull request's image goes to the preview repository, the only
		// one the preview role may push to and delete from.
		req.Repository, req.Preview = cmp.Or(o.Repository, cfg.Image.PreviewRepo()), true
	}
	if tag := o.Tag; tag != "" {
		req.Tag = tag
		return req, pr, fault.Usage(image.CheckTag(tag))
	}
	sha, err := e.commit(ctx, o.SHA)
	if err != nil {
		return req, 0, err
	}
	if req.Tag, err = image.Tag(sha, pr); err != nil {
		return req, 0, fault.Usagef("mlops build: %w; pass --sha or --tag", err)
	}
	return req, pr, nil
}

// checkBuildArgs checks the --build-arg flags (or the build-args input).
func checkBuildArgs(args []string) ([]string, error) {
	for _, a := range args {
		if k, _, ok := strings.Cut(a, "="); !ok || k == "" {
			return nil, fault.Usagef("mlops build: build argument %q is not KEY=VALUE", a)
		}
	}
	return args, nil
}

// prNumber is --pr, else the number of a pull_request event.
func (e *Env) prNumber(flagPR int) (int, error) {
	if flagPR > 0 {
		return flagPR, nil
	}
	p, err := e.prEvent()
	if err != nil || p == nil {
		return 0, err
	}
	return p.PullRequest.Number, nil
}

// prEvent returns the payload of a pull_request event, or nil for others.
func (e *Env) prEvent() (*event.Payload, error) {
	name, path := e.GitHub.EventName, e.GitHub.EventPath
	if (name != "pull_request" && name != "pull_request_target") || path == "" {
		return nil, nil
	}
	p, err := event.ReadFile(path)
	if err != nil {
		return nil, fault.Usage(err)
	}
	if p.PullRequest == nil {
		return nil, fault.Usagef("event file %s: %s event without a \"pull_request\" object", path, name)
	}
	return p, nil
}

// commit is --sha, else the PR head (GITHUB_SHA is the merge commit for a
// pull_request event), else GITHUB_SHA, else the local checkout's HEAD.
func (e *Env) commit(ctx context.Context, flagSHA string) (string, error) {
	if v := flagSHA; v != "" {
		return v, nil
	}
	p, err := e.prEvent()
	if err != nil {
		return "", err
	}
	if p != nil {
		return p.PullRequest.Head.SHA, nil
	}
	if v := e.GitHub.SHA; v != "" {
		return v, nil
	}
	var out, errb bytes.Buffer
	if err := e.Services.Runner.Run(ctx, proc.Cmd{Name: "git", Args: []string{"rev-parse", "HEAD"}, Stdout: &out, Stderr: &errb}); err != nil {
		return "", fault.Usagef("mlops build: no commit to tag the image with (git rev-parse HEAD: %v %s); pass --sha or --tag", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// reportImage prints the image reference (data, stdout) and records it as
// step outputs and in the job summary.
func (e *Env) reportImage(title string, req image.Request, res image.Result) {
	fmt.Fprintln(e.Stdout, res.Ref())
	state := "built and pushed"
	switch {
	case !res.Built:
		state = "already in ECR; not rebuilt"
	case !req.Push:
		state = "built locally; not pushed"
	}
	e.Action.Logf("image %s: %s", res.Ref(), state)
	e.Action.SetOutput("image-uri", res.Ref())
	e.Action.SetOutput("image-tag", res.Tag)
	e.Action.SetOutput("image-digest", res.Digest)
	e.Action.SetOutput("built", strconv.FormatBool(res.Built))
	t := report.Table{Header: []string{"image", "tag", "digest", "state"}}
	t.AddRow("`"+res.Repository+"`", "`"+res.Tag+"`", "`"+res.Digest+"`", state)
	e.Action.Summary("### " + title + "\n\n" + t.Markdown())
}
