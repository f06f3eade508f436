package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
)

// syncBuildRequest resolves the build of the weight-sync image: the mlops
// binary alone (mlops.Dockerfile), built from the repository root and
// pushed to image.sync.repository (default <image.repository>-sync) under
// the commit's SHA. The weight-sync task runs it, so the sync never needs
// mlops inside the endpoint image. Endpoint A's deploy builds it; a pull
// request cannot push it (the preview role has no access to that
// repository, and the image writes production weights).
func (e *Env) syncBuildRequest(ctx context.Context, o *buildOptions, cfg *config.Config) (image.Request, int, error) {
	push := o.Push
	req := image.Request{
		Repository: cmp.Or(o.Repository, cfg.Image.SyncRepo()),
		Context:    cmp.Or(o.Context, "."),
		Dockerfile: cmp.Or(o.Dockerfile, cfg.Image.Sync.Dockerfile, config.DefaultSyncDockerfile),
		Platform:   cmp.Or(o.Platform, cfg.Image.Platform),
		Push:       push,
	}
	if req.Repository == "" {
		return req, 0, fault.Usagef("%s: neither image.sync.repository nor image.repository is set; name the weight-sync image's ECR repository (e.g. ecs-mlops/endpoint-sync) or pass --repository", cfg.Path)
	}
	pr, err := e.prNumber(o.PR)
	if err != nil {
		return req, 0, err
	}
	if pr > 0 && push {
		return req, 0, fault.Usagef("mlops build --sync-image: pull request #%d: the weight-sync image is pushed by endpoint A's deploy only, never from a pull request (it writes the production weights); build it without --push to try it", pr)
	}
	if tag := o.Tag; tag != "" {
		req.Tag = tag
		return req, 0, fault.Usage(image.CheckTag(tag))
	}
	sha, err := e.commit(ctx, o.SHA)
	if err != nil {
		return req, 0, err
	}
	if req.Tag, err = image.Tag(sha, 0); err != nil {
		return req, 0, fault.Usagef("mlops build --sync-image: %w; pass --sha or --tag", err)
	}
	return req, 0, nil
}

// withVersion passes the tag to mlops.Dockerfile as VERSION (what mlops
// version reports inside the image) unless a build argument sets it.
func withVersion(args []string, tag string) []string {
	for _, a := range args {
		if strings.HasPrefix(a, "VERSION=") {
			return args
		}
	}
	return append(args, "VERSION="+tag)
}
