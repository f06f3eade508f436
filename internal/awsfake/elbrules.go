package awsfake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

// Listener rules: priorities are unique per listener and 1..50000, as in
// ELBv2; DescribeRules lists them in priority order with the default rule
// last, in pages linked by Marker/NextMarker.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html

// defaultRulePage is the rules per DescribeRules page when neither the
// caller nor the test sets one.
const defaultRulePage = 20

// AddListener creates an empty listener.
func (l *ELB) AddListener(arn string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rules[arn] == nil {
		l.rules[arn] = map[int]*elbRule{}
	}
}

// SetRulePageSize caps DescribeRules pages, so tests see NextMarker paging.
func (l *ELB) SetRulePageSize(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rulePage = n
}

// RuleSpec is what a listener rule matches and where it sends what it
// matches: host-header and path-pattern values, and the target group of its
// forward action. An empty spec matches nothing and forwards nowhere.
type RuleSpec struct {
	Hosts, Paths []string
	TargetGroup  string
}

// elbRule is one listener rule.
type elbRule struct {
	arn  string
	spec RuleSpec
}

// CreateRule adds a rule at priority (as a stack's ListenerRule resource
// does), failing with PriorityInUse when the listener has one there.
func (l *ELB) CreateRule(listener string, priority int) (string, error) {
	return l.CreateRuleFor(listener, priority, RuleSpec{})
}

// CreateRuleFor adds a rule at priority matching and forwarding as spec
// says; its ARN is <listener>/rule/<n>, n counting the ELB's rules from 1.
func (l *ELB) CreateRuleFor(listener string, priority int, spec RuleSpec) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := checkPriority(priority); err != nil {
		return "", err
	}
	rs := l.rules[listener]
	if rs == nil {
		return "", listenerNotFound()
	}
	if _, taken := rs[priority]; taken {
		l.clashes++
		return "", priorityInUse(priority)
	}
	l.nextRule++
	arn := fmt.Sprintf("%s/rule/%d", listener, l.nextRule)
	rs[priority] = &elbRule{arn: arn, spec: spec}
	return arn, nil
}

// ChangeRule moves the rule with arn to priority and makes it match and
// forward as spec says (as SetRulePriorities and ModifyRule would); a
// priority another rule holds is PriorityInUse, an unknown rule
// RuleNotFound.
func (l *ELB) ChangeRule(arn string, priority int, spec RuleSpec) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := checkPriority(priority); err != nil {
		return err
	}
	for _, rs := range l.rules {
		for p, r := range rs {
			if r.arn != arn {
				continue
			}
			if other, taken := rs[priority]; taken && other != r {
				l.clashes++
				return priorityInUse(priority)
			}
			delete(rs, p)
			r.spec = spec
			rs[priority] = r
			return nil
		}
	}
	return apiError("RuleNotFound", "One or more rules not found")
}

func checkPriority(priority int) error {
	if priority < 1 || priority > 50000 {
		return &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("1 validation error detected: Value '%d' at 'priority' failed to satisfy constraint: Member must have value less than or equal to 50000", priority)}
	}
	return nil
}

func priorityInUse(priority int) error {
	return &smithy.GenericAPIError{Code: "PriorityInUse", Message: fmt.Sprintf("Priority '%d' is currently in use", priority)}
}

// DeleteRule removes the rule with arn from every listener.
func (l *ELB) DeleteRule(arn string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, rs := range l.rules {
		for p, r := range rs {
			if r.arn == arn {
				delete(rs, p)
			}
		}
	}
}

// Priorities returns the listener's rule priorities, sorted.
func (l *ELB) Priorities(listener string) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ps []int
	for p := range l.rules[listener] {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// RuleAt returns the ARN of the listener's rule at priority ("" if none).
func (l *ELB) RuleAt(listener string, priority int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.rules[listener][priority]; r != nil {
		return r.arn
	}
	return ""
}

// Clashes counts the PriorityInUse answers so far.
func (l *ELB) Clashes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.clashes
}

