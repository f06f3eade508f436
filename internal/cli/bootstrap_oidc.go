package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// IAMAPI is the part of IAM bootstrap reads: whether the account already
// has GitHub's OIDC provider.
type IAMAPI interface {
	ListOpenIDConnectProviders(ctx context.Context, in *iam.ListOpenIDConnectProvidersInput, optFns ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
}

var _ IAMAPI = (*iam.Client)(nil)

// githubProviderSuffix ends the ARN of GitHub's IAM OIDC provider.
const githubProviderSuffix = ":oidc-provider/token.actions.githubusercontent.com"

// detectProvider decides CreateOIDCProvider when no flag says it. An
// existing bootstrap stack keeps its earlier choice: flipping it would make
// CloudFormation delete the provider every other workflow trusts, or create
// a second one, which IAM refuses. A new stack creates the provider unless
// the account already has one (an account holds one per URL).
func detectProvider(ctx context.Context, cf stack.CloudFormationAPI, iamc IAMAPI, stackName string) (create bool, why string, err error) {
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackName)})
	switch {
	case err == nil && len(out.Stacks) > 0:
		for _, p := range out.Stacks[0].Parameters {
			if aws.ToString(p.ParameterKey) == "CreateOIDCProvider" && aws.ToString(p.ParameterValue) != "" {
				v := aws.ToString(p.ParameterValue) == "true"
				return v, fmt.Sprintf("stack %s was deployed with CreateOIDCProvider=%t; keeping it", stackName, v), nil
			}
		}
	case err != nil && !cfn.StackMissing(err):
		return false, "", fmt.Errorf("describe stack %s: %w", stackName, err)
	}
	list, err := iamc.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return false, "", fmt.Errorf("list IAM OIDC providers: %w", err)
	}
	for _, p := range list.OpenIDConnectProviderList {
		if arn := aws.ToString(p.Arn); strings.HasSuffix(arn, githubProviderSuffix) {
			return false, fmt.Sprintf("the account already has GitHub's OIDC provider %s; the roles trust it", arn), nil
		}
	}
	return true, "the account has no GitHub OIDC provider; creating it", nil
}
