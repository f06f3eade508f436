package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Wordings AWS uses for an empty change set's StatusReason.
const (
	EmptyChangeSetReasonNew = "The submitted information didn't contain changes. Submit different information to create a change set."
	EmptyChangeSetReasonOld = "No updates are to be performed."
)

// CloudFormation is an in-memory AWS CloudFormation: stacks move through
// real statuses over a (fake) clock, emit events newest first with
// pagination and client request tokens, compute change sets (empty ones
// fail with AWS's wording), roll back on injected failures and answer with
// the real error codes and messages. Configure the exported fields before
// use; they are read under the fake's lock.
type CloudFormation struct {
	Clock   clock.Clock
	Region  string
	Account string

	ChangeSetDelay time.Duration            // time to compute a change set (default 2s)
	PageSize       int                      // events per DescribeStackEvents page (default 100)
	EmptyReason    string                   // StatusReason of an empty change set (default EmptyReasonNew)
	Durations      map[string]time.Duration // per logical id; defaults by type
	Fail           map[string]string        // logical id → failure reason when created or updated
	Hang           map[string]bool          // logical id stays in progress until the update is cancelled
	Replacement    map[string]string        // logical id → Replacement of a Modify (default False)
	OutputValues   map[string]string        // output key → value, instead of a derived one
	Objects        map[string][]byte        // TemplateURL → body (see S3)
	// FetchTemplate reads a TemplateURL not in Objects, e.g. from an S3
	// server the deployer uploaded to; nil means such URLs are invalid.
	FetchTemplate  func(url string) ([]byte, error)
	ChangeSetFail  string        // StatusReason of every change set, which then FAILs
	Skew           time.Duration // how far CloudFormation's clock is behind the caller's
	LoseFinalEvent bool          // the stack's terminal status changes without an event
	// StackOutputValues holds output values for one stack (stack name →
	// output key → value); they win over OutputValues, so two stacks of the
	// same template can point at different endpoints.
	StackOutputValues map[string]map[string]string
	// OnResource is called (without the lock) when a resource completes a
	// create or update; the ECS fake uses it to register services.
	OnResource func(stackName string, r types.StackResource)
	// OnResourceDeleted is called (without the lock) when a resource is
	// deleted, with its stack or by an update that removes it.
	OnResourceDeleted func(stackName string, r types.StackResource)
	// StackPageSize caps a DescribeStacks page when no stack is named and
	// a ListStacks page (default 100).
	StackPageSize int
	// FailDelete, when set, is the StackStatusReason with which every
	// stack deletion ends in DELETE_FAILED.
	FailDelete string
	// ListPageSize caps a ListImports or ListExports page (default 100).
	ListPageSize int

	mu        sync.Mutex
	stacks    map[string]*fakeStack
	steps     []step
	seq       int
	throttles int
	calls     []string
	hooks     []func()
	runAt     time.Time    // scheduled time of the step being run
	deleted   []string     // stacks DeleteStack was called for, in order
	retired   []*fakeStack // deleted stacks, which ListStacks shows for 90 days
}

// NewCloudFormation returns a CloudFormation of its own on clk, in
// DefaultRegion and DefaultAccount, for tests that need no other service;
// NewAccount builds the account's on the account's clock.
func NewCloudFormation(clk clock.Clock) *CloudFormation {
	return &CloudFormation{Clock: clk, Region: DefaultRegion, Account: DefaultAccount, stacks: map[string]*fakeStack{},
		Durations: map[string]time.Duration{}, Fail: map[string]string{}, Hang: map[string]bool{},
		Replacement: map[string]string{}, OutputValues: map[string]string{}, StackOutputValues: map[string]map[string]string{},
		Objects: map[string][]byte{}}
}

type step struct {
	at  time.Time
	seq int
	fn  func()
}

// Throttle makes the next n calls fail with Throttling: Rate exceeded.
func (f *CloudFormation) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttles = n
}

// Calls returns every operation called so far, throttled attempts included.
func (f *CloudFormation) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// StackWrites returns the calls that change a stack itself (not change sets).
func (f *CloudFormation) StackWrites() []string {
	var out []string
	for _, c := range f.Calls() {
		switch c {
		case "ExecuteChangeSet", "DeleteStack", "ContinueUpdateRollback", "CancelUpdateStack", "UpdateTerminationProtection":
			out = append(out, c)
		}
	}
	return out
}

// Status returns a stack's status after processing due steps ("" if absent).
func (f *CloudFormation) Status(name string) types.StackStatus {
	f.mu.Lock()
	f.advanceLocked()
	defer f.unlock()
	if s := f.stacks[name]; s != nil {
		return s.status
	}
	return ""
}

// Protected reports whether the stack has termination protection.
func (f *CloudFormation) Protected(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stacks[name]
	return s != nil && s.protect
}

// begin records a call, processes due steps and applies throttling. The
// caller holds no lock; on success begin returns with the lock held (the
// caller defers f.unlock), on a throttle it has released it again.
func (f *CloudFormation) begin(op string) error {
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.advanceLocked()
	if f.throttles > 0 {
		f.throttles--
		f.unlock()
		return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient}
	}
	return nil
}

