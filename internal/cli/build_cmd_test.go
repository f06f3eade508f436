package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsauth/awsauthtest"
	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/image/imagetest"
)

const testConfig = `version: 1
region: eu-west-1
image:
  repository: ecs-mlops/endpoint
  context: endpoint
  dockerfile: endpoint/Dockerfile
  platform: linux/amd64
roles:
  deploy: arn:aws:iam::123456789012:role/ecs-mlops-deploy
  preview: arn:aws:iam::123456789012:role/ecs-mlops-preview
environments:
  ep-a:
    stack: ecs-mlops-ep-a
    template: cf_templates/create-ep-a.yaml
`

// actionsJob is a GitHub Actions job on Codertocat/Hello-World with an OIDC
// token endpoint, an STS endpoint and fakes of ECR and docker.
type actionsJob struct {
	env            map[string]string
	dir            string
	tokens         *awsauthtest.TokenServer
	sts            *awsauthtest.STS
	ecr            *awsfake.ECR
	docker         *imagetest.Docker
	usedKeys       []string // access key IDs the ECR client was built with
	stdout, stderr bytes.Buffer
}

func newActionsJob(t *testing.T, sub string) *actionsJob {
	t.Helper()
	dir := t.TempDir()
	j := &actionsJob{
		dir:    dir,
		tokens: awsauthtest.NewTokenServer(t, awsauthtest.Claims("Codertocat/Hello-World", sub)),
		sts:    awsauthtest.NewSTS(t, clock.NewFake(time.Now())),
		ecr:    awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount),
	}
	j.docker = &imagetest.Docker{ECR: j.ecr}
	j.sts.Trust("arn:aws:iam::123456789012:role/ecs-mlops-deploy", "repo:Codertocat/Hello-World:ref:refs/heads/master")
	j.sts.Trust("arn:aws:iam::123456789012:role/ecs-mlops-preview", "repo:Codertocat/Hello-World:pull_request")
	cfgPath := filepath.Join(dir, "mlops.yml")
	must(t, os.WriteFile(cfgPath, []byte(testConfig), 0o644))
	j.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_REPOSITORY":   "Codertocat/Hello-World",
		"GITHUB_RUN_ID":       "1234567",
		"GITHUB_RUN_ATTEMPT":  "1",
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_EVENT_PATH":   fixtures.GitHubEventPath(t, "push.0.json"),
		"GITHUB_SHA":          "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_ENV":          filepath.Join(dir, "env"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"MLOPS_CONFIG":        cfgPath,
		"AWS_ENDPOINT_URL":    j.sts.URL,
	}
	for k, v := range j.tokens.Env() {
		j.env[k] = v
	}
	for _, f := range []string{"output", "env", "summary"} {
		must(t, os.WriteFile(filepath.Join(dir, f), nil, 0o644))
	}
	return j
}

func (j *actionsJob) run(t *testing.T, args ...string) int {
	t.Helper()
	e := NewTestEnv(&j.stdout, &j.stderr, j.env)
	e.Services.Runner = j.docker
	e.Services.ECR = func(c aws.Config) ECRAPI {
		// A real client signs with these credentials on its first call.
		creds, err := c.Credentials.Retrieve(context.Background())
		if err != nil {
			t.Errorf("ECR client without usable credentials: %v", err)
		}
		j.usedKeys = append(j.usedKeys, creds.AccessKeyID)
		return j.ecr
	}
	return RunEnv(context.Background(), args, e)
}

