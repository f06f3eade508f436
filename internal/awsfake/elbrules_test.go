package awsfake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestListenerRules: priorities are unique per listener, DescribeRules
// pages by NextMarker with the default rule last, and an unknown listener
// is ListenerNotFound.
func TestListenerRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := awsfake.NewELB(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	const lst = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a/1/2"
	l.AddListener(lst)
	l.SetRulePageSize(2)
	for _, p := range []int{3, 1, 2} {
		if _, err := l.CreateRule(lst, p); err != nil {
			t.Fatal(err)
		}
	}
	codes := map[string]string{}
	for name, try := range map[string]func() error{
		"clash":            func() error { _, err := l.CreateRule(lst, 2); return err },
		"out of range":     func() error { _, err := l.CreateRule(lst, 50001); return err },
		"unknown listener": func() error { _, err := l.CreateRule(lst+"x", 5); return err },
	} {
		var api smithy.APIError
		if err := try(); errors.As(err, &api) {
			codes[name] = api.ErrorCode()
		}
	}
	if diff := cmp.Diff(map[string]string{"clash": "PriorityInUse", "out of range": "ValidationError", "unknown listener": "ListenerNotFound"}, codes); diff != "" {
		t.Errorf("error codes (-want +got):\n%s", diff)
	}
	var prios []string
	p := elb.NewDescribeRulesPaginator(l, &elb.DescribeRulesInput{ListenerArn: aws.String(lst)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rules {
			prios = append(prios, aws.ToString(r.Priority))
		}
	}
	if diff := cmp.Diff([]string{"1", "2", "3", "default"}, prios); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	l.DeleteRule(l.RuleAt(lst, 2))
	if diff := cmp.Diff([]int{1, 3}, l.Priorities(lst)); diff != "" || l.Clashes() != 1 {
		t.Errorf("after delete (-want +got):\n%s; clashes %d, want 1", diff, l.Clashes())
	}
}

// TestRuleConditions: DescribeRules shows a rule's host-header and
// path-pattern values in Values and in their config, its forward action
// with the target group directly and in ForwardConfig; ChangeRule moves a
// rule (PriorityInUse onto another's priority, RuleNotFound for an unknown
// one) and changes what it matches.
func TestRuleConditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := awsfake.NewELB(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	const lst, tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a/1/2", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a/1"
	l.AddListener(lst)
	own, err := l.CreateRuleFor(lst, 1, awsfake.RuleSpec{Hosts: []string{"api.example.com"}, Paths: []string{"/v1/*"}, TargetGroup: tg})
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.CreateRule(lst, 2)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(lst)})
	if err != nil {
		t.Fatal(err)
	}
	want := elbtypes.Rule{RuleArn: aws.String(own), Priority: aws.String("1"), IsDefault: aws.Bool(false),
		Conditions: []elbtypes.RuleCondition{
			{Field: aws.String("host-header"), Values: []string{"api.example.com"}, HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"api.example.com"}}},
			{Field: aws.String("path-pattern"), Values: []string{"/v1/*"}, PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/v1/*"}}},
		},
		Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, Order: aws.Int32(1), TargetGroupArn: aws.String(tg),
			ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: aws.String(tg), Weight: aws.Int32(1)}},
				TargetGroupStickinessConfig: &elbtypes.TargetGroupStickinessConfig{Enabled: aws.Bool(false)}}}},
	}
	if diff := cmp.Diff(want, out.Rules[0], cmpopts.IgnoreUnexported(elbtypes.Rule{}, elbtypes.RuleCondition{}, elbtypes.Action{},
		elbtypes.HostHeaderConditionConfig{}, elbtypes.PathPatternConditionConfig{}, elbtypes.ForwardActionConfig{}, elbtypes.TargetGroupTuple{}, elbtypes.TargetGroupStickinessConfig{})); diff != "" {
		t.Errorf("rule (-want +got):\n%s", diff)
	}
	var api smithy.APIError
	if err := l.ChangeRule(own, 2, awsfake.RuleSpec{}); !errors.As(err, &api) || api.ErrorCode() != "PriorityInUse" {
		t.Errorf("ChangeRule onto a taken priority = %v, want PriorityInUse", err)
	}
	if err := l.ChangeRule(lst+"/rule/99", 3, awsfake.RuleSpec{}); !errors.As(err, &api) || api.ErrorCode() != "RuleNotFound" {
		t.Errorf("ChangeRule of an unknown rule = %v, want RuleNotFound", err)
	}
	if err := l.ChangeRule(other, 5, awsfake.RuleSpec{Hosts: []string{"pr-7.example.com"}}); err != nil {
		t.Fatal(err)
	}
	out, err = l.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(lst)})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Rules[1]; aws.ToString(got.RuleArn) != other || aws.ToString(got.Priority) != "5" || got.Conditions[0].HostHeaderConfig.Values[0] != "pr-7.example.com" {
		t.Errorf("changed rule = %s at %s, want %s at 5 matching pr-7.example.com", aws.ToString(got.RuleArn), aws.ToString(got.Priority), other)
	}
}
