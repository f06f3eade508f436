package cftemplates

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

const tinyTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
`

// gatedAs is the CloudFormation fake as one bootstrap role sees it.
func gatedAs(t *testing.T, role string) (*awsfake.GatedCloudFormation, *stack.Deployer) {
	t.Helper()
	acct := newAccount(t, parse(t, Bootstrap()), exampleParams)
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	g := &awsfake.GatedCloudFormation{CloudFormation: awsfake.NewCloudFormation(clk), Gate: &iampolicy.Gate{
		Principal: "arn:aws:sts::123456789012:assumed-role/" + acct.values[role] + "/acme@models-1-1", Policies: acct.policies(role)}}
	return g, &stack.Deployer{CFN: g, Clock: clk, Region: "eu-west-1"}
}

func tiny(t *testing.T) *cfn.Template {
	t.Helper()
	tpl, err := cfn.ParseTemplate("tiny.yaml", []byte(tinyTemplate))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestRolesDeployOnlyTheirStacks runs the deploy engine as each role
// against a CloudFormation that enforces the role's policies: the calls
// the engine makes for its own stack are allowed, and AWS's AccessDenied
// stops it on a stack that is not the role's, before anything changes.
func TestRolesDeployOnlyTheirStacks(t *testing.T) {
	t.Parallel()
	preview := map[string]string{"mlops:preview": "true", "mlops:pr": "7"}
	for _, tc := range []struct {
		name, role, stack string
		tags              map[string]string
		denied            string // the first call refused, "" when the deploy succeeds
	}{
		{"deploy role deploys endpoint A", "DeployRole", "ecs-mlops-ep-a", nil, ""},
		{"deploy role cannot deploy a preview", "DeployRole", "ep-b-pr-7", preview, "cloudformation:DescribeStacks"},
		{"preview role deploys its tagged preview", "PreviewRole", "ep-b-pr-7", preview, ""},
		{"preview role cannot create an untagged stack", "PreviewRole", "ep-b-pr-7", nil, "cloudformation:CreateChangeSet"},
		{"preview role cannot deploy endpoint A", "PreviewRole", "ecs-mlops-ep-a", preview, "cloudformation:CreateChangeSet"},
		{"weights role deploys nothing", "WeightsRole", "ecs-mlops-ep-a", nil, "cloudformation:CreateChangeSet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, d := gatedAs(t, tc.role)
			_, err := d.Deploy(context.Background(), stack.Request{Stack: tc.stack, Template: tiny(t), Tags: tc.tags, Commit: "0123456"})
			switch {
			case tc.denied == "" && err != nil:
				t.Fatalf("Deploy: %v", err)
			case tc.denied != "" && (err == nil || !strings.Contains(err.Error(), "AccessDenied")):
				t.Fatalf("Deploy = %v, want AccessDenied", err)
			case tc.denied != "":
				if !strings.Contains(err.Error(), "is not authorized to perform: "+tc.denied+" ") {
					t.Errorf("error %q does not name %s as the call refused", err, tc.denied)
				}
				if w := g.StackWrites(); len(w) > 0 {
					t.Errorf("denied deploy still changed the stack: %v", w)
				}
			}
		})
	}
}

// TestPreviewRoleCannotListEveryStackByDescribe: DescribeStacks without a
// name needs the action on every stack, which the preview role does not
// have; listing goes through ListStacks.
func TestPreviewRoleCannotListEveryStackByDescribe(t *testing.T) {
	t.Parallel()
	g, _ := gatedAs(t, "PreviewRole")
	g.Put(awsfake.StackSeed{Name: "ep-b-pr-7", Tags: map[string]string{"mlops:preview": "true"}})
	_, err := g.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	if err == nil || !strings.Contains(err.Error(), "cloudformation:DescribeStacks on resource: arn:aws:cloudformation:eu-west-1:123456789012:stack/*/*") {
		t.Errorf("DescribeStacks without a name = %v, want AccessDenied on stack/*/*", err)
	}
	if _, err := g.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-b-pr-7")}); err != nil {
		t.Errorf("DescribeStacks of a preview: %v", err)
	}
	// An untagged stack under the prefix cannot be deleted.
	g.Put(awsfake.StackSeed{Name: "ep-b-pr-legacy"})
	if _, err := g.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String("ep-b-pr-legacy")}); err == nil {
		t.Error("the preview role deleted an untagged stack")
	}
	if _, err := g.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String("ep-b-pr-7")}); err != nil {
		t.Errorf("the preview role cannot delete its tagged preview: %v", err)
	}
}

// TestPreviewGCListsAsThePreviewRole runs preview gc's listing as the
// preview role: ListStacks, then DescribeStacks by name of the preview
// stacks only, each call allowed; endpoint A is never described.
func TestPreviewGCListsAsThePreviewRole(t *testing.T) {
	t.Parallel()
	g, _ := gatedAs(t, "PreviewRole")
	g.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a"})
	g.Put(awsfake.StackSeed{Name: "data-team"})
	g.Put(awsfake.StackSeed{Name: "ep-b-pr-7", Tags: map[string]string{"mlops:preview": "true", "mlops:pr": "7"}})
	got, err := (&preview.Stacks{CFN: g, Clock: g.Clock}).Previews(context.Background(), "ep-b-pr-")
	if err != nil {
		t.Fatalf("Previews as the preview role: %v", err)
	}
	if len(got) != 1 || got[7] == nil {
		t.Errorf("previews = %v, want PR 7's", got)
	}
	for _, c := range g.Gate.Calls() {
		if c.Action == "cloudformation:DescribeStacks" && !strings.Contains(c.Resource, ":stack/ep-b-pr-") {
			t.Errorf("gc described %s", c.Resource)
		}
	}
}
