package previewtest

import (
	"context"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

var _ preview.ELBAPI = (*StackRules)(nil)

// StackRules is a listener whose rules follow the stacks: every live stack
// with the priority parameter holds one rule at that priority, as its
// ListenerRule resource would. Paired with any stateful CloudFormation
// stand-in, the listener stays consistent through deploys and teardowns
// without a second source of truth (the in-process demo uses it so).
type StackRules struct {
	CFN       preview.CloudFormationAPI
	Listener  string
	Parameter string // e.g. ListenerRulePriority
	Fixed     []int  // rules of the shared stack itself
}

// DescribeRules lists the fixed rules and the stacks' rules in priority
// order, the default rule last, in one page.
func (s *StackRules) DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	if aws.ToString(in.ListenerArn) != s.Listener {
		return nil, &smithy.GenericAPIError{Code: "ListenerNotFound", Message: "One or more listeners not found"}
	}
	prios := append([]int(nil), s.Fixed...)
	p := cloudformation.NewDescribeStacksPaginator(s.CFN, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, st := range page.Stacks {
			if holdsRule(st.StackStatus) {
				prios = append(prios, paramInt(st.Parameters, s.Parameter)...)
			}
		}
	}
	sort.Ints(prios)
	out := &elbv2.DescribeRulesOutput{}
	for _, n := range prios {
		out.Rules = append(out.Rules, types.Rule{Priority: aws.String(strconv.Itoa(n)), RuleArn: aws.String(s.Listener + "/rule/" + strconv.Itoa(n)), IsDefault: aws.Bool(false)})
	}
	out.Rules = append(out.Rules, types.Rule{Priority: aws.String("default"), RuleArn: aws.String(s.Listener + "/rule/default"), IsDefault: aws.Bool(true)})
	return out, nil
}

// holdsRule is false for stacks whose resources are gone: deleted, or a
// first create that rolled back.
func holdsRule(s cfntypes.StackStatus) bool {
	switch s {
	case cfntypes.StackStatusDeleteComplete, cfntypes.StackStatusRollbackComplete, cfntypes.StackStatusReviewInProgress:
		return false
	}
	return true
}

func paramInt(ps []cfntypes.Parameter, key string) []int {
	for _, p := range ps {
		if aws.ToString(p.ParameterKey) == key {
			if n, err := strconv.Atoi(aws.ToString(p.ParameterValue)); err == nil {
				return []int{n}
			}
		}
	}
	return nil
}
