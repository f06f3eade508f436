package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// StackAPI is the one CloudFormation call the probe needs.
type StackAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// StackOutputs returns the outputs of stack by key. CloudFormation answers
// a missing stack with ValidationError "Stack with id <name> does not
// exist":
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
func StackOutputs(ctx context.Context, api StackAPI, stack string) (map[string]string, error) {
	outs, err := cfn.StackOutputs(ctx, api, stack)
	if errors.Is(err, cfn.ErrNoStack) {
		return nil, fault.WithHint(fmt.Errorf("stack %q does not exist, so it has no endpoint URL to test", stack),
			"deploy the environment first, or test a URL directly with --url")
	}
	return outs, err
}

// StackOutput returns the value of output key of stack.
func StackOutput(ctx context.Context, api StackAPI, stack, key string) (string, error) {
	outs, err := StackOutputs(ctx, api, stack)
	if err != nil {
		return "", err
	}
	return OutputOf(outs, stack, key)
}

// OutputOf returns output key of stack from its outputs; a missing one is
// a usage error naming the outputs there are.
func OutputOf(outs map[string]string, stack, key string) (string, error) {
	if v, ok := outs[key]; ok {
		return v, nil
	}
	keys := make([]string, 0, len(outs))
	for k := range outs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "", fault.Usage(fault.WithHint(fmt.Errorf("stack %q has no output %q (its outputs: %s)", stack, key, strings.Join(keys, ", ")),
		"set url_output of the environment in .github/mlops.yml to the output that holds the endpoint URL"))
}
