package image_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/image/imagetest"
)

const (
	repoName = "ecs-mlops/endpoint"
	sha      = "0d1f5a8b0a6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d"
	repoURI  = awsfake.DefaultRegistry + "/" + repoName
	cacheURI = awsfake.DefaultRegistry + "/" + repoName + "-cache"
)

// The ECR fake, plain and as a role, answers every call image makes.
var (
	_ image.ECRAPI = (*awsfake.ECR)(nil)
	_ image.ECRAPI = (*awsfake.GatedECR)(nil)
)

func newBuilder(t *testing.T) (*image.Builder, *awsfake.ECR, *imagetest.Docker, *[]string) {
	t.Helper()
	reg := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	d := &imagetest.Docker{ECR: reg}
	var masked []string
	return &image.Builder{ECR: reg, Run: d, Mask: func(s string) { masked = append(masked, s) }}, reg, d, &masked
}

func request(push bool) image.Request {
	return image.Request{Repository: repoName, Tag: sha, Context: "endpoint", Dockerfile: "endpoint/Dockerfile", Platform: "linux/amd64", Push: push}
}

// argv returns the commands run, with the temporary metadata path replaced.
func argv(t *testing.T, d *imagetest.Docker) [][]string {
	t.Helper()
	var out [][]string
	for _, c := range d.Calls() {
		a := slices.Clone(c.Argv)
		for i := range a {
			if i > 0 && a[i-1] == "--metadata-file" {
				if filepath.Base(a[i]) != "metadata.json" {
					t.Errorf("metadata file %q", a[i])
				}
				a[i] = "<metadata.json>"
			}
		}
		out = append(out, a)
	}
	return out
}

func TestBuildPushesNewImage(t *testing.T) {
	t.Parallel()
	b, reg, d, masked := newBuilder(t)
	res, err := b.Build(context.Background(), request(true))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if diff := cmp.Diff(image.Result{Repository: repoURI, Tag: sha, Digest: imagetest.MetadataDigest, Built: true}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(repoURI+"@"+imagetest.MetadataDigest, res.Ref()); diff != "" {
		t.Errorf("image reference (-want +got):\n%s", diff)
	}
	want := [][]string{
		{"docker", "buildx", "version"},
		{"docker", "login", "--username", "AWS", "--password-stdin", awsfake.DefaultRegistry},
		{"docker", "buildx", "build", "--platform", "linux/amd64", "--file", "endpoint/Dockerfile", "--tag", repoURI + ":" + sha,
			"--provenance=false", "--metadata-file", "<metadata.json>",
			"--cache-from", "type=registry,ref=" + cacheURI + ":buildcache",
			"--cache-to", "type=registry,ref=" + cacheURI + ":buildcache,mode=max,image-manifest=true,oci-mediatypes=true",
			"--push", "endpoint"},
		{"docker", "logout", awsfake.DefaultRegistry},
	}
	if diff := cmp.Diff(want, argv(t, d)); diff != "" {
		t.Errorf("docker commands (-want +got):\n%s", diff)
	}
	calls := d.Calls()
	if calls[1].Stdin != awsfake.ECRPassword {
		t.Errorf("docker login stdin = %q, want the registry password", calls[1].Stdin)
	}
	if !slices.Contains(*masked, awsfake.ECRPassword) {
		t.Error("registry password was not masked")
	}
	if d.LoggedIn(awsfake.DefaultRegistry) {
		t.Error("registry login left behind for later steps")
	}
	r := reg.Repo(repoName)
	if r == nil || r.Mutability != types.ImageTagMutabilityImmutable || !r.ScanOnPush || r.Lifecycle != image.LifecyclePolicy {
		t.Errorf("image repository = %+v, want immutable tags, scan on push and the lifecycle policy", r)
	}
	if r.Images[sha] != imagetest.MetadataDigest {
		t.Errorf("registry has %s → %q, want the pushed digest", sha, r.Images[sha])
	}
	if c := reg.Repo(repoName + "-cache"); c == nil || c.Mutability != types.ImageTagMutabilityMutable || c.Lifecycle != image.CacheLifecyclePolicy {
		t.Errorf("cache repository = %+v, want mutable tags and the cache lifecycle", c)
	}
}

// A pull request image goes to the preview repository, created with the
// preview lifecycle, with its own build cache: the main repository and its
// cache are never touched, so the preview role needs no write there.
func TestBuildPreviewUsesPreviewRepository(t *testing.T) {
	t.Parallel()
	b, reg, _, _ := newBuilder(t)
	req := request(true)
	req.Repository, req.Tag, req.Preview = repoName+"-preview", "pr-7-"+sha, true
	res, err := b.Build(context.Background(), req)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if want := repoURI + "-preview"; res.Repository != want {
		t.Errorf("image repository = %q, want %q", res.Repository, want)
	}
	r := reg.Repo(repoName + "-preview")
	if r == nil || r.Mutability != types.ImageTagMutabilityImmutable || !r.ScanOnPush || r.Lifecycle != image.PreviewLifecyclePolicy {
		t.Errorf("preview repository = %+v, want immutable tags, scan on push and the preview lifecycle", r)
	}
	if c := reg.Repo(repoName + "-preview-cache"); c == nil {
		t.Error("preview builds have no cache repository of their own")
	}
	for _, name := range []string{repoName, repoName + "-cache"} {
		if reg.Repo(name) != nil {
			t.Errorf("a preview build created or wrote %s", name)
		}
	}
}

func TestBuildCreatesRepositoryOnlyWhenMissing(t *testing.T) {
	t.Parallel()
	b, reg, _, _ := newBuilder(t)
	reg.AddRepo(repoName, types.ImageTagMutabilityImmutable)
	reg.AddRepo(image.CacheRepository(repoName), types.ImageTagMutabilityMutable)
	reg.SetLifecycle(repoName, image.LifecyclePolicy)
	reg.SetLifecycle(image.CacheRepository(repoName), image.CacheLifecyclePolicy)
	if _, err := b.Build(context.Background(), request(true)); err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := []string{"DescribeRepositories", "GetLifecyclePolicy", "DescribeImages", "DescribeRepositories", "GetLifecyclePolicy", "GetAuthorizationToken"}
	if diff := cmp.Diff(want, reg.Calls()); diff != "" {
		t.Errorf("ECR calls (-want +got):\n%s", diff)
	}
}

func TestBuildSkipsExistingTag(t *testing.T) {
	t.Parallel()
	b, reg, d, _ := newBuilder(t)
	reg.AddRepo(repoName, types.ImageTagMutabilityImmutable)
	old := "sha256:" + strings.Repeat("a", 64)
	if err := reg.Push(repoName, sha, old); err != nil {
		t.Fatal(err)
	}
	res, err := b.Build(context.Background(), request(true))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if diff := cmp.Diff(image.Result{Repository: repoURI, Tag: sha, Digest: old}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"docker", "buildx", "version"}}, argv(t, d)); diff != "" {
		t.Errorf("docker commands (-want +got):\n%s", diff)
	}
}

