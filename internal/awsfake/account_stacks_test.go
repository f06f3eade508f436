package awsfake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
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

const forwardingRuleTemplate = `Parameters:
  Host: {Type: String}
Resources:
  Listener: {Type: AWS::ElasticLoadBalancingV2::Listener}
  Group: {Type: AWS::ElasticLoadBalancingV2::TargetGroup}
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: 3
      Conditions:
        - Field: host-header
          HostHeaderConfig: {Values: [!Ref Host]}
        - Field: path-pattern
          Values: [/api/*]
      Actions:
        - Type: forward
          TargetGroupArn: !Ref Group
`

// TestAccountStackRuleConditions: the rule a stack's ListenerRule resource
// creates matches the resource's host-header and path-pattern conditions
// and forwards to its target group, as DescribeRules then shows.
func TestAccountStackRuleConditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	a := awsfake.NewAccount(clk)
	cf := a.CloudFormation
	if _, err := cf.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("pr"), ChangeSetName: aws.String("cs"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(forwardingRuleTemplate),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Host"), ParameterValue: aws.String("pr-3.example.com")}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("pr"), ChangeSetName: aws.String("cs")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	cf.Status("pr")
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("pr")})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, r := range res.StackResources {
		ids[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	out, err := a.ELB.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(ids["Listener"])})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	var forward string
	for _, r := range out.Rules {
		if aws.ToString(r.Priority) != "3" {
			continue
		}
		for _, c := range r.Conditions {
			got[aws.ToString(c.Field)] = c.Values
		}
		for _, act := range r.Actions {
			forward = aws.ToString(act.TargetGroupArn)
		}
	}
	want := map[string][]string{"host-header": {"pr-3.example.com"}, "path-pattern": {"/api/*"}}
	if diff := cmp.Diff(want, got); diff != "" || forward != ids["Group"] || forward == "" {
		t.Errorf("rule at priority 3: conditions (-want +got):\n%s\nforwards to %q, want %q", diff, forward, ids["Group"])
	}
}
