// Package image builds the endpoint image with docker buildx and pushes it
// to Amazon ECR, once per commit: a tag that is already in the (immutable)
// repository is reported, not rebuilt.
package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/proc"
)

// Builder builds and pushes images.
type Builder struct {
	ECR    ECRAPI
	Run    proc.Runner
	Output io.Writer                     // docker's own output (the job log); nil discards
	Logf   func(format string, a ...any) // progress lines; nil discards
	Mask   func(string)                  // hides the registry password in the job log; may be nil
	// Getenv reads the environment the docker commands inherit
	// (RUNNER_TEMP, DOCKER_CONFIG, HOME ...), to place a push's private
	// docker configuration and find the user's plugins and builders in
	// it (see newDockerConfig); nil reads nothing.
	Getenv func(string) string
}

// Request is one image to build.
type Request struct {
	Repository string // ECR repository name, e.g. ecs-mlops/endpoint
	Tag        string
	Context    string   // build context directory
	Dockerfile string   // "" means <Context>/Dockerfile
	Platform   string   // e.g. linux/amd64; "" builds for the runner's platform
	BuildArgs  []string // KEY=VALUE, passed as --build-arg
	Push       bool     // false builds locally only and touches no AWS resource
	// Preview marks a pull request image: Repository is the preview
	// repository, created (when missing) with PreviewLifecyclePolicy.
	Preview bool
}

// Result is the image a request produced or found.
type Result struct {
	Repository string // repository URI (registry host/name); local name when not pushed
	Tag        string
	Digest     string // sha256:...
	Built      bool   // false when the tag already existed in ECR
}

// Ref is the image reference deploys take: <repository URI>@<digest>.
func (r Result) Ref() string {
	if r.Digest == "" {
		return r.Repository + ":" + r.Tag
	}
	return r.Repository + "@" + r.Digest
}

var digestRe = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// Build makes sure req's image exists: with Push, in ECR (the repository is
// created when missing; an existing tag is reused without building);
// without Push, in the local docker image store. A push runs every docker
// command with a private DOCKER_CONFIG that is removed when Build returns,
// whether it succeeded, failed or was cancelled.
func (b *Builder) Build(ctx context.Context, req Request) (res Result, err error) {
	if !req.Push {
		if err := b.checkDocker(ctx, nil); err != nil {
			return Result{}, err
		}
		return b.buildLocal(ctx, req)
	}
	cfg, err := b.newDockerConfig()
	if err != nil {
		return Result{}, err
	}
	defer func() { err = errors.Join(err, cfg.remove()) }()
	if err := b.checkDocker(ctx, cfg.env); err != nil {
		return Result{}, err
	}
	return b.push(ctx, req, cfg.env)
}

