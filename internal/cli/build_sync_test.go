package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/image/imagetest"
)

// TestBuildSyncImage: --sync-image (or the sync-image input) builds
// mlops.Dockerfile from the repository root, whatever image.context says,
// and pushes it under the commit SHA to <image.repository>-sync with its
// build cache beside it; the endpoint repository is not touched.
func TestBuildSyncImage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		input bool
	}{
		{"flag", []string{"build", "--push", "--sync-image"}, false},
		{"action input", []string{"build", "--push"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newActionsJob(t, "repo:Codertocat/Hello-World:ref:refs/heads/master")
			j.env["RUNNER_TEMP"], j.env["HOME"] = t.TempDir(), t.TempDir()
			j.docker.Home = j.env["HOME"]
			if tc.input {
				j.env["INPUT_SYNC_IMAGE"] = "true"
			}
			if code := j.run(t, tc.args...); code != ExitOK {
				t.Fatalf("exit %d\nstderr:\n%s", code, j.stderr.String())
			}
			const sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
			ref := awsfake.DefaultRegistry + "/ecs-mlops/endpoint-sync@" + imagetest.MetadataDigest
			if diff := cmp.Diff(ref+"\n", j.stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if r := j.ecr.Repo("ecs-mlops/endpoint-sync"); r == nil || r.Images[sha] == "" {
				t.Errorf("ECR repository ecs-mlops/endpoint-sync has no image %s", sha)
			}
			if j.ecr.Repo("ecs-mlops/endpoint-sync-cache") == nil || j.ecr.Repo("ecs-mlops/endpoint") != nil {
				t.Error("want the sync repository's build cache and no endpoint repository")
			}
			var build []string
			for _, c := range j.docker.Calls() {
				if len(c.Argv) > 2 && c.Argv[1] == "buildx" && c.Argv[2] == "build" {
					build = c.Argv
				}
			}
			for _, want := range [][]string{{"--file", "mlops.Dockerfile"}, {"--build-arg", "VERSION=" + sha}, {"--platform", "linux/amd64"}} {
				if i := slices.Index(build, want[0]); i < 0 || !slices.Contains(build[i:], want[1]) {
					t.Errorf("docker %v lacks %s %s", build, want[0], want[1])
				}
			}
			if build[len(build)-1] != "." {
				t.Errorf("build context %q, want the repository root (image.context is the endpoint's)", build[len(build)-1])
			}
			if s := j.file(t, "summary"); !strings.Contains(s, "### Weight-sync image") {
				t.Errorf("summary:\n%s", s)
			}
		})
	}
}

// A pull request never pushes the weight-sync image, and the refusal comes
// before any AWS call.
func TestBuildSyncImageRefusesPullRequests(t *testing.T) {
	t.Parallel()
	j := newActionsJob(t, "repo:Codertocat/Hello-World:pull_request")
	j.env["GITHUB_EVENT_NAME"], j.env["GITHUB_EVENT_PATH"] = "pull_request", fixtures.GitHubEventPath(t, "pull_request.labeled.json")
	code := j.run(t, "build", "--push", "--sync-image")
	if code != ExitUsage || !strings.Contains(j.stderr.String(), "pull request #2: the weight-sync image is pushed by endpoint A's deploy only") {
		t.Fatalf("exit %d, stderr:\n%s", code, j.stderr.String())
	}
	if len(j.sts.Issued()) != 0 || len(j.docker.Calls()) != 0 {
		t.Errorf("credentials issued %d, docker calls %v; want none", len(j.sts.Issued()), j.docker.Calls())
	}
}
