package rollouttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestListenerRules: priorities are unique per listener, DescribeRules
// pages by NextMarker with the default rule last, and an unknown listener
// is ListenerNotFound.
func TestListenerRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := NewELB(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
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
