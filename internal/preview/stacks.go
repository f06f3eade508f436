package preview

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// CloudFormationAPI is the part of CloudFormation the preview lifecycle
// lists, reads and deletes with.
type CloudFormationAPI interface {
	DescribeStacks(ctx context.Context, params *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DeleteStack(ctx context.Context, params *cloudformation.DeleteStackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	ListStacks(ctx context.Context, params *cloudformation.ListStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error)
}

// Stack is what the lifecycle needs to know about one stack.
type Stack struct {
	Name       string
	Status     string
	Tags       map[string]string
	Parameters map[string]string
	Outputs    map[string]string
	Created    time.Time // CreationTime
	Updated    time.Time // LastUpdatedTime; zero when never updated
}

// LastDeployed is when the stack was last created or updated: gc measures
// a preview's age from it, so a pull request that is still pushed to keeps
// its preview.
func (s *Stack) LastDeployed() time.Time {
	if s.Updated.After(s.Created) {
		return s.Updated
	}
	return s.Created
}

// Stacks reads, lists and deletes preview stacks.
type Stacks struct {
	CFN   CloudFormationAPI
	Clock clock.Clock
	// DeleteTimeout bounds the wait for a stack deletion (default 30 min).
	DeleteTimeout time.Duration
}

// Get returns the stack, or nil when it does not exist.
func (s *Stacks) Get(ctx context.Context, name string) (*Stack, error) {
	out, err := s.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if cfn.StackMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe stack %q: %w", name, err)
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == types.StackStatusDeleteComplete {
		return nil, nil
	}
	return toStack(out.Stacks[0]), nil
}

// Previews lists every live stack whose name starts with prefix and that
// is tagged mlops:preview=true, keyed by its mlops:pr number. ListStacks
// (every page, with the SDK's paginator) finds the names: DescribeStacks
// without a stack name needs permission on every stack, and the preview
// role has it only for stacks under its prefix. DescribeStacks by name
// then reads the tags of the stacks under the prefix only.
func (s *Stacks) Previews(ctx context.Context, prefix string) (map[int]*Stack, error) {
	var names []string
	p := cloudformation.NewListStacksPaginator(s.CFN, &cloudformation.ListStacksInput{StackStatusFilter: cfn.LiveStatuses()})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list stacks: %w", err)
		}
		for _, sum := range page.StackSummaries {
			if n := aws.ToString(sum.StackName); strings.HasPrefix(n, prefix) && sum.StackStatus != types.StackStatusDeleteComplete {
				names = append(names, n)
			}
		}
	}
	found := map[int]*Stack{}
	for _, name := range names {
		st, err := s.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		if st == nil {
			continue // deleted since it was listed
		}
		n, err := strconv.Atoi(st.Tags[TagPR])
		if st.Tags[TagPreview] != "true" || err != nil || n <= 0 {
			continue
		}
		found[n] = st
	}
	return found, nil
}

// Delete deletes the stack and waits until it is gone. A stack that is
// already gone is not an error.
func (s *Stacks) Delete(ctx context.Context, name string) error {
	if _, err := s.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil && !cfn.StackMissing(err) {
		return fmt.Errorf("delete stack %q: %w", name, err)
	}
	timeout := s.DeleteTimeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	deadline := s.Clock.Now().Add(timeout)
	wait := time.Second
	for {
		st, err := s.Get(ctx, name)
		if err != nil {
			return err
		}
		switch {
		case st == nil:
			return nil
		case st.Status == string(types.StackStatusDeleteFailed):
			return fmt.Errorf("delete stack %q: DELETE_FAILED; see its events in the CloudFormation console, then run mlops preview down again", name)
		case !s.Clock.Now().Before(deadline):
			return fmt.Errorf("delete stack %q: still %s after %s", name, st.Status, timeout)
		}
		if err := s.Clock.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("delete stack %q: %w", name, err)
		}
		wait = min(wait*2, 5*time.Second)
	}
}

func toStack(st types.Stack) *Stack {
	s := &Stack{Name: aws.ToString(st.StackName), Status: string(st.StackStatus), Created: aws.ToTime(st.CreationTime), Updated: aws.ToTime(st.LastUpdatedTime)}
	s.Parameters, s.Tags, s.Outputs = cfn.StackMaps(st)
	return s
}