func TestBuildTagTakenDuringPush(t *testing.T) {
	t.Parallel()
	b, reg, d, _ := newBuilder(t)
	other := "sha256:" + strings.Repeat("b", 64)
	d.BeforeBuild = func() { _ = reg.Push(repoName, sha, other) }
	res, err := b.Build(context.Background(), request(true))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if diff := cmp.Diff(image.Result{Repository: repoURI, Tag: sha, Digest: other}, res); diff != "" {
		t.Errorf("an immutable tag pushed by another run counts as built (-want +got):\n%s", diff)
	}
}

func TestBuildLocalTouchesNoAWS(t *testing.T) {
	t.Parallel()
	b, reg, d, _ := newBuilder(t)
	req := request(false)
	req.BuildArgs = []string{"VERSION=" + sha}
	res, err := b.Build(context.Background(), req)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := reg.Calls(); len(got) != 0 {
		t.Errorf("ECR calls without --push: %v", got)
	}
	want := [][]string{
		{"docker", "buildx", "version"},
		{"docker", "buildx", "build", "--platform", "linux/amd64", "--file", "endpoint/Dockerfile", "--tag", repoName + ":" + sha, "--provenance=false", "--metadata-file", "<metadata.json>", "--build-arg", "VERSION=" + sha, "--load", "endpoint"},
	}
	if diff := cmp.Diff(want, argv(t, d)); diff != "" {
		t.Errorf("docker commands (-want +got):\n%s", diff)
	}
	if res.Ref() != repoName+"@"+imagetest.MetadataDigest {
		t.Errorf("Ref = %q", res.Ref())
	}
}

func TestBuildFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		setup     func(*awsfake.ECR, *imagetest.Docker)
		want      []string
		usage     bool
		noECRCall bool
	}{
		{"docker missing", func(_ *awsfake.ECR, d *imagetest.Docker) { d.Missing = true }, []string{"docker is not installed"}, true, true},
		{"buildx missing", func(_ *awsfake.ECR, d *imagetest.Docker) { d.NoBuildx = true },
			[]string{"docker buildx is not available (docker buildx version exited with status 1): docker: 'buildx' is not a docker command."}, true, true},
		{"build fails", func(_ *awsfake.ECR, d *imagetest.Docker) {
			d.BuildFails = `ERROR: failed to solve: process "/bin/sh -c go build ./..." did not complete successfully: exit code: 1`
		}, []string{"docker buildx build " + repoURI + ":" + sha + ": docker buildx exited with status 1", `did not complete successfully: exit code: 1`}, false, false},
		{"ECR denied", func(r *awsfake.ECR, _ *imagetest.Docker) {
			r.FailOn("DescribeRepositories", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-preview/x is not authorized to perform: ecr:DescribeRepositories"})
		}, []string{`describe ECR repository "ecs-mlops/endpoint"`, "AccessDeniedException"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, reg, d, _ := newBuilder(t)
			tc.setup(reg, d)
			_, err := b.Build(context.Background(), request(true))
			if err == nil {
				t.Fatal("Build succeeded")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if fault.IsUsage(err) != tc.usage {
				t.Errorf("usage error = %v, want %v", fault.IsUsage(err), tc.usage)
			}
			if tc.usage && fault.Hint(err) == "" {
				t.Error("setup error without a hint")
			}
			if tc.noECRCall && len(reg.Calls()) != 0 {
				t.Errorf("ECR called before docker was checked: %v", reg.Calls())
			}
		})
	}
}

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	real, err := os.ReadFile("imagetest/testdata/buildx-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, want, err string
	}{
		{"buildx reference example", string(real), imagetest.MetadataDigest, ""},
		{"no digest (old buildx or --load on the docker driver)", `{"buildx.build.ref":"x"}`, "", `containerimage.digest "" is not a sha256 digest`},
		{"not JSON", `ERROR`, "", "not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := image.ParseMetadata([]byte(tc.data))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("digest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sha  string
		pr   int
		want string
		err  bool
	}{
		{sha, 0, sha, false},
		{sha, 7, "pr-7-" + sha, false},
		{"ABC", 0, "", true},
		{"main", 3, "", true},
	} {
		got, err := image.Tag(tc.sha, tc.pr)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Tag(%q, %d) = %q, %v; want %q (error %v)", tc.sha, tc.pr, got, err, tc.want, tc.err)
		}
	}
	for tag, ok := range map[string]bool{"v1.2.3": true, "pr-4-abc": true, "-x": false, "a b": false, strings.Repeat("a", 129): false} {
		if err := image.CheckTag(tag); (err == nil) != ok {
			t.Errorf("CheckTag(%q) = %v, want ok=%v", tag, err, ok)
		}
	}
}

// TestBuildSetsLifecyclePolicyLater: a repository whose lifecycle policy
// is missing (its PutLifecyclePolicy failed after CreateRepository) or
// different gets it on a later build; one that has it is not written; a
// build that may not read the policy still builds.
func TestBuildSetsLifecyclePolicyLater(t *testing.T) {
	t.Parallel()
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-deploy/x is not authorized to perform: ecr:GetLifecyclePolicy"}
	same := strings.ReplaceAll(image.LifecyclePolicy, ",", ", ") // the same document, spaced otherwise
	for _, tc := range []struct {
		name   string
		setup  func(*testing.T, *image.Builder, *awsfake.ECR)
		want   string
		puts   int
		logged string
	}{
		{"put failed after create", func(t *testing.T, b *image.Builder, reg *awsfake.ECR) {
			reg.FailOn("PutLifecyclePolicy", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"})
			if _, err := b.Build(context.Background(), request(true)); err == nil || !strings.Contains(err.Error(), "put lifecycle policy") {
				t.Fatalf("first build = %v, want the lifecycle policy's failure", err)
			}
			reg.FailOn("PutLifecyclePolicy", nil)
		}, image.LifecyclePolicy, 3, "ECR repository ecs-mlops/endpoint has no lifecycle policy; setting it"},
		{"different policy", func(_ *testing.T, _ *image.Builder, reg *awsfake.ECR) {
			reg.AddRepo(repoName, types.ImageTagMutabilityImmutable)
			reg.SetLifecycle(repoName, image.PreviewLifecyclePolicy)
		}, image.LifecyclePolicy, 2, "ECR repository ecs-mlops/endpoint has a different lifecycle policy; setting the suite's"},
		{"same policy", func(_ *testing.T, _ *image.Builder, reg *awsfake.ECR) {
			reg.AddRepo(repoName, types.ImageTagMutabilityImmutable)
			reg.SetLifecycle(repoName, same)
		}, same, 1, ""},
		{"policy unreadable", func(_ *testing.T, _ *image.Builder, reg *awsfake.ECR) {
			reg.AddRepo(repoName, types.ImageTagMutabilityImmutable)
			reg.FailOn("GetLifecyclePolicy", denied)
		}, "", 1, `warning: read the lifecycle policy of ECR repository "ecs-mlops/endpoint"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, reg, _, _ := newBuilder(t)
			var log []string
			b.Logf = func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }
			tc.setup(t, b, reg)
			if _, err := b.Build(context.Background(), request(true)); err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := reg.Repo(repoName).Lifecycle; got != tc.want {
				t.Errorf("lifecycle policy %q, want %q", got, tc.want)
			}
			// One put is the cache repository's, created by the build;
			// a failed first attempt counts too.
			if n := count(reg.Calls(), "PutLifecyclePolicy"); n != tc.puts {
				t.Errorf("%d PutLifecyclePolicy calls, want %d: %v", n, tc.puts, reg.Calls())
			}
			if tc.logged != "" && !strings.Contains(strings.Join(log, "\n"), tc.logged) {
				t.Errorf("log lacks %q:\n%s", tc.logged, strings.Join(log, "\n"))
			}
		})
	}
}

func count(calls []string, op string) int {
	n := 0
	for _, c := range calls {
		if c == op {
			n++
		}
	}
	return n
}
