package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

const deployConfig = `version: 1
region: eu-west-1
artifacts:
  bucket: ecs-mlops-artifacts
  prefix: templates
environments:
  ep-a:
    stack: ecs-mlops-ep-a
    template: {{dir}}/ep-a.yaml
    parameters: {{dir}}/create-ep-a.json
    image_parameter: ImageUri
    url_output: EndpointUrl
    protected: true
`

// deployJob is a GitHub Actions job running mlops against the fakes.
type deployJob struct {
	dir            string
	env            map[string]string
	clk            *clock.Fake
	cf             *awsfake.CloudFormation
	ecs            *awsfake.ECS
	elb            *awsfake.ELB
	awsCalls       int
	stdout, stderr bytes.Buffer
}

func newDeployJob(t *testing.T, configText string) *deployJob {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"ep-a.yaml", "create-ep-a.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "stack", f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	cfgPath := filepath.Join(dir, "mlops.yml")
	must(t, os.WriteFile(cfgPath, []byte(strings.ReplaceAll(configText, "{{dir}}", dir)), 0o644))
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	a := awsfake.NewAccount(clk)
	j := &deployJob{dir: dir, clk: clk, cf: a.CloudFormation, ecs: a.ECS, elb: a.ELB}
	j.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_REPOSITORY":   "Codertocat/Hello-World",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_RUN_ID":       "1234567",
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_SHA":          "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"MLOPS_CONFIG":        cfgPath,
	}
	return j
}

func (j *deployJob) run(t *testing.T, args ...string) int {
	t.Helper()
	e := NewTestEnv(&j.stdout, &j.stderr, j.env)
	e.Clock = j.clk
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) {
		j.awsCalls++
		return aws.Config{Region: "eu-west-1"}, nil
	}
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return j.cf }
	e.Services.S3 = func(aws.Config) S3API {
		return templateBucket{b: &awsfake.TemplateBucket{CloudFormation: j.cf, Region: "eu-west-1"}}
	}
	e.Services.ECS = func(aws.Config) ECSAPI { return j.ecs }
	e.Services.ELB = func(aws.Config) ELBAPI { return j.elb }
	return RunEnv(context.Background(), args, e)
}

// templateBucket is the account's template bucket as a deploy's S3 client:
// a deploy uploads templates and reads no weights.
type templateBucket struct {
	weights.S3API // nil: a deploy never lists or downloads objects
	b             *awsfake.TemplateBucket
}

func (t templateBucket) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return t.b.PutObject(ctx, in, optFns...)
}

func (t templateBucket) HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return t.b.HeadObject(ctx, in, optFns...)
}

// log is stderr with the temporary directory replaced, for golden files.
func (j *deployJob) log() string { return strings.ReplaceAll(j.stderr.String(), j.dir, "$DIR") }

func (j *deployJob) file(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(j.dir, name))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), j.dir, "$DIR")
}

var outputRe = regexp.MustCompile(`(?m)^([^<\n]+)<<(\S+)\n((?s:.*?))\n(\S+)$`)

// outputs parses GITHUB_OUTPUT (name<<delimiter blocks).
func (j *deployJob) outputs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range outputRe.FindAllStringSubmatch(j.file(t, "output"), -1) {
		out[m[1]] = m[3]
	}
	return out
}

func TestDeployInActions(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	results := filepath.Join(j.dir, "results.json")
	code := j.run(t, "deploy", "--env", "ep-a", "--image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:6113728", "--results", results)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, j.stderr.String())
	}
	golden.Check(t, "deploy-ci.log.golden", j.log())
	golden.Check(t, "deploy-summary.md.golden", j.file(t, "summary"))
	golden.Check(t, "deploy-results.json.golden", j.file(t, "results.json"))
	wantOut := "ClusterName=ecs-mlops-prod\nEndpointUrl=https://api.example.com\nLoadBalancerDNS=ecs-mlops-ep-a-loadbalancer-1234567890.eu-west-1.elb.amazonaws.com\nServiceArn=arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ecs-mlops-ep-a-Service\n"
	if diff := cmp.Diff(wantOut, j.stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	outs := j.outputs(t)
	for k, want := range map[string]string{"url": "https://api.example.com", "stack-status": "CREATE_COMPLETE", "no-changes": "false", "EndpointUrl": "https://api.example.com", "stack-name": "ecs-mlops-ep-a"} {
		if outs[k] != want {
			t.Errorf("output %s = %q, want %q", k, outs[k], want)
		}
	}
	if !j.cf.Protected("ecs-mlops-ep-a") {
		t.Error("protected environment's stack has no termination protection")
	}
	// Workflows read every stack output through fromJSON(outputs-json).
	var all map[string]string
	if err := json.Unmarshal([]byte(outs["outputs-json"]), &all); err != nil {
		t.Fatalf("outputs-json %q: %v", outs["outputs-json"], err)
	}
	wantAll := map[string]string{"ClusterName": "ecs-mlops-prod", "EndpointUrl": "https://api.example.com",
		"LoadBalancerDNS": "ecs-mlops-ep-a-loadbalancer-1234567890.eu-west-1.elb.amazonaws.com", "ServiceArn": "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ecs-mlops-ep-a-Service"}
	if diff := cmp.Diff(wantAll, all); diff != "" {
		t.Errorf("outputs-json (-want +got):\n%s", diff)
	}
	golden.Check(t, "deploy-output.golden", j.file(t, "output"))
}

