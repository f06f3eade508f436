package cfn

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// ErrNoStack is what StackOutputs returns, wrapped, for a stack that does
// not exist.
var ErrNoStack = errors.New("stack does not exist")

// StackDescriber is the one CloudFormation call StackOutputs makes.
type StackDescriber interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// StackOutputs reads the outputs of stack by OutputKey: every command that
// needs a deployed stack's outputs (test, compare, doctor, remote weight
// syncs, a deploy that takes its base's outputs) reads them here. A stack
// that does not exist is an error that errors.Is ErrNoStack and keeps
// CloudFormation's own answer.
func StackOutputs(ctx context.Context, api StackDescriber, stack string) (map[string]string, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	switch {
	case StackMissing(err):
		return nil, &noStackError{stack: stack, err: err}
	case err != nil:
		return nil, fmt.Errorf("describe stack %q: %w", stack, err)
	case len(out.Stacks) == 0:
		return nil, &noStackError{stack: stack}
	}
	return Outputs(out.Stacks[0]), nil
}

type noStackError struct {
	stack string
	err   error // CloudFormation's answer; nil when it answered no stack
}

func (e *noStackError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("stack %q does not exist", e.stack)
	}
	return fmt.Sprintf("stack %q does not exist: %v", e.stack, e.err)
}

func (e *noStackError) Is(target error) bool { return target == ErrNoStack }

func (e *noStackError) Unwrap() error { return e.err }
