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
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	cftemplates "github.com/ecs-mlops/ecs-mlops/cf_templates"
	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

// recordingCFN keeps the parameters of every change set.
type recordingCFN struct {
	*awsfake.CloudFormation
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
	return r.CloudFormation.CreateChangeSet(ctx, in, opts...)
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
	return runBootstrapWith(t, &fakeIAM{}, nil, env, args...)
}

// fakeIAM lists the account's OIDC providers.
type fakeIAM struct {
	arns  []string
	calls int
}

func (f *fakeIAM) ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error) {
	f.calls++
	out := &iam.ListOpenIDConnectProvidersOutput{}
	for _, a := range f.arns {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamtypes.OpenIDConnectProviderListEntry{Arn: aws.String(a)})
	}
	return out, nil
}

var _ IAMAPI = (*fakeIAM)(nil)

func runBootstrapWith(t *testing.T, iamc *fakeIAM, seed *awsfake.StackSeed, env map[string]string, args ...string) (int, string, string, *recordingCFN) {
	t.Helper()
	return runBootstrapOn(t, iamc, func(f *awsfake.CloudFormation) {
		if seed != nil {
			f.Put(*seed)
		}
	}, env, args...)
}

// runBootstrapOn runs mlops bootstrap against a CloudFormation fake that
// setup has prepared (seeded stacks, injected failures).
func runBootstrapOn(t *testing.T, iamc *fakeIAM, setup func(*awsfake.CloudFormation), env map[string]string, args ...string) (int, string, string, *recordingCFN) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cf := &recordingCFN{CloudFormation: awsfake.NewCloudFormation(clk)}
	setup(cf.CloudFormation)
	for k, v := range bootstrapOutputs {
		cf.OutputValues[k] = v
	}
	var stdout, stderr bytes.Buffer
	e := NewTestEnv(&stdout, &stderr, env)
	e.Clock = clk
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return cf }
	e.Services.IAM = func(aws.Config) IAMAPI { return iamc }
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
      stack: pr-{pr}-preview
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
		"ImageRepositoryName": "ecs-mlops/endpoint", "PreviewImageRepositoryName": "ecs-mlops/endpoint-preview", "EndpointAStackName": "ecs-mlops-ep-a",
		"SyncImageRepositoryName": "ecs-mlops/endpoint-sync",
		"PreviewStackPrefix":      "pr-", "WeightsBucketName": "acme-weights", // the prefix is what comes before {pr}
		// The roles' DNS and artifact scopes follow the config.
		"PreviewHostPattern": "pr-*.preview.example.com", "ArtifactPrefix": "",
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
	golden.Check(t, "bootstrap/stderr.log", stderr)
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
		{"preview prefix over the suite's roles", []string{"--github-repository", "acme/models", "--param", "PreviewStackPrefix=ecs-"},
			`PreviewStackPrefix "ecs-" is a prefix of the role ecs-mlops-deploy that bootstrap creates`, nil},
		{"preview prefix over endpoint A", []string{"--github-repository", "acme/models", "--param", "PreviewStackPrefix=ecs-mlops-ep-"},
			`EndpointAStackName "ecs-mlops-ep-a" starts with PreviewStackPrefix "ecs-mlops-ep-"`, nil},
		{"suite roles under endpoint A's roles", []string{"--github-repository", "acme/models", "--param", "EndpointAStackName=ecs-mlops"},
			`the role ecs-mlops-deploy that bootstrap creates is named like endpoint A's own roles (ecs-mlops-*)`, nil},
		{"preview prefix under endpoint A's roles", []string{"--github-repository", "acme/models", "--param", "PreviewStackPrefix=ecs-mlops-ep-a-pr-"},
			`PreviewStackPrefix "ecs-mlops-ep-a-pr-" starts with "ecs-mlops-ep-a-"`, nil},
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

func TestBootstrapDetectsOIDCProvider(t *testing.T) {
	t.Parallel()
	const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	tmpl, err := cfn.ParseTemplate("bootstrap.yaml", []byte(cftemplates.Bootstrap()))
	must(t, err)
	deployed := func(create string) *awsfake.StackSeed {
		return &awsfake.StackSeed{Name: "ecs-mlops-bootstrap", Status: cfntypes.StackStatusCreateComplete, Template: tmpl,
			Params: map[string]string{"GitHubRepository": "acme/models", "CreateOIDCProvider": create}}
	}
	for _, tc := range []struct {
		name      string
		providers []string
		seed      *awsfake.StackSeed
		args      []string
		want      string
		listed    int
		log       string
	}{
		{"new account", nil, nil, nil, "true", 1, "OIDC provider: the account has no GitHub OIDC provider; creating it"},
		{"account has one", []string{"arn:aws:iam::123456789012:oidc-provider/other.example.com", provider}, nil, nil, "false", 1, "OIDC provider: the account already has GitHub's OIDC provider " + provider},
		{"stack made the provider earlier", []string{provider}, deployed("true"), nil, "true", 0, "OIDC provider: stack ecs-mlops-bootstrap was deployed with CreateOIDCProvider=true; keeping it"},
		{"stack trusted an existing provider", nil, deployed("false"), nil, "false", 0, "CreateOIDCProvider=false; keeping it"},
		{"flag decides", []string{provider}, nil, []string{"--create-oidc-provider=true"}, "true", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			iamc := &fakeIAM{arns: tc.providers}
			args := append([]string{"--github-repository", "acme/models"}, tc.args...)
			code, _, stderr, cf := runBootstrapWith(t, iamc, tc.seed, map[string]string{"AWS_REGION": "eu-west-1"}, args...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := cf.params[len(cf.params)-1]["CreateOIDCProvider"]; got != tc.want {
				t.Errorf("CreateOIDCProvider = %q, want %q", got, tc.want)
			}
			if iamc.calls != tc.listed {
				t.Errorf("IAM listed providers %d times, want %d", iamc.calls, tc.listed)
			}
			if !strings.Contains(stderr, tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, stderr)
			}
		})
	}
}

