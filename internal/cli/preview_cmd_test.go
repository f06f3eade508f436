package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
)

// previewConfig is a repository with endpoint A and ep-b previews labelled
// "bug", the label the webhook fixtures carry.
func previewConfig(t *testing.T, params string) string {
	t.Helper()
	tpl, err := filepath.Abs("testdata/preview/ep-b.yaml")
	must(t, err)
	tplA, err := filepath.Abs("testdata/preview/ep-a.yaml")
	must(t, err)
	if params == "" {
		params, err = filepath.Abs("testdata/preview/ep-b.json")
		must(t, err)
	}
	return `version: 1
region: eu-west-1
image:
  repository: ecs-mlops/endpoint
roles:
  preview: arn:aws:iam::123456789012:role/ecs-mlops-preview
environments:
  ep-a:
    stack: ecs-mlops-ep-a
    template: ` + tplA + `
    protected: true
  ep-b:
    template: ` + tpl + `
    parameters: ` + params + `
    image_parameter: ImageUri
    preview:
      stack: ep-b-pr-{pr}
      host: pr-{pr}.preview.example.com
      label: bug
      priority_parameter: ListenerRulePriority
      host_parameter: HostHeaderApi
`
}

// previewJob is a pull_request job with stand-ins for GitHub and AWS.
type previewJob struct {
	env            map[string]string
	gh             *ghfake.Server
	cfn            *awsfake.CloudFormation
	ecr            *awsfake.ECR
	elb            *awsfake.ELB
	rules          preview.ELBAPI // nil: elb
	clock          clock.Clock
	purposes       []config.Purpose // roles AWS clients were built for
	stdout, stderr bytes.Buffer
	http           *http.Client // Services.HTTP; nil for the default
}

func newPreviewJob(t *testing.T, cfg, eventName, eventFile string) *previewJob {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mlops.yml")
	must(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))
	clk := clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	a := awsfake.NewAccount(clk)
	j := &previewJob{gh: ghfake.New(t), cfn: a.CloudFormation, ecr: a.ECR, elb: a.ELB, clock: clk}
	j.gh.AddToken("ghs_previewtoken", ghfake.ActionsBot())
	j.gh.CapPerPage(2)
	j.gh.AddPR("Codertocat/Hello-World", 2)
	j.cfn.StackPageSize = 3
	j.ecr.AddRepo("ecs-mlops/endpoint", ecrtypes.ImageTagMutabilityMutable)
	j.ecr.AddRepo("ecs-mlops/endpoint-preview", ecrtypes.ImageTagMutabilityImmutable)
	j.ecr.ListPageSize = 2
	j.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_REPOSITORY":   "Codertocat/Hello-World",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_RUN_ID":       "1234567",
		"GITHUB_EVENT_NAME":   eventName,
		"GITHUB_EVENT_PATH":   eventPath(t, eventFile),
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_TOKEN":        "ghs_previewtoken",
		"MLOPS_CONFIG":        cfgPath,
	}
	return j
}

func (j *previewJob) run(t *testing.T, args ...string) int {
	t.Helper()
	e := NewTestEnv(&j.stdout, &j.stderr, j.env)
	e.Clock = j.clock
	if e.Clock == nil {
		e.Clock = clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	}
	e.Services.GitHub = func(token string) (*github.Client, error) { return j.gh.Client(token), nil }
	e.Services.AWSConfig = func(_ context.Context, _ *config.Config, p config.Purpose) (aws.Config, error) {
		j.purposes = append(j.purposes, p)
		return aws.Config{Region: "eu-west-1"}, nil
	}
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return j.cfn }
	e.Services.ECR = func(aws.Config) ECRAPI { return j.ecr }
	e.Services.HTTP = j.http
	e.Services.ELB = func(aws.Config) ELBAPI {
		if j.rules != nil {
			return ownRules{j.elb, j.rules}
		}
		return j.elb
	}
	return RunEnv(context.Background(), args, e)
}

// ownRules is the job's load balancer with listener rules of a test's own.
type ownRules struct {
	rollout.ELBAPI
	rules preview.ELBAPI
}