// beginOn is begin for a call on one existing stack: it also fails, with
// the lock released, when the stack named name does not exist.
func (f *CloudFormation) beginOn(op string, name *string) (*fakeStack, error) {
	if err := f.begin(op); err != nil {
		return nil, err
	}
	st := f.stacks[aws.ToString(name)]
	if st == nil {
		f.unlock()
		return nil, notExist(aws.ToString(name))
	}
	return st, nil
}

// unlock releases the lock and runs hooks queued under it.
func (f *CloudFormation) unlock() {
	hooks := f.hooks
	f.hooks = nil
	f.mu.Unlock()
	for _, h := range hooks {
		h()
	}
}

func (f *CloudFormation) at(t time.Time, fn func()) {
	f.seq++
	f.steps = append(f.steps, step{at: t, seq: f.seq, fn: fn})
}

// advanceLocked runs every step due by now, in time order; steps may
// schedule further steps.
func (f *CloudFormation) advanceLocked() {
	now := f.Clock.Now()
	for {
		sort.SliceStable(f.steps, func(i, j int) bool {
			if !f.steps[i].at.Equal(f.steps[j].at) {
				return f.steps[i].at.Before(f.steps[j].at)
			}
			return f.steps[i].seq < f.steps[j].seq
		})
		if len(f.steps) == 0 || f.steps[0].at.After(now) {
			return
		}
		s := f.steps[0]
		f.steps = f.steps[1:]
		f.runAt = s.at
		s.fn()
		f.runAt = time.Time{}
	}
}

func validation(format string, args ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func notExist(name string) error { return validation("Stack with id %s does not exist", name) }

// DescribeStacks is CloudFormation's DescribeStacks.
func (f *CloudFormation) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if err := f.begin("DescribeStacks"); err != nil {
		return nil, err
	}
	defer f.unlock()
	if aws.ToString(in.StackName) == "" {
		return f.listStacks(in.NextToken), nil
	}
	st := f.stacks[aws.ToString(in.StackName)]
	if st == nil {
		return nil, notExist(aws.ToString(in.StackName))
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{describe(st)}}, nil
}

// listStacks answers DescribeStacks without a stack name: every stack that
// is not deleted, by name, StackPageSize a page, NextToken the offset.
func (f *CloudFormation) listStacks(token *string) *cloudformation.DescribeStacksOutput {
	names := make([]string, 0, len(f.stacks))
	for n, st := range f.stacks {
		if st.status != types.StackStatusDeleteComplete {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	size := f.StackPageSize
	if size <= 0 {
		size = 100
	}
	off := atoi(aws.ToString(token))
	end := min(off+size, len(names))
	out := &cloudformation.DescribeStacksOutput{}
	for _, n := range names[min(off, end):end] {
		out.Stacks = append(out.Stacks, describe(f.stacks[n]))
	}
	if end < len(names) {
		out.NextToken = aws.String(itoa(end))
	}
	return out
}

// Stack returns the stack as DescribeStacks shows it, after processing due
// steps; false when it does not exist or is deleted.
func (f *CloudFormation) Stack(name string) (types.Stack, bool) {
	f.mu.Lock()
	f.advanceLocked()
	defer f.unlock()
	st := f.stacks[name]
	if st == nil || st.status == types.StackStatusDeleteComplete {
		return types.Stack{}, false
	}
	return describe(st), true
}

// Deleted returns the stacks DeleteStack was called for, in order.
func (f *CloudFormation) Deleted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deleted...)
}

func describe(st *fakeStack) types.Stack {
	out := types.Stack{
		StackName: aws.String(st.name), StackId: aws.String(st.id), StackStatus: st.status, CreationTime: aws.Time(st.created),
		EnableTerminationProtection: aws.Bool(st.protect), Tags: st.tags,
		LastUpdatedTime: optTime(st.updated), DeletionTime: optTime(st.deletedAt),
	}
	if st.reason != "" {
		out.StackStatusReason = aws.String(st.reason)
	}
	for _, k := range slices.Sorted(maps.Keys(st.params)) {
		out.Parameters = append(out.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(st.params[k])})
	}
	if cfn.IsTerminal(st.status) {
		out.Outputs = st.outputs
	}
	return out
}

// DescribeStackEvents is CloudFormation's DescribeStackEvents: newest first, PageSize
// a page, NextToken the offset.
func (f *CloudFormation) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	st, err := f.beginOn("DescribeStackEvents", in.StackName)
	if err != nil {
		return nil, err
	}
	defer f.unlock()
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	off := 0
	if in.NextToken != nil {
		fmt.Sscanf(*in.NextToken, "%d", &off)
	}
	n := len(st.events)
	out := &cloudformation.DescribeStackEventsOutput{}
	for i := n - 1 - off; i >= 0 && len(out.StackEvents) < size; i-- {
		out.StackEvents = append(out.StackEvents, st.events[i])
	}
	if off+size < n {
		out.NextToken = aws.String(fmt.Sprint(off + size))
	}
	return out, nil
}

// DescribeStackResources is CloudFormation's DescribeStackResources.
func (f *CloudFormation) DescribeStackResources(_ context.Context, in *cloudformation.DescribeStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error) {
	st, err := f.beginOn("DescribeStackResources", in.StackName)
	if err != nil {
		return nil, err
	}
	defer f.unlock()
	out := &cloudformation.DescribeStackResourcesOutput{}
	for _, id := range sortedResourceIDs(st.resources) {
		out.StackResources = append(out.StackResources, *st.resources[id])
	}
	return out, nil
}
