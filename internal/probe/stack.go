package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// StackAPI is the one CloudFormation call the probe needs.
type StackAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// StackOutput returns the value of output key of stack. CloudFormation
// answers a missing stack with ValidationError "Stack with id <name> does
// not exist":
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
func StackOutput(ctx context.Context, api StackAPI, stack, key string) (string, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
		return "", fault.WithHint(fmt.Errorf("stack %q does not exist, so it has no endpoint URL to test", stack),
			"deploy the environment first, or test a URL directly with --url")
	}
	if err != nil {
		return "", fmt.Errorf("describe stack %q: %w", stack, err)
	}
	if len(out.Stacks) == 0 {
		return "", fmt.Errorf("describe stack %q: no stack in the answer", stack)
	}
	var keys []string
	for _, o := range out.Stacks[0].Outputs {
		k := aws.ToString(o.OutputKey)
		if k == key {
			return aws.ToString(o.OutputValue), nil
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "", fault.Usage(fault.WithHint(fmt.Errorf("stack %q has no output %q (its outputs: %s)", stack, key, strings.Join(keys, ", ")),
		"set url_output of the environment in .github/mlops.yml to the output that holds the endpoint URL"))
}