// DescribeRules lists the listener's rules; an unknown listener is
// ListenerNotFound. A rule's conditions carry their values twice, in
// Values and in HostHeaderConfig / PathPatternConfig, and its forward
// action names the target group both directly and in ForwardConfig, as
// ELBv2 answers.
func (l *ELB) DescribeRules(_ context.Context, in *elb.DescribeRulesInput, _ ...func(*elb.Options)) (*elb.DescribeRulesOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rs, ok := l.rules[aws.ToString(in.ListenerArn)]
	if !ok {
		return nil, listenerNotFound()
	}
	all := []elbtypes.Rule{}
	ps := make([]int, 0, len(rs))
	for p := range rs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	for _, p := range ps {
		all = append(all, rs[p].describe(p))
	}
	all = append(all, elbtypes.Rule{RuleArn: aws.String(aws.ToString(in.ListenerArn) + "/rule/default"), Priority: aws.String("default"), IsDefault: aws.Bool(true)})
	size := l.rulePage
	if size <= 0 {
		size = defaultRulePage
	}
	if in.PageSize != nil && int(*in.PageSize) < size {
		size = int(*in.PageSize)
	}
	start, _ := strconv.Atoi(aws.ToString(in.Marker))
	start = min(start, len(all))
	end := min(start+size, len(all))
	out := &elb.DescribeRulesOutput{Rules: all[start:end]}
	if end < len(all) {
		out.NextMarker = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func listenerNotFound() error {
	return &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "One or more listeners not found", Fault: smithy.FaultClient}
}

// StackRuleCreated creates the rule of a stack's ListenerRule resource
// (logical id id); an update that keeps the rule changes nothing. A refused rule is kept for
// Refused: in AWS the resource would fail and the stack roll back, but the
// fake learns of the rule only once CloudFormation created it.
func (l *ELB) StackRuleCreated(stackName, id, listener string, priority int, spec RuleSpec) {
	key := stackName + "/" + id
	l.mu.Lock()
	_, kept := l.stackRules[key]
	l.mu.Unlock()
	if kept {
		return
	}
	arn, err := l.CreateRuleFor(listener, priority, spec)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.refused = append(l.refused, fmt.Errorf("listener rule %s of stack %s: %w", id, stackName, err))
		return
	}
	l.stackRules[key] = arn
}

// StackRuleDeleted removes the rule a stack's deleted resource held.
func (l *ELB) StackRuleDeleted(stackName, id string) {
	key := stackName + "/" + id
	l.mu.Lock()
	arn, ok := l.stackRules[key]
	delete(l.stackRules, key)
	l.mu.Unlock()
	if ok {
		l.DeleteRule(arn)
	}
}

// Refused reports the stacks' listener rules the listener refused (e.g.
// PriorityInUse), nil if none.
func (l *ELB) Refused() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(l.refused...)
}

// describe is the rule as DescribeRules shows it at priority.
func (r *elbRule) describe(priority int) elbtypes.Rule {
	out := elbtypes.Rule{RuleArn: aws.String(r.arn), Priority: aws.String(strconv.Itoa(priority)), IsDefault: aws.Bool(false),
		Conditions: []elbtypes.RuleCondition{}, Actions: []elbtypes.Action{}}
	if len(r.spec.Hosts) > 0 {
		out.Conditions = append(out.Conditions, elbtypes.RuleCondition{Field: aws.String("host-header"), Values: slices.Clone(r.spec.Hosts),
			HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: slices.Clone(r.spec.Hosts)}})
	}
	if len(r.spec.Paths) > 0 {
		out.Conditions = append(out.Conditions, elbtypes.RuleCondition{Field: aws.String("path-pattern"), Values: slices.Clone(r.spec.Paths),
			PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: slices.Clone(r.spec.Paths)}})
	}
	if tg := r.spec.TargetGroup; tg != "" {
		out.Actions = append(out.Actions, elbtypes.Action{Type: elbtypes.ActionTypeEnumForward, Order: aws.Int32(1), TargetGroupArn: aws.String(tg),
			ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: aws.String(tg), Weight: aws.Int32(1)}},
				TargetGroupStickinessConfig: &elbtypes.TargetGroupStickinessConfig{Enabled: aws.Bool(false)}}})
	}
	return out
}
