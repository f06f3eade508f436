package awsfake

import (
	"context"
	"errors"
	"strings"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedELB is the ELBv2 fake as a role with IAM policies sees it. The
// Describe calls support no resource-level permissions, so they are
// authorized on "*", and ELBv2 (a query-protocol service) answers a
// denial with AccessDenied and IAM's message without a resource: "User: …
// is not authorized to perform: elasticloadbalancing:DescribeRules because
// no identity-based policy allows the elasticloadbalancing:DescribeRules
// action".
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
type GatedELB struct {
	*ELB
	Gate *iampolicy.Gate
}

func (g *GatedELB) authorize(action string) error {
	err := g.Gate.Authorize("elasticloadbalancing:"+action, "*", nil)
	var api smithy.APIError
	if errors.As(err, &api) {
		return apiError("AccessDenied", strings.Replace(api.ErrorMessage(), " on resource: *", "", 1))
	}
	return err
}

// DescribeTargetHealth authorizes elasticloadbalancing:DescribeTargetHealth.
func (g *GatedELB) DescribeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput, o ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	if err := g.authorize("DescribeTargetHealth"); err != nil {
		return nil, err
	}
	return g.ELB.DescribeTargetHealth(ctx, in, o...)
}

// DescribeTargetGroups authorizes elasticloadbalancing:DescribeTargetGroups.
func (g *GatedELB) DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, o ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	if err := g.authorize("DescribeTargetGroups"); err != nil {
		return nil, err
	}
	return g.ELB.DescribeTargetGroups(ctx, in, o...)
}

// DescribeRules authorizes elasticloadbalancing:DescribeRules.
func (g *GatedELB) DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, o ...func(*elb.Options)) (*elb.DescribeRulesOutput, error) {
	if err := g.authorize("DescribeRules"); err != nil {
		return nil, err
	}
	return g.ELB.DescribeRules(ctx, in, o...)
}
