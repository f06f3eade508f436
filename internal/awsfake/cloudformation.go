package awsfake

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Stacks is a fake CloudFormation that only describes stacks and their outputs.
type Stacks struct {
	mu     sync.Mutex
	stacks map[string]map[string]string
}

// NewStacks returns a fake with no stacks.
func NewStacks() *Stacks { return &Stacks{stacks: map[string]map[string]string{}} }

// Put creates or replaces a stack (status CREATE_COMPLETE) with outputs.
func (s *Stacks) Put(name string, outputs map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stacks[name] = outputs
}

// DescribeStacks answers ValidationError "Stack with id <name> does not
// exist" for an absent stack, as CloudFormation does.
func (s *Stacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := aws.ToString(in.StackName)
	outs, ok := s.stacks[name]
	if !ok {
		return nil, apiError("ValidationError", "Stack with id "+name+" does not exist")
	}
	st := types.Stack{StackName: aws.String(name), StackStatus: types.StackStatusCreateComplete}
	for k, v := range outs {
		st.Outputs = append(st.Outputs, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{st}}, nil
}
