package cftemplates

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
)

const (
	issuer      = "token.actions.githubusercontent.com"
	epAStack    = "arn:aws:cloudformation:eu-west-1:123456789012:stack/ecs-mlops-ep-a/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	prStack     = "arn:aws:cloudformation:eu-west-1:123456789012:stack/ep-b-pr-7/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	epARole     = "arn:aws:iam::123456789012:role/ecs-mlops-ep-a-TaskRole-1A2B3C4D5E6F"
	prRole      = "arn:aws:iam::123456789012:role/ep-b-pr-7-TaskRole-9Z8Y7X6W5V4U"
	mainRepo    = "arn:aws:ecr:eu-west-1:123456789012:repository/ecs-mlops/endpoint"
	previewRepo = "arn:aws:ecr:eu-west-1:123456789012:repository/ecs-mlops/endpoint-preview"
	syncRepo    = "arn:aws:ecr:eu-west-1:123456789012:repository/ecs-mlops/endpoint-sync"
)

func resources(m map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	rs, _ := m["Resources"].(map[string]any)
	for k, v := range rs {
		out[k], _ = v.(map[string]any)
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// defaults are the parameter defaults plus the pseudo parameters of an
// example account, for evaluating ARNs; each ECR repository's ARN is there
// as "<resource>.Arn", so policies naming !GetAtt X.Arn evaluate too.
func defaults(m map[string]any) map[string]string {
	d := map[string]string{"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "GitHubRepository": "acme/models"}
	ps, _ := m["Parameters"].(map[string]any)
	for name, p := range ps {
		pm, _ := p.(map[string]any)
		if def, ok := pm["Default"].(string); ok {
			d[name] = def
		}
	}
	for name, r := range resources(m) {
		if r["Type"] != "AWS::ECR::Repository" {
			continue
		}
		if v := values(props(r)["RepositoryName"], d); len(v) == 1 {
			d[name+".Arn"] = "arn:aws:ecr:eu-west-1:123456789012:repository/" + v[0]
		}
	}
	return d
}

func TestBootstrapResourcesAreKnown(t *testing.T) {
	t.Parallel()
	if ps := schemaProblems(parse(t, Bootstrap())); len(ps) > 0 {
		t.Errorf("bootstrap.yaml:\n%s", strings.Join(ps, "\n"))
	}
	if n := len(Bootstrap()); n > 51200 {
		t.Errorf("bootstrap.yaml is %d bytes; CloudFormation takes at most 51,200 inline", n)
	}
}

func TestSchemaCheckCatchesMistakes(t *testing.T) {
	t.Parallel()
	bad := strings.NewReplacer(
		"      ImageTagMutability: IMMUTABLE\n", "      ImageTagMutabilty: IMMUTABLE\n",
		"        ScanOnPush: true\n", "        ScanOnPushh: true\n",
		"Type: AWS::S3::BucketPolicy", "Type: AWS::S3::BucketPolicyy",
	).Replace(Bootstrap())
	want := []string{
		`ArtifactBucketPolicy: unknown resource type "AWS::S3::BucketPolicyy"`,
		`ImageRepository.Properties.ImageScanningConfiguration: unknown property "ScanOnPushh"`,
		`ImageRepository.Properties: unknown property "ImageTagMutabilty"`,
		`PreviewRepository.Properties.ImageScanningConfiguration: unknown property "ScanOnPushh"`,
		`PreviewRepository.Properties: unknown property "ImageTagMutabilty"`,
		`SyncRepository.Properties.ImageScanningConfiguration: unknown property "ScanOnPushh"`,
		`SyncRepository.Properties: unknown property "ImageTagMutabilty"`,
	}
	if diff := cmp.Diff(want, schemaProblems(parse(t, bad))); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestPreviewRoleCannotTouchEndpointA evaluates each call with the most
// favourable context a caller could bring (through CloudFormation, to ECS
// tasks, tagged as a preview), so a denial holds whatever the conditions.
func TestPreviewRoleCannotTouchEndpointA(t *testing.T) {
	t.Parallel()
	acct := newAccount(t, parse(t, Bootstrap()), exampleParams)
	best := ctx(true, "iam:PassedToService", "ecs-tasks.amazonaws.com", "aws:ResourceTag/mlops:preview", "true", "aws:RequestTag/mlops:preview", "true",
		"iam:AWSServiceName", "ecs.amazonaws.com", "ecs:cluster", clusterA)
	for _, tc := range []struct {
		role, action, resource string
		want                   bool
	}{
		{"PreviewRole", "cloudformation:ExecuteChangeSet", prStack, true},
		{"PreviewRole", "cloudformation:DeleteStack", prStack, true},
		{"PreviewRole", "cloudformation:DescribeStacks", epAStack, true},
		{"PreviewRole", "cloudformation:CreateChangeSet", epAStack, false},
		{"PreviewRole", "cloudformation:ExecuteChangeSet", epAStack, false},
		{"PreviewRole", "cloudformation:DeleteStack", epAStack, false},
		{"PreviewRole", "cloudformation:UpdateStack", epAStack, false},
		{"PreviewRole", "cloudformation:UpdateTerminationProtection", epAStack, false},
		{"PreviewRole", "iam:PutRolePolicy", epARole, false},
		{"PreviewRole", "iam:DeleteRole", epARole, false},
		{"PreviewRole", "iam:PassRole", epARole, false},
		{"DeployRole", "cloudformation:ExecuteChangeSet", epAStack, true},
		// Previews are the preview role's: the deploy role neither
		// changes nor deletes their stacks, nor touches their roles.
		{"DeployRole", "cloudformation:DeleteStack", prStack, false},
		{"DeployRole", "cloudformation:ExecuteChangeSet", prStack, false},
		{"DeployRole", "cloudformation:CreateChangeSet", prStack, false},
		{"DeployRole", "iam:PassRole", prRole, false},
		{"DeployRole", "iam:PutRolePolicy", prRole, false},
		{"DeployRole", "iam:PassRole", epARole, true},
		{"DeployRole", "cloudformation:ExecuteChangeSet", "arn:aws:cloudformation:eu-west-1:123456789012:stack/other-team/1", false},
		{"DeployRole", "iam:CreateServiceLinkedRole", "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", true},
		{"PreviewRole", "iam:CreateServiceLinkedRole", "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", false},
		{"DeployRole", "iam:CreateRole", "arn:aws:iam::123456789012:role/admin", false},
		// ECR scopes permissions by repository only: the preview role
		// writes and deletes in the preview repository, never where
		// endpoint A's images live.
		{"PreviewRole", "ecr:BatchDeleteImage", previewRepo, true},
		{"PreviewRole", "ecr:PutImage", previewRepo, true},
		{"PreviewRole", "ecr:PutImage", previewRepo + "-cache", true},
		{"PreviewRole", "ecr:BatchDeleteImage", mainRepo, false},
		{"PreviewRole", "ecr:PutImage", mainRepo, false},
		{"PreviewRole", "ecr:InitiateLayerUpload", mainRepo, false},
		{"PreviewRole", "ecr:PutImage", mainRepo + "-cache", false},
		{"DeployRole", "ecr:PutImage", mainRepo, true},
		{"DeployRole", "ecr:PutImage", previewRepo, false},
		{"DeployRole", "ecr:BatchDeleteImage", mainRepo, false},
		{"DeployRole", "ecr:BatchDeleteImage", previewRepo, false},
		{"WeightsRole", "ecr:BatchDeleteImage", mainRepo, false},
		{"WeightsRole", "cloudformation:ExecuteChangeSet", epAStack, false},
		{"WeightsRole", "ecs:RunTask", "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecs-mlops-ep-a-weights-sync:3", true},
	} {
		if got := iampolicy.Evaluate(acct.policies(tc.role), req(tc.action, tc.resource, best)).Decision == iampolicy.Allow; got != tc.want {
			t.Errorf("%s %s on %s: allowed=%v, want %v", tc.role, tc.action, tc.resource, got, tc.want)
		}
	}
}

func TestRepositoriesAndBucket(t *testing.T) {
	t.Parallel()
	rs := resources(parse(t, Bootstrap()))
	repo := rs["ImageRepository"]
	p := props(repo)
	if p["ImageTagMutability"] != "IMMUTABLE" || dig(t, p, "ImageScanningConfiguration", "ScanOnPush") != true || repo["DeletionPolicy"] != "Retain" {
		t.Errorf("image repository: %v (want immutable tags, scan on push, retained)", repo)
	}
	sync := rs["SyncRepository"]
	if p := props(sync); p["ImageTagMutability"] != "IMMUTABLE" || dig(t, p, "ImageScanningConfiguration", "ScanOnPush") != true || sync["DeletionPolicy"] != "Retain" {
		t.Errorf("weight-sync repository: %v (want immutable tags, scan on push, retained: a deployed task definition names its digest)", sync)
	}
	for _, name := range []string{"PreviewRepository", "PreviewCacheRepository"} {
		p := props(rs[name])
		if name == "PreviewRepository" && (p["ImageTagMutability"] != "IMMUTABLE" || dig(t, p, "ImageScanningConfiguration", "ScanOnPush") != true) {
			t.Errorf("preview repository: %v (want immutable tags, scan on push)", p)
		}
	}
	for name, want := range map[string]string{"ImageRepository": image.LifecyclePolicy, "CacheRepository": image.CacheLifecyclePolicy,
		"PreviewRepository": image.PreviewLifecyclePolicy, "PreviewCacheRepository": image.CacheLifecyclePolicy,
		"SyncRepository": image.LifecyclePolicy, "SyncCacheRepository": image.CacheLifecyclePolicy} {
		got := digString(t, props(rs[name]), "LifecyclePolicy", "LifecyclePolicyText")
		var g, w any
		if err := json.Unmarshal([]byte(got), &g); err != nil {
			t.Fatalf("%s lifecycle policy: %v", name, err)
		}
		_ = json.Unmarshal([]byte(want), &w)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s lifecycle differs from what mlops build sets (-build +template):\n%s", name, diff)
		}
	}
	b := props(rs["ArtifactBucket"])
	sse := digMap(t, b, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault")
	if sse["SSEAlgorithm"] != "AES256" && sse["SSEAlgorithm"] != "aws:kms" {
		t.Errorf("artifact bucket encryption = %v", sse)
	}
	want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	if diff := cmp.Diff(want, b["PublicAccessBlockConfiguration"]); diff != "" {
		t.Errorf("public access block (-want +got):\n%s", diff)
	}
	st := digMap(t, props(rs["ArtifactBucketPolicy"]), "PolicyDocument", "Statement", 0)
	cond := digMap(t, st, "Condition", "Bool")
	if st["Effect"] != "Deny" || st["Action"] != "s3:*" || cond["aws:SecureTransport"] != "false" || len(values(st["Resource"], nil)) != 2 {
		t.Errorf("artifact bucket policy does not deny plain HTTP on the bucket and its objects: %v", st)
	}
}

// The template's defaults are the suite's own config, so a bootstrap with
// defaults matches .github/mlops.yml.
func TestDefaultsMatchConfig(t *testing.T) {
	t.Parallel()
	m := parse(t, Bootstrap())
	c, err := config.Load("../.github/mlops.yml")
	if err != nil {
		t.Fatal(err)
	}
	d := defaults(m)
	got := map[string]string{
		"EndpointAStackName":         c.Environments["ep-a"].Stack,
		"PreviewStackPrefix":         config.PreviewStackPrefix(c.Environments["ep-b"].Preview.Stack),
		"ImageRepositoryName":        c.Image.Repository,
		"PreviewImageRepositoryName": c.Image.PreviewRepo(),
		"SyncImageRepositoryName":    c.Image.SyncRepo(),
		"deploy role":                c.Roles.Deploy[strings.LastIndex(c.Roles.Deploy, "/")+1:],
	}
	want := map[string]string{
		"EndpointAStackName":         d["EndpointAStackName"],
		"PreviewStackPrefix":         d["PreviewStackPrefix"],
		"ImageRepositoryName":        d["ImageRepositoryName"],
		"PreviewImageRepositoryName": d["PreviewImageRepositoryName"],
		"SyncImageRepositoryName":    d["SyncImageRepositoryName"],
		"deploy role":                d["ProjectName"] + "-deploy",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template defaults vs .github/mlops.yml (-template +config):\n%s", diff)
	}
	outs := digMap(t, m, "Outputs")
	for _, o := range []string{"DeployRoleArn", "PreviewRoleArn", "WeightsRoleArn", "ImageRepositoryUri", "PreviewRepositoryUri", "SyncRepositoryUri", "ArtifactBucketName"} {
		if _, ok := outs[o]; !ok {
			t.Errorf("output %s missing; mlops bootstrap prints it", o)
		}
	}
}

// jobRoles is the table docs/credentials.md shows: every workflow job that
// assumes a role, the role, and the GitHub environment (template parameter)
// whose subject the role trusts for it.
var jobRoles = []struct{ workflow, job, role, envParam string }{
	{"deploy.yml", "deploy", "DeployRole", "DeployEnvironment"},
	{"preview.yml", "up", "PreviewRole", "PreviewEnvironment"},
	{"preview.yml", "down", "PreviewRole", "PreviewEnvironment"},
	{"preview-gc.yml", "gc", "PreviewRole", "PreviewGCEnvironment"},
	{"sync-weights.yml", "sync", "WeightsRole", "WeightsEnvironment"},
}

// roleOfAction is the role each composite action's mlops command assumes.
var roleOfAction = map[string]string{
	"./actions/build-image": "DeployRole", "./actions/deploy-stack": "DeployRole", "./actions/test-endpoint": "DeployRole",
	"./actions/preview": "PreviewRole", "./actions/sync-weights": "WeightsRole",
}

type workflowFile struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		Environment any            `yaml:"environment"`
		Permissions map[string]any `yaml:"permissions"`
		Steps       []struct {
			Uses string `yaml:"uses"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}
