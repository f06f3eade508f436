package awsfake

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedEC2 is the EC2 fake as a role with IAM policies sees it. Describe
// calls support no resource-level permissions, so they are authorized on
// "*"; ingress changes on the security group's ARN. EC2 answers a denial
// with UnauthorizedOperation "You are not authorized to perform this
// operation." followed by the reason
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
type GatedEC2 struct {
	*EC2
	Gate   *iampolicy.Gate
	Region string
}

func (g *GatedEC2) authorize(action, resource string) error {
	err := g.Gate.Authorize(action, resource, nil)
	var api smithy.APIError
	if errors.As(err, &api) {
		return apiError("UnauthorizedOperation", "You are not authorized to perform this operation. "+api.ErrorMessage())
	}
	return err
}

func (g *GatedEC2) groupARN(id *string) string {
	return "arn:aws:ec2:" + g.Region + ":" + g.account + ":security-group/" + aws.ToString(id)
}

// DescribeSecurityGroups authorizes ec2:DescribeSecurityGroups.
func (g *GatedEC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if err := g.authorize("ec2:DescribeSecurityGroups", "*"); err != nil {
		return nil, err
	}
	return g.EC2.DescribeSecurityGroups(ctx, in, o...)
}

// DescribeSubnets authorizes ec2:DescribeSubnets.
func (g *GatedEC2) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, o ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	if err := g.authorize("ec2:DescribeSubnets", "*"); err != nil {
		return nil, err
	}
	return g.EC2.DescribeSubnets(ctx, in, o...)
}

// AuthorizeSecurityGroupIngress authorizes the action on the group's ARN.
func (g *GatedEC2) AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, o ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	if err := g.authorize("ec2:AuthorizeSecurityGroupIngress", g.groupARN(in.GroupId)); err != nil {
		return nil, err
	}
	return g.EC2.AuthorizeSecurityGroupIngress(ctx, in, o...)
}

// RevokeSecurityGroupIngress authorizes the action on the group's ARN.
func (g *GatedEC2) RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, o ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	if err := g.authorize("ec2:RevokeSecurityGroupIngress", g.groupARN(in.GroupId)); err != nil {
		return nil, err
	}
	return g.EC2.RevokeSecurityGroupIngress(ctx, in, o...)
}
