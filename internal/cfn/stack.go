package cfn

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// StackMaps returns the parameters, tags and outputs of a stack as
// DescribeStacks describes it, each as a map by key (never nil).
func StackMaps(s types.Stack) (params, tags, outputs map[string]string) {
	params = make(map[string]string, len(s.Parameters))
	for _, p := range s.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	tags = make(map[string]string, len(s.Tags))
	for _, t := range s.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return params, tags, Outputs(s)
}

// Outputs returns the outputs of a stack as DescribeStacks describes it,
// by OutputKey (never nil).
func Outputs(s types.Stack) map[string]string {
	outputs := make(map[string]string, len(s.Outputs))
	for _, o := range s.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return outputs
}

// StackMissing reports CloudFormation's answer for a stack that does not
// exist: ValidationError "Stack with id <name> does not exist" (DescribeStacks,
// DescribeStackEvents, DeleteStack ...). The code alone is not enough, as
// every bad request is a ValidationError:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
func StackMissing(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// IsTerminal reports whether a stack status ends an operation: every status
// but the *_IN_PROGRESS ones.
func IsTerminal(s types.StackStatus) bool {
	return !strings.HasSuffix(string(s), "_IN_PROGRESS")
}

// LiveStatuses is every stack status but DELETE_COMPLETE: ListStacks
// without a filter also returns stacks deleted in the last 90 days.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStacks.html
func LiveStatuses() []types.StackStatus {
	var out []types.StackStatus
	for _, st := range types.StackStatus("").Values() {
		if st != types.StackStatusDeleteComplete {
			out = append(out, st)
		}
	}
	return out
}
