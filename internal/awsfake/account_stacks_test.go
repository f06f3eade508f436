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
)

const listenerTemplate = `Parameters:
  Priority: {Type: Number}
Resources:
  Listener: {Type: AWS::ElasticLoadBalancingV2::Listener}
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties: {ListenerArn: !Ref Listener, Priority: !Ref Priority}
  Other:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties: {ListenerArn: !Ref Listener, Priority: 7}
`

// TestAccountStackListenerRules: a stack's ListenerRule resources hold their
// priorities on the stack's listener until the stack is deleted; a clash
// is reported by Refused.
func TestAccountStackListenerRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	a := awsfake.NewAccount(clk)
	cf, l := a.CloudFormation, a.ELB
	deploy := func(prio string) {
		t.Helper()
		if _, err := cf.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("lb"), ChangeSetName: aws.String("cs" + prio),
			ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(listenerTemplate),
			Parameters: []types.Parameter{{ParameterKey: aws.String("Priority"), ParameterValue: aws.String(prio)}}}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
		if _, err := cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("lb"), ChangeSetName: aws.String("cs" + prio)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		cf.Status("lb")
	}
	deploy("7")
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("lb")})
	if err != nil {
		t.Fatal(err)
	}
	var listener string
	for _, r := range res.StackResources {
		if aws.ToString(r.LogicalResourceId) == "Listener" {
			listener = aws.ToString(r.PhysicalResourceId)
		}
	}
	if diff := cmp.Diff([]int{7}, l.Priorities(listener)); diff != "" {
		t.Errorf("rules after deploy (-want +got):\n%s", diff)
	}
	if err := l.Refused(); err == nil || !strings.Contains(err.Error(), "Priority '7' is currently in use") {
		t.Errorf("Refused = %v, want the clash of the second rule at 7", err)
	}
	if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("lb")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	cf.Status("lb")
	if got := l.Priorities(listener); len(got) != 0 {
		t.Errorf("rules after the stack's deletion = %v, want none", got)
	}
}