func TestDeployFailureInActions(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	j.cf.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: mustTemplate(t, j.dir), Params: map[string]string{
		"ProjectName": "ecs-mlops", "EnvironmentName": "prod", "VpcSubnetIpBlocks": "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24", "AZs": "eu-west-1a,eu-west-1b",
		"ApiPort": "8000", "HostHeaderApi": "api.example.com", "DesiredCount": "1", "ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:1111111"},
		Tags: map[string]string{"mlops:environment": "ep-a", "mlops:commit": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}})
	j.cf.Fail["Service"] = `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (RequestToken: 3363df6b-208e-6840-ccc7-2c5f745b9468, HandlerErrorCode: GeneralServiceException)`
	j.ecs.Default = awsfake.Rollout{After: 50 * time.Second, Fail: "tasks failed to start.",
		Stops: []string{"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:nope: not found"}}
	j.ecs.Register("ecs-mlops-ep-a", "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ecs-mlops-ep-a-Service")
	results := filepath.Join(j.dir, "results.json")
	code := j.run(t, "deploy", "--env", "ep-a", "--image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:nope", "--results", results)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, ExitFailure, j.stderr.String())
	}
	golden.Check(t, "deploy-failure-ci.log.golden", j.log())
	golden.Check(t, "deploy-failure-summary.md.golden", j.file(t, "summary"))
	if got := j.outputs(t)["stack-status"]; got != "UPDATE_ROLLBACK_COMPLETE" {
		t.Errorf("stack-status output %q", got)
	}
	if !strings.Contains(j.file(t, "results.json"), `"status": "failure"`) {
		t.Errorf("results: %s", j.file(t, "results.json"))
	}
}

func mustTemplate(t *testing.T, dir string) *cfn.Template {
	t.Helper()
	tpl, err := stack.ReadTemplate(filepath.Join(dir, "ep-a.yaml"))
	must(t, err)
	return tpl
}

func TestDeployNoChangesInActions(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:6113728"
	j.cf.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "UPDATE_COMPLETE", Template: mustTemplate(t, j.dir), Protected: true, Params: map[string]string{
		"ProjectName": "ecs-mlops", "EnvironmentName": "prod", "VpcSubnetIpBlocks": "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24", "AZs": "eu-west-1a,eu-west-1b",
		"ApiPort": "8000", "ApiHealthCheckPath": "/ping", "HostHeaderApi": "api.example.com", "DesiredCount": "1", "ImageUri": image},
		Tags: map[string]string{"mlops:environment": "ep-a", "mlops:commit": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}})
	if code := j.run(t, "deploy", "--env", "ep-a", "--image", image); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, j.stderr.String())
	}
	outs := j.outputs(t)
	if outs["no-changes"] != "true" || outs["url"] != "https://api.example.com" || outs["stack-status"] != "UPDATE_COMPLETE" {
		t.Errorf("outputs %v", outs)
	}
	if w := j.cf.StackWrites(); len(w) != 0 {
		t.Errorf("stack writes %v", w)
	}
	golden.Check(t, "deploy-nochanges-summary.md.golden", j.file(t, "summary"))
}

// TestDeployNoChangesOnFailedStack: an empty change set on a stack left
// CREATE_FAILED is a failure with a repair hint, never "up to date".
func TestDeployNoChangesOnFailedStack(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:6113728"
	j.cf.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_FAILED", Template: mustTemplate(t, j.dir), Params: map[string]string{
		"ProjectName": "ecs-mlops", "EnvironmentName": "prod", "VpcSubnetIpBlocks": "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24", "AZs": "eu-west-1a,eu-west-1b",
		"ApiPort": "8000", "ApiHealthCheckPath": "/ping", "HostHeaderApi": "api.example.com", "DesiredCount": "1", "ImageUri": image},
		Tags: map[string]string{"mlops:environment": "ep-a", "mlops:commit": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}})
	results := filepath.Join(j.dir, "results.json")
	if code := j.run(t, "deploy", "--env", "ep-a", "--image", image, "--results", results); code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, ExitFailure, j.stderr.String())
	}
	log := j.log()
	for _, want := range []string{"stack ecs-mlops-ep-a is CREATE_FAILED", "not in a healthy state", "hint: its first create failed with rollback disabled", "aws cloudformation delete-stack --stack-name ecs-mlops-ep-a"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "is up to date") || strings.Contains(j.file(t, "summary"), "up to date") {
		t.Errorf("a CREATE_FAILED stack is called up to date:\n%s\n%s", log, j.file(t, "summary"))
	}
	if got := j.outputs(t)["stack-status"]; got != "CREATE_FAILED" {
		t.Errorf("stack-status output %q", got)
	}
	if !strings.Contains(j.file(t, "results.json"), `"status": "failure"`) {
		t.Errorf("results: %s", j.file(t, "results.json"))
	}
	if w := j.cf.StackWrites(); len(w) != 0 {
		t.Errorf("stack writes %v", w)
	}
}
