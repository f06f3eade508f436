package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
	"github.com/ecs-mlops/ecs-mlops/internal/stack/stacktest"
)

// recordingCFN keeps the parameters of every change set.
type recordingCFN struct {
	*stacktest.Fake
	mu     sync.Mutex
	params []map[string]string
}

func (r *recordingCFN) CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, opts ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	m := map[string]string{}
	for _, p := range in.Parameters {
		m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	r.mu.Lock()
	r.params = append(r.params, m)
	r.mu.Unlock()
	return r.Fake.CreateChangeSet(ctx, in, opts...)
}

// bootstrapOutputs are the outputs CloudFormation reports for the roles
// (the fake cannot derive ARNs from GetAtt).
var bootstrapOutputs = map[string]string{
	"DeployRoleArn":      "arn:aws:iam::123456789012:role/acme-ml-deploy",
	"PreviewRoleArn":     "arn:aws:iam::123456789012:role/acme-ml-preview",
	"WeightsRoleArn":     "arn:aws:iam::123456789012:role/acme-ml-weights",
	"ArtifactBucketName": "acme-ml-artifacts-123456789012-eu-west-1",
}

func runBootstrapTest(t *testing.T, env map[string]string, args ...string) (int, string, string, *recordingCFN) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cf := &recordingCFN{Fake: stacktest.New(clk)}
	for k, v := range bootstrapOutputs {
		cf.OutputValues[k] = v
	}
	var stdout, stderr bytes.Buffer
	e := NewTestEnv(&stdout, &stderr, env)
	e.Clock = clk
	e.Services.CloudFormation = func(aws.Config) stack.CloudFormationAPI { return cf }
	code := RunEnv(context.Background(), append([]string{"bootstrap"}, args...), e)
	return code, stdout.String(), stderr.String(), cf
}

func TestBootstrapPrintsRoleARNs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mlops.yml")
	cfg := testConfig + `  ep-b:
    template: cf_templates/add-ep-b.yaml
    preview:
      stack: pr-preview-{pr}
      host: pr-{pr}.preview.example.com
      label: deploy-preview
      priority_parameter: ListenerRulePriority
weights:
  source: s3://acme-weights/endpoint
  target: /mnt/weights
`
	cfg = strings.Replace(cfg, "    template: cf_templates/create-ep-a.yaml\n", "    template: cf_templates/create-ep-a.yaml\n    protected: true\n", 1)
	must(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))
	code, stdout, stderr, cf := runBootstrapTest(t, map[string]string{"AWS_REGION": "eu-west-1", "MLOPS_CONFIG": cfgPath},
		"--github-repository", "acme/models", "--create-oidc-provider=false", "--param", "ProjectName=acme-ml")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := map[string]string{
		"GitHubRepository": "acme/models", "CreateOIDCProvider": "false", "ProjectName": "acme-ml",
		"ImageRepositoryName": "ecs-mlops/endpoint", "EndpointAStackName": "ecs-mlops-ep-a",
		"PreviewStackPrefix": "pr-preview-", "WeightsBucketName": "acme-weights",
	}
	if len(cf.params) != 1 {
		t.Fatalf("%d change sets, want 1", len(cf.params))
	}
	if diff := cmp.Diff(want, cf.params[0]); diff != "" {
		t.Errorf("template parameters (-want +got):\n%s", diff)
	}
	wantOut := `# Paste into .github/mlops.yml:
roles:
  deploy: arn:aws:iam::123456789012:role/acme-ml-deploy
  preview: arn:aws:iam::123456789012:role/acme-ml-preview
  weights: arn:aws:iam::123456789012:role/acme-ml-weights
artifacts:
  bucket: acme-ml-artifacts-123456789012-eu-west-1
`
	if diff := cmp.Diff(wantOut, stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	goldenFile(t, "bootstrap/stderr.log", stderr)
	if !cf.Protected("ecs-mlops-bootstrap") {
		t.Error("bootstrap stack without termination protection; it holds the roles every workflow needs")
	}
}

func TestBootstrapBadInputMakesNoCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
		env  map[string]string
	}{
		{"no repository", nil, "no repository; pass --github-repository", nil},
		{"wildcard repository", []string{"--github-repository", "acme/*"}, "GitHubRepository", nil},
		{"wildcard branch", []string{"--github-repository", "acme/models", "--branch", "release/*"}, "DefaultBranch", nil},
		{"bad provider flag", []string{"--github-repository", "acme/models", "--create-oidc-provider", "maybe"}, `create-oidc-provider "maybe" must be true or false`, nil},
		{"missing region", []string{"--github-repository", "acme/models"}, "no AWS region", map[string]string{}},
		{"malformed role", []string{"--github-repository", "acme/models"}, `MLOPS_ROLE_ARN: "admin" is not an IAM role ARN`, map[string]string{"AWS_REGION": "eu-west-1", "MLOPS_ROLE_ARN": "admin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := tc.env
			if env == nil {
				env = map[string]string{"AWS_REGION": "eu-west-1"}
			}
			code, _, stderr, cf := runBootstrapTest(t, env, tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			if calls := cf.Calls(); len(calls) != 0 {
				t.Errorf("CloudFormation called after bad input: %v", calls)
			}
		})
	}
}
