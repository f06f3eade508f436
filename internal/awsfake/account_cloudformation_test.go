package awsfake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// TestAccountCloudFormationRunsOnTheAccountClock creates a stack through a
// change set in the account: the change set and the stack move only as the
// account's clock does, and the stack is the account's, in its region.
func TestAccountCloudFormationRunsOnTheAccountClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(start)
	a := awsfake.NewAccount(clk)
	cf := a.CloudFormation
	cs, err := cf.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cs-1"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String("Resources:\n  Bucket: {Type: AWS::S3::Bucket}\n")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cs-1")})
	if got, want := apiErr(err), "InvalidChangeSetStatus: ChangeSet ["+aws.ToString(cs.Id)+"] cannot be executed in its current status of [CREATE_PENDING]"; got != want {
		t.Errorf("execute before the clock moved: error = %q, want %q", got, want)
	}
	if err := clk.Sleep(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cs-1")}); err != nil {
		t.Fatal(err)
	}
	if got := cf.Status("ep-a"); got != types.StackStatusCreateInProgress {
		t.Errorf("status before the clock moved = %s, want CREATE_IN_PROGRESS", got)
	}
	if err := clk.Sleep(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("ep-a")})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Stacks[0]
	if s.StackStatus != types.StackStatusCreateComplete || !aws.ToTime(s.CreationTime).Equal(start) ||
		!strings.HasPrefix(aws.ToString(s.StackId), "arn:aws:cloudformation:"+a.Region+":"+a.ID+":stack/ep-a/") {
		t.Errorf("stack = %s created %v, id %s; want CREATE_COMPLETE, created at the clock's start, in the account's region",
			s.StackStatus, aws.ToTime(s.CreationTime), aws.ToString(s.StackId))
	}
}

// TestRoleCloudFormation acts as a role that may only describe its own
// stack: each call is authorized on the stack's ARN with the stack's tags,
// a denial is CloudFormation's AccessDenied with IAM's message, and a
// denied call changes nothing.
func TestRoleCloudFormation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	a.CloudFormation.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Tags: map[string]string{"mlops:environment": "ep-a"}})
	a.CloudFormation.Put(awsfake.StackSeed{Name: "data-team"})
	principal := "arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1"
	gate, err := iampolicy.NewGate(principal, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudformation:DescribeStacks",
  "Resource":"arn:aws:cloudformation:eu-west-1:123456789012:stack/*","Condition":{"StringEquals":{"aws:ResourceTag/mlops:environment":"ep-a"}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	role := a.As(gate)
	epA, _ := a.CloudFormation.Stack("ecs-mlops-ep-a")
	data, _ := a.CloudFormation.Stack("data-team")
	denied := func(action, arn string) string {
		return "AccessDenied: User: " + principal + " is not authorized to perform: " + action + " on resource: " + arn + " because no identity-based policy allows the " + action + " action"
	}
	for _, c := range []struct {
		name, wantErr string
		call          func() error
	}{
		{"describe its stack", "", func() error {
			_, err := role.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("ecs-mlops-ep-a")})
			return err
		}},
		{"describe another stack", denied("cloudformation:DescribeStacks", aws.ToString(data.StackId)), func() error {
			_, err := role.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("data-team")})
			return err
		}},
		{"delete its stack", denied("cloudformation:DeleteStack", aws.ToString(epA.StackId)), func() error {
			_, err := role.CloudFormation.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("ecs-mlops-ep-a")})
			return err
		}},
		{"create a stack", denied("cloudformation:CreateChangeSet", "arn:aws:cloudformation:eu-west-1:123456789012:stack/new/*"), func() error {
			_, err := role.CloudFormation.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("new"), ChangeSetName: aws.String("cs-1"),
				ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String("Resources:\n  Bucket: {Type: AWS::S3::Bucket}\n")})
			return err
		}},
	} {
		if got := apiErr(c.call()); got != c.wantErr {
			t.Errorf("%s: error = %q, want %q", c.name, got, c.wantErr)
		}
	}
	if got := a.CloudFormation.StackWrites(); len(got) != 0 {
		t.Errorf("stack writes through denied calls: %v", got)
	}
	if _, ok := a.CloudFormation.Stack("new"); ok {
		t.Error("a denied CreateChangeSet created the stack")
	}
	var asked []string
	for _, r := range gate.Calls() {
		asked = append(asked, r.Action+" "+r.Resource)
	}
	want := []string{
		"cloudformation:DescribeStacks " + aws.ToString(epA.StackId),
		"cloudformation:DescribeStacks " + aws.ToString(data.StackId),
		"cloudformation:DeleteStack " + aws.ToString(epA.StackId),
		"cloudformation:CreateChangeSet arn:aws:cloudformation:eu-west-1:123456789012:stack/new/*",
	}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("authorized (-want +got):\n%s", diff)
	}
}