// TestBootstrapScopesDeployRoleToItsStack: the deploy role's stack is that
// of the protected environment, else of the only environment it deploys;
// any other environment that would deploy with it is named in a warning,
// since its deploys would be denied.
func TestBootstrapScopesDeployRoleToItsStack(t *testing.T) {
	t.Parallel()
	staging := `  staging:
    stack: models-staging
    template: cf_templates/create-ep-a.yaml
`
	for _, tc := range []struct {
		name, extra, protect string
		wantStack, wantWarn  string
	}{
		{name: "one unprotected environment", wantStack: "ecs-mlops-ep-a"},
		{name: "protected among two", extra: staging, protect: "ep-a", wantStack: "ecs-mlops-ep-a",
			wantWarn: "environments.staging (stack models-staging) uses the deploy role, which bootstrap scopes to stack ecs-mlops-ep-a only"},
		// No environment chosen: the template's default (ecs-mlops-ep-a)
		// stays, which ep-a's stack is, so only staging is warned about.
		{name: "two, none protected", extra: staging, wantStack: "",
			wantWarn: "environments.staging (stack models-staging) uses the deploy role, which bootstrap scopes to stack ecs-mlops-ep-a only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig + tc.extra
			if tc.protect != "" {
				cfg = strings.Replace(cfg, "    template: cf_templates/create-ep-a.yaml\n", "    template: cf_templates/create-ep-a.yaml\n    protected: true\n", 1)
			}
			path := filepath.Join(t.TempDir(), "mlops.yml")
			must(t, os.WriteFile(path, []byte(cfg), 0o644))
			code, _, stderr, cf := runBootstrapTest(t, map[string]string{"AWS_REGION": "eu-west-1", "MLOPS_CONFIG": path},
				"--github-repository", "acme/models", "--create-oidc-provider=false")
			if code != ExitOK || len(cf.params) != 1 {
				t.Fatalf("exit %d, %d change sets\n%s", code, len(cf.params), stderr)
			}
			if got := cf.params[0]["EndpointAStackName"]; got != tc.wantStack {
				t.Errorf("EndpointAStackName = %q, want %q", got, tc.wantStack)
			}
			if tc.wantWarn == "" && strings.Contains(stderr, "deploy role") {
				t.Errorf("unexpected warning:\n%s", stderr)
			}
			if !strings.Contains(stderr, tc.wantWarn) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantWarn, stderr)
			}
			if strings.Contains(stderr, "environments.ep-a (stack") {
				t.Errorf("warned about ep-a, whose stack the deploy role covers:\n%s", stderr)
			}
		})
	}
}

// TestBootstrapFailureHint: a failed bootstrap says where the bootstrap
// stack was left, and to rerun mlops bootstrap, not mlops deploy.
func TestBootstrapFailureHint(t *testing.T) {
	t.Parallel()
	tmpl, err := cfn.ParseTemplate("bootstrap.yaml", []byte(cftemplates.Bootstrap()))
	must(t, err)
	const reason = `Resource handler returned message: "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: iam:CreateRole"`
	for _, tc := range []struct {
		name string
		seed *awsfake.StackSeed
		want string
	}{
		{"first create", nil, "the first create of stack ecs-mlops-bootstrap failed and CloudFormation rolled it back (ROLLBACK_COMPLETE): its resources were deleted, except any with DeletionPolicy Retain, and nothing of it runs; the next mlops bootstrap deletes the stack and creates it again; fix the cause above, then run mlops bootstrap again"},
		{"update", &awsfake.StackSeed{Name: "ecs-mlops-bootstrap", Status: cfntypes.StackStatusUpdateComplete, Template: tmpl, Protected: true,
			Params: map[string]string{"GitHubRepository": "acme/old-models", "CreateOIDCProvider": "false"}},
			"the update failed and CloudFormation rolled stack ecs-mlops-bootstrap back to its previous template and parameters, which keep running; fix the cause above, then run mlops bootstrap again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr, _ := runBootstrapOn(t, &fakeIAM{}, func(f *awsfake.CloudFormation) {
				if tc.seed != nil {
					f.Put(*tc.seed)
				}
				f.Fail["DeployRole"] = reason
			}, map[string]string{"AWS_REGION": "eu-west-1"}, "--github-repository", "acme/models", "--create-oidc-provider=false")
			if code != ExitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, ExitFailure, stderr)
			}
			if !strings.Contains(stderr, "hint: "+tc.want+"\n") {
				t.Errorf("stderr lacks the hint %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "previous version") || strings.Contains(stderr, "mlops deploy") {
				t.Errorf("hint speaks of a previous version or mlops deploy:\n%s", stderr)
			}
		})
	}
}
