package stack

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Maps returns the parameters, tags and outputs of a stack as
// DescribeStacks describes it, each as a map by key (never nil).
func Maps(s types.Stack) (params, tags, outputs map[string]string) {
	params = make(map[string]string, len(s.Parameters))
	for _, p := range s.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	tags = make(map[string]string, len(s.Tags))
	for _, t := range s.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	outputs = make(map[string]string, len(s.Outputs))
	for _, o := range s.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return params, tags, outputs
}
