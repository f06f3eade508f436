package previewtest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

var _ preview.CloudFormationAPI = (*CFN)(nil)

// CFN keeps stacks by name. A deleted stack passes through
// DELETE_IN_PROGRESS for DeletePolls describes, then disappears; its
// OnDelete hook runs then (the stack's listener rule goes with it).
type CFN struct {
	mu     sync.Mutex
	stacks map[string]*fakeStack
	// DeletePolls is how many DescribeStacks calls a deletion takes.
	DeletePolls int
	// PageSize caps DescribeStacks pages when listing all stacks.
	PageSize int
	// FailDelete makes deletions end in DELETE_FAILED.
	FailDelete bool
	// Deleted lists the stacks DeleteStack was called for, in order.
	Deleted []string
}

type fakeStack struct {
	stack    types.Stack
	polls    int
	onDelete func()
}

// NewCFN returns a fake with no stacks.
func NewCFN() *CFN { return &CFN{stacks: map[string]*fakeStack{}, DeletePolls: 2, PageSize: 3} }

// StackSpec describes a stack to Put.
type StackSpec struct {
	Name       string
	Status     types.StackStatus
	Parameters map[string]string
	Tags       map[string]string
	Outputs    map[string]string
	OnDelete   func()
}

// Put creates or replaces a stack.
func (f *CFN) Put(s StackSpec) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := types.Stack{StackName: aws.String(s.Name), StackStatus: s.Status, StackId: aws.String(fmt.Sprintf("arn:aws:cloudformation:eu-west-1:123456789012:stack/%s/%d", s.Name, len(f.stacks)+1))}
	if st.StackStatus == "" {
		st.StackStatus = types.StackStatusCreateComplete
	}
	for _, k := range sortedStrings(s.Parameters) {
		st.Parameters = append(st.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(s.Parameters[k])})
	}
	for _, k := range sortedStrings(s.Tags) {
		st.Tags = append(st.Tags, types.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
	}
	for _, k := range sortedStrings(s.Outputs) {
		st.Outputs = append(st.Outputs, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(s.Outputs[k])})
	}
	f.stacks[s.Name] = &fakeStack{stack: st, onDelete: s.OnDelete}
}

// Stack returns a copy of the named stack, if it exists.
func (f *CFN) Stack(name string) (types.Stack, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stacks[name]
	if !ok {
		return types.Stack{}, false
	}
	return s.stack, true
}

// DescribeStacks answers for one stack (ValidationError when absent, as
// CloudFormation does) or pages through all of them.
func (f *CFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name := aws.ToString(in.StackName); name != "" {
		s, ok := f.stacks[name]
		if !ok {
			return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", name)}
		}
		f.advance(name, s)
		if _, ok := f.stacks[name]; !ok {
			return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", name)}
		}
		return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{s.stack}}, nil
	}
	names := make([]string, 0, len(f.stacks))
	for n, s := range f.stacks {
		f.advance(n, s)
		if _, ok := f.stacks[n]; ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	end := min(start+f.PageSize, len(names))
	out := &cloudformation.DescribeStacksOutput{}
	for _, n := range names[start:end] {
		out.Stacks = append(out.Stacks, f.stacks[n].stack)
	}
	if end < len(names) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// advance moves a deleting stack along; called with f.mu held.
func (f *CFN) advance(name string, s *fakeStack) {
	if s.stack.StackStatus != types.StackStatusDeleteInProgress {
		return
	}
	s.polls++
	if s.polls < f.DeletePolls {
		return
	}
	if f.FailDelete {
		s.stack.StackStatus = types.StackStatusDeleteFailed
		return
	}
	delete(f.stacks, name)
	if s.onDelete != nil {
		s.onDelete()
	}
}

// DeleteStack starts deleting a stack. Like CloudFormation it succeeds for
// a stack that does not exist.
func (f *CFN) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := aws.ToString(in.StackName)
	f.Deleted = append(f.Deleted, name)
	if s, ok := f.stacks[name]; ok && s.stack.StackStatus != types.StackStatusDeleteInProgress {
		s.stack.StackStatus, s.polls = types.StackStatusDeleteInProgress, 0
	}
	return &cloudformation.DeleteStackOutput{}, nil
}

func sortedStrings(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