func (j *actionsJob) file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(j.dir, name))
	must(t, err)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestBuildInActionsKeepsCredentialsSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, sub, event, path, tag, repo, golden string
	}{
		{"push to the default branch", "repo:Codertocat/Hello-World:ref:refs/heads/master", "push", "push.0.json", "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "ecs-mlops/endpoint", "build/push"},
		// The preview role may push only to the preview repository.
		{"pull request preview", "repo:Codertocat/Hello-World:pull_request", "pull_request", "pull_request.labeled.json", "pr-2-ec26c3e57ca3a959ca5aad62de7213c562f8c821", "ecs-mlops/endpoint-preview", "build/pull_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newActionsJob(t, tc.sub)
			j.env["GITHUB_EVENT_NAME"], j.env["GITHUB_EVENT_PATH"] = tc.event, fixtures.GitHubEventPath(t, tc.path)
			j.env["RUNNER_TEMP"], j.env["HOME"] = t.TempDir(), t.TempDir()
			j.docker.Home = j.env["HOME"]
			if code := j.run(t, "build", "--push"); code != ExitOK {
				t.Fatalf("exit %d\nstderr:\n%s", code, j.stderr.String())
			}
			ref := awsfake.DefaultRegistry + "/" + tc.repo + "@" + imagetest.MetadataDigest
			if diff := cmp.Diff(ref+"\n", j.stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if got := j.file(t, "output"); !strings.Contains(got, ref) || !strings.Contains(got, tc.tag) {
				t.Errorf("outputs file lacks image-uri %s or tag %s:\n%s", ref, tc.tag, got)
			}
			if r := j.ecr.Repo(tc.repo); r == nil || r.Images[tc.tag] == "" {
				t.Errorf("ECR repository %s has no image %s", tc.repo, tc.tag)
			}
			golden.Check(t, tc.golden+".summary.md", j.file(t, "summary"))
			golden.Check(t, tc.golden+".log", withoutMaskCommands(j.stderr.String()))
			issued := j.sts.Issued()
			if len(issued) != 1 || len(j.usedKeys) != 1 || j.usedKeys[0] != issued[0].AccessKeyID {
				t.Fatalf("ECR client used keys %v; STS issued %+v", j.usedKeys, issued)
			}
			secrets := map[string]string{
				"access key ID":      issued[0].AccessKeyID,
				"secret access key":  issued[0].Secret,
				"session token":      issued[0].SessionT,
				"OIDC token":         issued[0].Token,
				"registry password":  awsfake.ECRPassword,
				"ECR authorization":  base64.StdEncoding.EncodeToString([]byte("AWS:" + awsfake.ECRPassword)),
				"token request auth": awsauthtest.RequestToken,
			}
			streams := map[string]string{
				"stdout":  j.stdout.String(),
				"stderr":  withoutMaskCommands(j.stderr.String()),
				"outputs": j.file(t, "output"),
				"env":     j.file(t, "env"),
				"summary": j.file(t, "summary"),
			}
			for sname, s := range streams {
				for cname, c := range secrets {
					if strings.Contains(s, c) {
						t.Errorf("%s contains the %s", sname, cname)
					}
				}
			}
			for _, c := range j.docker.Calls() {
				if strings.Contains(strings.Join(c.Argv, " "), awsfake.ECRPassword) {
					t.Errorf("registry password on a command line: %v", c.Argv)
				}
				// The login lives in a DOCKER_CONFIG of the run's own in
				// RUNNER_TEMP, never in the runner user's ~/.docker.
				if len(c.Env) != 1 || !strings.HasPrefix(c.Env[0], "DOCKER_CONFIG="+j.env["RUNNER_TEMP"]+string(filepath.Separator)) {
					t.Errorf("%v ran with environment %v, want only a DOCKER_CONFIG in RUNNER_TEMP", c.Argv, c.Env)
				}
			}
			if left, _ := os.ReadDir(j.env["RUNNER_TEMP"]); len(left) != 0 {
				t.Errorf("RUNNER_TEMP still holds %v after the build", left)
			}
			if _, err := os.Stat(filepath.Join(j.env["HOME"], ".docker")); err == nil {
				t.Error("the build wrote ~/.docker")
			}
			for _, masked := range []string{issued[0].Token, issued[0].Secret, issued[0].SessionT, awsfake.ECRPassword} {
				if !strings.Contains(j.stderr.String(), "::add-mask::"+masked+"\n") {
					t.Errorf("value %.12s... was not masked", masked)
				}
			}
		})
	}
}

