package cli

import (
	"bytes"
	"context"
	"flag"
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

func runBuild(ctx context.Context, e *Env, args []string) error {
	fs := e.flags("build", "[--sync-image] [--tag T] [--push] [--platform P] [--sha SHA] [--pr N] [--build-arg K=V] [--config FILE]")
	fs.Bool("sync-image", false, "build the weight-sync image (the mlops binary alone, image.sync) instead of the endpoint image")
	fs.String("tag", "", "image tag (default: the commit SHA, pr-<N>-<sha> for a pull request)")
	fs.Bool("push", false, "push to ECR (creating the repository when missing); without it the image is only built locally")
	fs.String("platform", "", "target platform, e.g. linux/amd64 (default image.platform)")
	fs.String("sha", "", "commit to tag the image with (default: the event's commit, else git rev-parse HEAD)")
	fs.String("pr", "", "pull request number for a preview image (default: from a pull_request event)")
	fs.String("repository", "", "ECR repository name (default image.repository; image.preview_repository for a pull request; image.sync.repository with --sync-image)")
	fs.String("context", "", "build context directory (default image.context; the repository root with --sync-image)")
	fs.String("dockerfile", "", "Dockerfile (default image.dockerfile, else <context>/Dockerfile; image.sync.dockerfile, else mlops.Dockerfile with --sync-image)")
	var buildArgs multiFlag
	fs.Var(&buildArgs, "build-arg", "build argument KEY=VALUE (repeatable; action input build-args, one per line)")
	configFlag(fs)
	if err := e.parse(fs, args, false); err != nil {
		return err
	}
	cfg, err := e.loadConfig(fs)
	if err != nil {
		return err
	}
	sync, err := e.resolveBool(fs, "build", "sync-image")
	if err != nil {
		return err
	}
	build := e.buildRequest
	if sync {
		build = e.syncBuildRequest
	}
	req, pr, err := build(ctx, fs, cfg)
	if err != nil {
		return err
	}
	if req.BuildArgs, err = e.buildArgs(buildArgs); err != nil {
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
func (e *Env) buildRequest(ctx context.Context, fs *flag.FlagSet, cfg *config.Config) (image.Request, int, error) {
	push, err := e.resolveBool(fs, "build", "push")
	if err != nil {
		return image.Request{}, 0, err
	}
	req := image.Request{
		Repository: e.resolve(fs, "repository", cfg.Image.Repository, ""),
		Context:    e.resolve(fs, "context", cfg.Image.Context, "."),
		Dockerfile: e.resolve(fs, "dockerfile", cfg.Image.Dockerfile, ""),
		Platform:   e.resolve(fs, "platform", cfg.Image.Platform, ""),
		Push:       push,
	}
	if req.Repository == "" {
		return req, 0, fault.Usagef("%s: image.repository is not set; name the ECR repository there (e.g. ecs-mlops/endpoint) or pass --repository", cfg.Path)
	}
	pr, err := e.prNumber(fs)
	if err != nil {
		return req, 0, err
	}
	if pr > 0 {
		// A pull request's image goes to the preview repository, the only
		// one the preview role may push to and delete from.
		req.Repository, req.Preview = e.resolve(fs, "repository", cfg.Image.PreviewRepo(), ""), true
	}
	if tag := e.resolve(fs, "tag", "", "", "MLOPS_IMAGE_TAG"); tag != "" {
		req.Tag = tag
		return req, pr, fault.Usage(image.CheckTag(tag))
	}
	sha, err := e.commit(ctx, fs)
	if err != nil {
		return req, 0, err
	}
	if req.Tag, err = image.Tag(sha, pr); err != nil {
		return req, 0, fault.Usagef("mlops build: %w; pass --sha or --tag", err)
	}
	return req, pr, nil
}

// buildArgs are the --build-arg flags, else the build-args input (one per line).
func (e *Env) buildArgs(flags []string) ([]string, error) {
	args := flags
	if len(args) == 0 {
		for _, l := range strings.Split(e.Action.Input("build-args"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				args = append(args, l)
			}
		}
	}
	for _, a := range args {
		if k, _, ok := strings.Cut(a, "="); !ok || k == "" {
			return nil, fault.Usagef("mlops build: build argument %q is not KEY=VALUE", a)
		}
	}
	return args, nil
}

// prNumber is --pr, else the number of a pull_request event.
func (e *Env) prNumber(fs *flag.FlagSet) (int, error) {
	if v := e.resolve(fs, "pr", "", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return 0, fault.Usagef("mlops build: pr %q is not a pull request number", v)
		}
		return n, nil
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
func (e *Env) commit(ctx context.Context, fs *flag.FlagSet) (string, error) {
	if v := e.resolve(fs, "sha", "", ""); v != "" {
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
