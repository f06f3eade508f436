package preview_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/preview/previewtest"
	"github.com/ecs-mlops/ecs-mlops/internal/stack/stacktest"
)

// A listener that follows the stacks: allocation sees the priorities of live
// previews, not of deleted or rolled-back ones.
func TestStackRulesFollowStacks(t *testing.T) {
	t.Parallel()
	cfn := stacktest.New(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	rules := &previewtest.StackRules{CFN: cfn, Listener: listenerARN, Parameter: "ListenerRulePriority", Fixed: []int{1, 2}}
	for name, s := range map[string]struct {
		prio   string
		status types.StackStatus
	}{
		"ep-b-pr-1": {"100", types.StackStatusCreateComplete},
		"ep-b-pr-2": {"101", types.StackStatusRollbackComplete},
		"ep-b-pr-3": {"102", types.StackStatusUpdateRollbackComplete},
		"ep-b-pr-4": {"103", types.StackStatusUpdateComplete},
	} {
		cfn.Put(stacktest.Seed{Name: name, Status: s.status, Params: map[string]string{"ListenerRulePriority": s.prio}})
	}
	a := &preview.Allocator{ELB: rules}
	var got []int
	for _, pr := range []int{1, 2, 3, 4} {
		p, err := a.Allocate(context.Background(), listenerARN, pr, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	// 100, 102 and 103 are held; 101's stack rolled back and holds nothing.
	if diff := cmp.Diff([]int{101, 101, 104, 104}, got); diff != "" {
		t.Errorf("allocations for PRs 1-4 (-want +got):\n%s", diff)
	}
}
