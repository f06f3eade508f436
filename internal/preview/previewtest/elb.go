// Package previewtest holds stateful stand-ins for the AWS and GitHub APIs
// the preview lifecycle uses. They fail the way the services do, so tests
// and the in-process demo exercise the real code paths.
package previewtest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

var _ preview.ELBAPI = (*ELB)(nil)

// ELB is a listener's rules: priorities unique per listener, as in ELBv2.
type ELB struct {
	mu    sync.Mutex
	rules map[string]map[int]string // listener ARN → priority → rule ARN
	next  int
	// PageSize caps DescribeRules pages, so tests see NextMarker paging.
	PageSize int
	// Describes counts DescribeRules calls; Clashes counts PriorityInUse answers.
	Describes, Clashes int
}

// NewELB returns a fake with no rules.
func NewELB() *ELB { return &ELB{rules: map[string]map[int]string{}, PageSize: 20} }

// CreateRule adds a rule at priority, failing with PriorityInUse when the
// listener already has a rule there.
func (f *ELB) CreateRule(listener string, priority int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if priority < 1 || priority > 50000 {
		return "", &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("1 validation error detected: Value '%d' at 'priority' failed to satisfy constraint: Member must have value less than or equal to 50000", priority)}
	}
	rs := f.rules[listener]
	if rs == nil {
		rs = map[int]string{}
		f.rules[listener] = rs
	}
	if _, taken := rs[priority]; taken {
		f.Clashes++
		return "", &smithy.GenericAPIError{Code: "PriorityInUse", Message: fmt.Sprintf("Priority '%d' is currently in use", priority)}
	}
	f.next++
	arn := fmt.Sprintf("%s/rule/%d", listener, f.next)
	rs[priority] = arn
	return arn, nil
}

// DeleteRule removes the rule with arn from every listener.
func (f *ELB) DeleteRule(arn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rs := range f.rules {
		for p, a := range rs {
			if a == arn {
				delete(rs, p)
			}
		}
	}
}

// Priorities returns the listener's rule priorities, sorted.
func (f *ELB) Priorities(listener string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []int
	for p := range f.rules[listener] {
		ps = append(ps, p)
	}
	sort.Ints(ps)
	return ps
}

// DescribeRules lists the listener's rules in priority order, the default
// rule last, in pages linked by Marker/NextMarker.
func (f *ELB) DescribeRules(_ context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Describes++
	rs, ok := f.rules[aws.ToString(in.ListenerArn)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "One or more listeners not found"}
	}
	all := []types.Rule{}
	for _, p := range sortedKeys(rs) {
		all = append(all, types.Rule{RuleArn: aws.String(rs[p]), Priority: aws.String(strconv.Itoa(p)), IsDefault: aws.Bool(false)})
	}
	all = append(all, types.Rule{RuleArn: aws.String(aws.ToString(in.ListenerArn) + "/rule/default"), Priority: aws.String("default"), IsDefault: aws.Bool(true)})
	start, _ := strconv.Atoi(aws.ToString(in.Marker))
	size := f.PageSize
	if in.PageSize != nil && int(*in.PageSize) < size {
		size = int(*in.PageSize)
	}
	end := min(start+size, len(all))
	out := &elbv2.DescribeRulesOutput{Rules: all[start:end]}
	if end < len(all) {
		out.NextMarker = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// AddListener creates an empty listener.
func (f *ELB) AddListener(arn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rules[arn] == nil {
		f.rules[arn] = map[int]string{}
	}
}

func sortedKeys(m map[int]string) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func (f *ELB) ruleAt(listener string, p int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rules[listener][p]
}