func (o ownRules) DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	return o.rules.DescribeRules(ctx, in, optFns...)
}

// comments returns the bodies of the comments on pull request #2.
func (j *previewJob) comments() []string {
	var out []string
	for _, c := range j.gh.Comments("Codertocat/Hello-World", 2) {
		out = append(out, c.Body)
	}
	return out
}

func (j *previewJob) file(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(j.env[key])
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	must(t, err)
	return string(b)
}

// Events that do not change a preview end green with the reason, before
// any AWS client exists and without a GitHub write.
func TestPreviewNothingToDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		event      string
		permission string
		want       string
	}{
		{"up on an unlabel", []string{"preview", "up"}, "pull_request.unlabeled.json", "", `nothing to do: label "bug" was removed from pull request #2; its preview is removed`},
		{"down on a label", []string{"preview", "down"}, "pull_request.labeled.json", "write", `nothing to do: label "bug" was added to pull request #2`},
		{"label by a read-only user", []string{"preview", "up"}, "pull_request.labeled.json", "read", `nothing to do: the label was added by Codertocat, whose permission is "read"; a preview starts only when a user with write access adds the label`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j := newPreviewJob(t, previewConfig(t, ""), "pull_request", tt.event)
			if tt.permission != "" {
				j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", tt.permission)
			}
			if code := j.run(t, tt.args...); code != ExitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, j.stderr.String())
			}
			if got := strings.TrimSpace(j.stdout.String()); got != tt.want {
				t.Errorf("stdout = %q, want %q", got, tt.want)
			}
			if !strings.Contains(j.file(t, "GITHUB_OUTPUT"), "skipped") {
				t.Errorf("step outputs lack status skipped:\n%s", j.file(t, "GITHUB_OUTPUT"))
			}
			for _, c := range j.gh.Requests() {
				if c.Method != "GET" {
					t.Errorf("GitHub write %s %s", c.Method, c.Path)
				}
			}
			if len(j.purposes) != 0 {
				t.Errorf("AWS clients built for %v", j.purposes)
			}
		})
	}
}

func TestPreviewBadInput(t *testing.T) {
	t.Parallel()
	badParams := filepath.Join(t.TempDir(), "params.json")
	must(t, os.WriteFile(badParams, []byte(`[{"ParameterKey": "ListenerPriority", "ParameterValue": "7"}]`), 0o644))
	tests := []struct {
		name  string
		cfg   string
		args  []string
		unset string
		code  int
		want  string
	}{
		{"missing config", "", []string{"preview", "up"}, "", ExitUsage, "config file not found"},
		{"no preview section", "region: eu-west-1\nenvironments:\n  ep-a:\n    stack: ep-a\n    template: a.yaml\n", []string{"preview", "down"}, "", ExitOK, ""},
		{"no token", previewConfig(t, ""), []string{"preview", "up"}, "GITHUB_TOKEN", ExitUsage, "no GitHub token"},
		{"bad pr", previewConfig(t, ""), []string{"preview", "down", "--pr", "x"}, "", ExitUsage, `mlops preview down: --pr "x" is not a pull request number`},
		{"up by pr without sha", previewConfig(t, ""), []string{"preview", "up", "--pr", "3"}, "", ExitUsage, "mlops preview up: --pr 3 needs --sha, the commit to deploy"},
		{"unknown subcommand", previewConfig(t, ""), []string{"preview", "sideways"}, "", ExitUsage, `mlops preview: unknown subcommand "sideways"; use up, down or gc`},
		{"parameter file with an unknown key", previewConfig(t, badParams), []string{"preview", "up"}, "", ExitUsage, "ListenerPriority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j := newPreviewJob(t, tt.cfg, "pull_request", "pull_request.labeled.json")
			j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
			if tt.cfg == "" {
				j.env["MLOPS_CONFIG"] = filepath.Join(t.TempDir(), "absent.yml")
			}
			delete(j.env, tt.unset)
			code := j.run(t, tt.args...)
			if code != tt.code || !strings.Contains(j.stderr.String()+j.stdout.String(), tt.want) {
				t.Errorf("exit %d, want %d with %q; stdout:\n%s\nstderr:\n%s", code, tt.code, tt.want, j.stdout.String(), j.stderr.String())

			}
			for _, c := range j.gh.Requests() {
				if c.Method != "GET" {
					t.Errorf("GitHub write %s %s", c.Method, c.Path)
				}
			}
		})
	}
}

