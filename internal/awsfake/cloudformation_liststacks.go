package awsfake

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// deletedKept is how long ListStacks still shows a deleted stack: "Summary
// information for stacks that have been deleted is kept for 90 days after
// the stack is deleted."
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStacks.html
const deletedKept = 90 * 24 * time.Hour

// ListStacks lists stack summaries as CloudFormation does: every stack,
// deleted ones (DELETE_COMPLETE) for 90 days after their deletion, only
// the statuses in StackStatusFilter when it is given (none: all),
// StackPageSize a page (default 100), NextToken the offset. Stacks are
// listed by name, the newest first among stacks of one name.
func (f *CloudFormation) ListStacks(_ context.Context, in *cloudformation.ListStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error) {
	if err := f.begin("ListStacks"); err != nil {
		return nil, err
	}
	defer f.unlock()
	var all []types.StackSummary
	now := f.Clock.Now()
	add := func(st *fakeStack) {
		if len(in.StackStatusFilter) == 0 || slices.Contains(in.StackStatusFilter, st.status) {
			all = append(all, summary(st))
		}
	}
	for _, st := range f.stacks {
		if !slices.Contains(f.retired, st) { // LoseFinalEvent leaves deleted stacks here too
			add(st)
		}
	}
	for _, st := range f.retired {
		if now.Sub(st.deletedAt) < deletedKept {
			add(st)
		}
	}
	slices.SortFunc(all, func(a, b types.StackSummary) int {
		if c := strings.Compare(aws.ToString(a.StackName), aws.ToString(b.StackName)); c != 0 {
			return c
		}
		return b.CreationTime.Compare(*a.CreationTime)
	})
	size := f.StackPageSize
	if size <= 0 {
		size = 100
	}
	off := atoi(aws.ToString(in.NextToken))
	end := min(off+size, len(all))
	out := &cloudformation.ListStacksOutput{StackSummaries: all[min(off, end):end]}
	if end < len(all) {
		out.NextToken = aws.String(itoa(end))
	}
	return out, nil
}

// summary is a stack as ListStacks shows it.
func summary(st *fakeStack) types.StackSummary {
	s := types.StackSummary{StackName: aws.String(st.name), StackId: aws.String(st.id), StackStatus: st.status,
		CreationTime: aws.Time(st.created), LastUpdatedTime: optTime(st.updated), DeletionTime: optTime(st.deletedAt)}
	if st.reason != "" {
		s.StackStatusReason = aws.String(st.reason)
	}
	return s
}

// stamp records the times a status change sets: an update's start is the
// stack's LastUpdatedTime, a deletion's start its DeletionTime. A stack
// reaching DELETE_COMPLETE is kept for ListStacks.
func (f *CloudFormation) stamp(st *fakeStack, status types.StackStatus) {
	switch status {
	case types.StackStatusUpdateInProgress:
		st.updated = f.now()
	case types.StackStatusDeleteInProgress:
		st.deletedAt = f.now()
	case types.StackStatusDeleteComplete:
		if st.deletedAt.IsZero() {
			st.deletedAt = f.now()
		}
		f.retired = append(f.retired, st)
	}
}

// seeded applies a seed's times.
func (st *fakeStack) seeded(s StackSeed) {
	if !s.Created.IsZero() {
		st.created = s.Created
	}
	st.updated = s.LastUpdated
}

// optTime is t as the SDK's optional timestamp: nil when unset.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return aws.Time(t)
}