// push builds and pushes req with the docker environment env.
func (b *Builder) push(ctx context.Context, req Request, env []string) (Result, error) {
	lifecycle := LifecyclePolicy
	if req.Preview {
		lifecycle = PreviewLifecyclePolicy
	}
	uri, err := b.ensure(ctx, repoSpec{name: req.Repository, lifecycle: lifecycle})
	if err != nil {
		return Result{}, err
	}
	res := Result{Repository: uri, Tag: req.Tag}
	if res.Digest, err = b.existing(ctx, req.Repository, req.Tag); err != nil || res.Digest != "" {
		if res.Digest != "" {
			b.logf("image %s:%s already exists (%s); not building it again", uri, req.Tag, res.Digest)
		}
		return res, err
	}
	cacheURI, err := b.ensure(ctx, repoSpec{name: CacheRepository(req.Repository), mutable: true, lifecycle: CacheLifecyclePolicy})
	if err != nil {
		return Result{}, err
	}
	login, err := b.authorization(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := b.docker(ctx, env, strings.NewReader(login.password), nil, "login", "--username", login.user, "--password-stdin", login.host); err != nil {
		return Result{}, fmt.Errorf("docker login to %s: %w", login.host, err)
	}
	// Log out again as soon as the push is done; the directory holding the
	// login is removed after this as well.
	defer func() { _ = b.docker(context.WithoutCancel(ctx), env, nil, nil, "logout", login.host) }()
	digest, err := b.buildx(ctx, env, req, uri+":"+req.Tag,
		"--cache-from", "type=registry,ref="+cacheURI+":buildcache",
		"--cache-to", "type=registry,ref="+cacheURI+":buildcache,mode=max,image-manifest=true,oci-mediatypes=true",
		"--push")
	if errors.Is(err, errTagExists) {
		// Another run pushed the same commit first; its image is as good.
		res.Digest, err = b.existing(ctx, req.Repository, req.Tag)
		if err == nil && res.Digest == "" {
			err = fmt.Errorf("push %s:%s: ECR says the tag exists but DescribeImages does not find it", uri, req.Tag)
		}
		return res, err
	}
	if err != nil {
		return Result{}, err
	}
	res.Digest, res.Built = digest, true
	return res, nil
}

func (b *Builder) buildLocal(ctx context.Context, req Request) (Result, error) {
	ref := req.Repository + ":" + req.Tag
	digest, err := b.buildx(ctx, nil, req, ref, "--load")
	if err != nil {
		return Result{}, err
	}
	return Result{Repository: req.Repository, Tag: req.Tag, Digest: digest, Built: true}, nil
}

// errTagExists is a push refused because the immutable tag is taken.
var errTagExists = errors.New("image tag already exists")

// buildx runs docker buildx build for ref and returns the digest from the
// metadata file; env is the docker environment of a push (nil: inherited).
func (b *Builder) buildx(ctx context.Context, env []string, req Request, ref string, extra ...string) (string, error) {
	dir, err := os.MkdirTemp("", "mlops-build-")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", ref, err)
	}
	defer os.RemoveAll(dir)
	meta := filepath.Join(dir, "metadata.json")
	args := []string{"buildx", "build"}
	if req.Platform != "" {
		args = append(args, "--platform", req.Platform)
	}
	dockerfile := req.Dockerfile
	if dockerfile == "" {
		dockerfile = filepath.Join(req.Context, "Dockerfile")
	}
	// --provenance=false keeps one manifest per image: an attestation index
	// would leave untagged children that the lifecycle's untagged rule expires.
	args = append(args, "--file", dockerfile, "--tag", ref, "--provenance=false", "--metadata-file", meta)
	for _, a := range req.BuildArgs {
		args = append(args, "--build-arg", a)
	}
	args = append(args, extra...)
	args = append(args, req.Context)
	tail := &tailBuffer{max: 4096}
	if err := b.docker(ctx, env, nil, tail, args...); err != nil {
		if strings.Contains(tail.String(), "ImageTagAlreadyExistsException") || strings.Contains(tail.String(), "cannot be overwritten because the repository is immutable") {
			return "", errTagExists
		}
		return "", fmt.Errorf("docker buildx build %s: %w\n%s", ref, err, lastLines(tail.String(), 5))
	}
	data, err := os.ReadFile(meta)
	if err != nil {
		return "", fmt.Errorf("docker buildx build %s: read metadata file: %w", ref, err)
	}
	if !req.Push {
		// A local image has no registry digest to deploy by; the docker
		// driver may not write one at all, and the tag names the image.
		d, _ := ParseMetadata(data)
		return d, nil
	}
	return ParseMetadata(data)
}

// ParseMetadata reads the image digest from a buildx --metadata-file.
// https://docs.docker.com/reference/cli/docker/buildx/build/#metadata-file
func ParseMetadata(data []byte) (string, error) {
	var m struct {
		Digest string `json:"containerimage.digest"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("buildx metadata file: not JSON: %w", err)
	}
	if !digestRe.MatchString(m.Digest) {
		return "", fmt.Errorf("buildx metadata file: containerimage.digest %q is not a sha256 digest; buildx 0.7 or later writes it", m.Digest)
	}
	return m.Digest, nil
}

// checkDocker fails early, as bad setup, when docker or buildx is missing
// (with a push's env, also when the private configuration hides buildx).
func (b *Builder) checkDocker(ctx context.Context, env []string) error {
	tail := &tailBuffer{max: 1024}
	err := b.Run.Run(ctx, proc.Cmd{Name: "docker", Args: []string{"buildx", "version"}, Stdout: io.Discard, Stderr: tail, Env: env})
	var ee *proc.ExitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, proc.ErrNotFound):
		return fault.Usage(fault.WithHint(errors.New("docker is not installed: mlops build runs docker buildx"),
			"install Docker Engine with the buildx plugin, or run the job on a GitHub-hosted runner such as ubuntu-latest, which has both"))
	case errors.As(err, &ee):
		return fault.Usage(fault.WithHint(fmt.Errorf("docker buildx is not available (docker buildx version exited with status %d): %s", ee.Code, lastLines(tail.String(), 2)),
			"install the buildx plugin (Debian/Ubuntu package docker-buildx-plugin), or add docker/setup-buildx-action before this step"))
	}
	return fmt.Errorf("docker buildx version: %w", err)
}

func (b *Builder) docker(ctx context.Context, env []string, stdin io.Reader, stderr io.Writer, args ...string) error {
	out := b.Output
	if out == nil {
		out = io.Discard
	}
	errw := out
	if stderr != nil {
		errw = io.MultiWriter(out, stderr)
	}
	return b.Run.Run(ctx, proc.Cmd{Name: "docker", Args: args, Stdin: stdin, Stdout: out, Stderr: errw, Env: env})
}

func (b *Builder) logf(format string, a ...any) {
	if b.Logf != nil {
		b.Logf(format, a...)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.TrimSpace([]byte(strings.Join(lines, "\n"))))
}