func TestPreviewDownCommand(t *testing.T) {
	t.Parallel()
	j := newPreviewJob(t, previewConfig(t, ""), "pull_request", "pull_request.unlabeled.json")
	j.cfn.Put(awsfake.StackSeed{Name: "ep-b-pr-2", Tags: map[string]string{"mlops:preview": "true", "mlops:pr": "2"}})
	// Teardown deletes in the preview repository (default
	// <image.repository>-preview) only: an image in the main repository,
	// even one with the pull request's prefix, is out of its reach.
	for _, tag := range []string{"pr-2-ec26c3e57ca3a959ca5aad62de7213c562f8c821", "pr-21-ec26c3e57ca3a959ca5aad62de7213c562f8c821"} {
		must(t, j.ecr.PushTag("ecs-mlops/endpoint-preview", tag))
	}
	must(t, j.ecr.PushTag("ecs-mlops/endpoint", "pr-2-6113728f27ae82c7b1a177c8d03f9e96e0adf246"))
	if code := j.run(t, "preview", "down"); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if got, want := strings.TrimSpace(j.stdout.String()), "Removed stack ep-b-pr-2, 1 image(s) and 0 deployment(s)."; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if c := j.comments(); len(c) != 1 || !strings.HasPrefix(c[0], "<!-- mlops:preview -->\n### 🗑️ Preview `ep-b-pr-2` was removed") {
		t.Errorf("comments = %q, want the removal note", c)
	}
	if _, ok := j.cfn.Stack("ep-b-pr-2"); ok {
		t.Error("stack ep-b-pr-2 still exists")
	}
	if diff := cmp.Diff([]string{"pr-21-ec26c3e57ca3a959ca5aad62de7213c562f8c821"}, j.ecr.Tags("ecs-mlops/endpoint-preview")); diff != "" {
		t.Errorf("preview images left (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pr-2-6113728f27ae82c7b1a177c8d03f9e96e0adf246"}, j.ecr.Tags("ecs-mlops/endpoint")); diff != "" {
		t.Errorf("main repository images (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]config.Purpose{config.PurposePreview}, j.purposes); diff != "" {
		t.Errorf("roles assumed (-want +got):\n%s", diff)
	}
	// Again: already gone, still green.
	j.stdout.Reset()
	if code := j.run(t, "preview", "down"); code != ExitOK {
		t.Fatalf("second run exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if got, want := strings.TrimSpace(j.stdout.String()), "The preview ep-b-pr-2 was already gone; nothing to remove."; got != want {
		t.Errorf("second run stdout = %q, want %q", got, want)
	}
}

func TestPreviewGCCommand(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(previewConfig(t, ""), "      label: bug\n", "      label: bug\n      ttl: 3d\n", 1)
	j := newPreviewJob(t, cfg, "schedule", "push.0.json")
	now := j.clock.Now()
	for n, age := range map[string]time.Duration{"5": time.Hour, "6": time.Hour, "7": 4 * 24 * time.Hour} {
		j.cfn.Put(awsfake.StackSeed{Name: "ep-b-pr-" + n, Tags: map[string]string{"mlops:preview": "true", "mlops:pr": n}, Created: now.Add(-age)})
	}
	j.gh.SetPRState("Codertocat/Hello-World", 5, "closed")
	j.gh.SetPRState("Codertocat/Hello-World", 6, "open")
	j.gh.SetPRState("Codertocat/Hello-World", 7, "open")
	if code := j.run(t, "preview", "gc"); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	want := "PR  Stack      Action   Reason\n" +
		"#5  ep-b-pr-5  removed  pull request is closed\n" +
		"#6  ep-b-pr-6  kept     pull request is open; last deployed 1h ago (TTL 3d)\n" +
		"#7  ep-b-pr-7  removed  older than the TTL of 3d: last deployed 4d ago\n" +
		"Removed 2 of 3 preview(s): #5 (pull request is closed); #7 (older than the TTL of 3d: last deployed 4d ago).\n"
	if diff := cmp.Diff(want, j.stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	summary := j.file(t, "GITHUB_STEP_SUMMARY")
	for _, line := range []string{
		"Removed 2 of 3 preview(s): #5 (pull request is closed); #7 (older than the TTL of 3d: last deployed 4d ago).",
		"| #5 | ep-b-pr-5 | removed | pull request is closed |",
		"| #7 | ep-b-pr-7 | removed | older than the TTL of 3d: last deployed 4d ago |",
	} {
		if !strings.Contains(summary, line) {
			t.Errorf("summary lacks %q:\n%s", line, summary)
		}
	}
	for n, gone := range map[string]bool{"5": true, "6": false, "7": true} {
		if _, ok := j.cfn.Stack("ep-b-pr-" + n); ok == gone {
			t.Errorf("stack ep-b-pr-%s exists = %v", n, ok)
		}
	}
}

// A TTL that is no duration is bad input: exit 2 naming the key, before any
// AWS client or GitHub call.
func TestPreviewGCBadTTL(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(previewConfig(t, ""), "      label: bug\n", "      label: bug\n      ttl: a week\n", 1)
	j := newPreviewJob(t, cfg, "schedule", "push.0.json")
	if code := j.run(t, "preview", "gc"); code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, j.stderr.String())
	}
	if want := `environments.ep-b.preview.ttl: "a week" is not a positive duration; write a Go duration such as 36h or a number of days such as 7d`; !strings.Contains(j.stderr.String(), want) {
		t.Errorf("stderr = %q, want %q", j.stderr.String(), want)
	}
	if len(j.purposes) != 0 || len(j.gh.Requests()) != 0 {
		t.Errorf("AWS clients for %v, GitHub requests %v", j.purposes, j.gh.Requests())
	}
}

// The repository's own preview environment passes the offline checks with
// the parameters a preview derives: template, parameter file, the priority,
// host and image parameters, and the endpoint test cases.
func TestPreviewRepositoryConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../.github/mlops.yml")
	must(t, err)
	env := *cfg.PreviewEnv()
	env.Template = filepath.Join("../..", env.Template)
	env.Parameters = filepath.Join("../..", env.Parameters)
	var tests []string
	for _, p := range env.Tests {
		tests = append(tests, filepath.Join("../..", p))
	}
	env.Tests = tests
	base := cfg.BaseEnv()
	base.Template = filepath.Join("../..", base.Template)
	for i, r := range cfg.Compare.Requests {
		cfg.Compare.Requests[i] = filepath.Join("../..", r)
	}
	run := &previewRun{cfg: cfg, env: &env, pr: 42, sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821"}
	e := NewTestEnv(&bytes.Buffer{}, &bytes.Buffer{}, nil)
	c, err := e.checkPreviewDeploy(run, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.compare == nil || len(c.compare.reqs) != 150 || c.compare.baseline.Name != "ep-a" {
		t.Errorf("the preview is not compared with ep-a on the 150 committed requests: %+v", c.compare)
	}
	baseOutputs, err := baseStandIn(cfg)
	must(t, err)
	baseOutputs.Outputs["VpcId"], baseOutputs.Outputs["ContainerName"] = "vpc-0123456789abcdef0", "endpoint-a"
	p, err := c.resolve(&env, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:pr-42-ec26c3e57ca3a959ca5aad62de7213c562f8c821",
		map[string]string{env.Preview.PriorityParameter: "141", env.Preview.HostParameter: env.HostFor(42)},
		baseOutputs)
	must(t, err)
	// A's outputs fill the parameters of their name; the parameter file wins.
	for k, want := range map[string]string{"ListenerRulePriority": "141", "HostHeaderApi": "pr-42.preview.example.com", "VpcId": "vpc-0123456789abcdef0", "ContainerName": "endpoint"} {
		if got := p.Values[k]; got != want {
			t.Errorf("parameter %s = %q, want %q", k, got, want)
		}
	}
	if len(c.suites) == 0 {
		t.Error("no endpoint test cases loaded")
	}
}