// withoutMaskCommands drops ::add-mask:: lines: the runner consumes them
// and never shows them in the log.
func withoutMaskCommands(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestBuildDeniedRoleShowsClaims(t *testing.T) {
	t.Parallel()
	j := newActionsJob(t, "repo:Codertocat/Hello-World:environment:production")
	if code := j.run(t, "build", "--push"); code != ExitUsage {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, ExitUsage, j.stderr.String())
	}
	for _, s := range []string{
		"::error::assume role arn:aws:iam::123456789012:role/ecs-mlops-deploy (" + j.env["MLOPS_CONFIG"] + ": roles.deploy) with the GitHub OIDC token: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
		`::error::the token's claims: sub="repo:Codertocat/Hello-World:environment:production" aud="sts.amazonaws.com"`,
		`hint: check the trust policy of arn:aws:iam::123456789012:role/ecs-mlops-deploy`,
	} {
		if !strings.Contains(j.stderr.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, j.stderr.String())
		}
	}
	if calls := j.ecr.Calls(); len(calls) != 0 {
		t.Errorf("ECR called after a denied role: %v", calls)
	}
}

func TestBuildBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		change func(*actionsJob)
		want   string
	}{
		{"malformed role override", []string{"build", "--push"}, func(j *actionsJob) { j.env["MLOPS_ROLE_ARN"] = "role/ecs-mlops-deploy" }, `MLOPS_ROLE_ARN: "role/ecs-mlops-deploy" is not an IAM role ARN`},
		{"docker missing", []string{"build", "--push"}, func(j *actionsJob) { j.docker.Missing = true }, "docker is not installed"},
		{"token endpoint down", []string{"build", "--push"}, func(j *actionsJob) { j.tokens.FailWith(500) }, "request a GitHub OIDC token"},
		{"bad tag", []string{"build", "--tag", "-latest"}, nil, `tag "-latest" is not a valid image tag`},
		{"bad pr", []string{"build", "--pr", "x"}, nil, `pr "x" is not a pull request number`},
		{"bad build argument", []string{"build", "--build-arg", "=x"}, nil, `build argument "=x" is not KEY=VALUE`},
		{"no commit", []string{"build"}, func(j *actionsJob) { delete(j.env, "GITHUB_SHA") }, "no commit to tag the image with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newActionsJob(t, "repo:Codertocat/Hello-World:ref:refs/heads/master")
			if tc.change != nil {
				tc.change(j)
			}
			if code := j.run(t, tc.args...); code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, ExitUsage, j.stderr.String())
			}
			if !strings.Contains(j.stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, j.stderr.String())
			}
			for _, c := range j.ecr.Calls() {
				if c == "CreateRepository" || c == "PutLifecyclePolicy" {
					t.Errorf("ECR write after bad input: %v", j.ecr.Calls())
				}
			}
		})
	}
}

func TestBuildLocalUsesGitHead(t *testing.T) {
	t.Parallel()
	j := newActionsJob(t, "")
	for _, k := range []string{"GITHUB_ACTIONS", "GITHUB_SHA", "GITHUB_EVENT_NAME", "ACTIONS_ID_TOKEN_REQUEST_URL"} {
		delete(j.env, k)
	}
	j.docker.GitHead = "1111111111111111111111111111111111111111"
	j.env["INPUT_BUILD_ARGS"] = "VERSION=1111111\n\nCOMMENT=two words\n"
	if code := j.run(t, "build"); code != ExitOK {
		t.Fatalf("exit %d\nstderr:\n%s", code, j.stderr.String())
	}
	if diff := cmp.Diff("ecs-mlops/endpoint@"+imagetest.MetadataDigest+"\n", j.stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if len(j.sts.Calls()) != 0 || len(j.ecr.Calls()) != 0 {
		t.Errorf("a local build called AWS: STS %v, ECR %v", j.sts.Calls(), j.ecr.Calls())
	}
	calls := j.docker.Calls()
	if got := strings.Join(calls[len(calls)-1].Argv, " "); !strings.Contains(got, "--tag ecs-mlops/endpoint:1111111111111111111111111111111111111111 ") {
		t.Errorf("build argv %q does not tag the HEAD commit", got)
	}
	argv := calls[len(calls)-1].Argv
	if diff := cmp.Diff([]string{"--build-arg", "VERSION=1111111", "--build-arg", "COMMENT=two words", "--load", "endpoint"}, argv[len(argv)-6:]); diff != "" {
		t.Errorf("build arguments from the build-args input (-want +got):\n%s", diff)
	}
}
