package cfn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestStackOutputs: a stack's outputs by key; a missing stack is ErrNoStack
// with CloudFormation's own answer kept; throttling is not mistaken for a
// missing stack.
func TestStackOutputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cf := awsfake.NewCloudFormation(clock.NewFake(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)))
	cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusUpdateComplete, Outputs: map[string]string{"EndpointUrl": "https://ep-a.example.com"}})
	outs, err := cfn.StackOutputs(ctx, cf, "ep-a")
	if diff := cmp.Diff(map[string]string{"EndpointUrl": "https://ep-a.example.com"}, outs); err != nil || diff != "" {
		t.Errorf("outputs of ep-a (-want +got):\n%s\nerror %v", diff, err)
	}
	_, err = cfn.StackOutputs(ctx, cf, "ep-b-pr-3")
	if !errors.Is(err, cfn.ErrNoStack) || !strings.Contains(err.Error(), `stack "ep-b-pr-3" does not exist: `) || !strings.Contains(err.Error(), "Stack with id ep-b-pr-3 does not exist") {
		t.Errorf("missing stack: %v, want ErrNoStack with CloudFormation's ValidationError", err)
	}
	cf.Throttle(20)
	if _, err = cfn.StackOutputs(ctx, cf, "ep-a"); err == nil || errors.Is(err, cfn.ErrNoStack) || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("throttled: %v, want the throttling error, not ErrNoStack", err)
	}
}
