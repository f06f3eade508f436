package rollout_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestVerifyRequiresRolloutCompleted: a PRIMARY deployment with all its
// tasks running is not done while its rolloutState is IN_PROGRESS, and a
// FAILED one fails, however many tasks run.
func TestVerifyRequiresRolloutCompleted(t *testing.T) {
	t.Parallel()
	t.Run("running but IN_PROGRESS", func(t *testing.T) {
		t.Parallel()
		f := newFixture(awsfake.Rollout{RunningAt: 10 * time.Second, Stuck: true}, awsfake.Health{After: 5 * time.Second})
		err := f.c.Verify(context.Background(), target(3*time.Minute))
		if err == nil || !strings.Contains(err.Error(), "rollout IN_PROGRESS (1/1 running)") {
			t.Fatalf("Verify = %v, want the deadline with the rollout IN_PROGRESS and 1/1 running", err)
		}
		if waited := f.clk.Now().Sub(start); waited < 3*time.Minute {
			t.Errorf("gave up after %s, before the deadline", waited)
		}
	})
	t.Run("running but FAILED", func(t *testing.T) {
		t.Parallel()
		f := newFixture(awsfake.Rollout{RunningAt: 10 * time.Second, After: time.Minute, Fail: "tasks failed to start."}, awsfake.Health{After: 5 * time.Second})
		err := f.c.Verify(context.Background(), target(10*time.Minute))
		if !errors.Is(err, stack.ErrRolloutFailed) || !strings.Contains(err.Error(), "ECS deployment circuit breaker: tasks failed to start.") {
			t.Fatalf("Verify = %v, want rollout FAILED with the circuit breaker's reason", err)
		}
		if waited := f.clk.Now().Sub(start); waited > time.Minute+6*time.Second {
			t.Errorf("failure noticed after %s", waited)
		}
	})
}

// TestVerifyCountsHealthyTargetsOfTheNewTasks: "targets healthy" means the
// desired count of the new deployment's tasks healthy in the target group
// and none of them otherwise; the previous deployment's targets, draining
// or not, do not count either way.
func TestVerifyCountsHealthyTargetsOfTheNewTasks(t *testing.T) {
	t.Parallel()
	healthy, unhealthy, draining, initial := elbtypes.TargetHealthStateEnumHealthy, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthStateEnumInitial
	newT := func(i int, s elbtypes.TargetHealthStateEnum) awsfake.Target {
		return awsfake.Target{IP: awsfake.TaskIP(i), State: s}
	}
	oldT := func(i int, s elbtypes.TargetHealthStateEnum) awsfake.Target {
		return awsfake.Target{IP: awsfake.OldTaskIP(i), State: s, Settled: true}
	}
	for _, tc := range []struct {
		name    string
		desire  int32
		targets []awsfake.Target
		pending string // "" means Verify succeeds
	}{
		{"all new targets healthy, old ones draining", 2, []awsfake.Target{newT(0, healthy), newT(1, healthy), oldT(0, draining), oldT(1, draining)}, ""},
		{"an old target failing health checks does not count", 2, []awsfake.Target{newT(0, healthy), newT(1, healthy), {IP: awsfake.OldTaskIP(0), State: unhealthy, Reason: "Target.Timeout", Settled: true}}, ""},
		{"one of two new targets healthy", 2, []awsfake.Target{newT(0, healthy), {IP: awsfake.TaskIP(1), State: initial, Reason: "Elb.InitialHealthChecking"}}, "targets of the new tasks 1/2 healthy, 1 initial Elb.InitialHealthChecking"},
		{"one of two new targets registered", 2, []awsfake.Target{newT(0, healthy)}, "targets of the new tasks 1/2 healthy"},
		{"a new target unhealthy beside a healthy one", 2, []awsfake.Target{newT(0, healthy), {IP: awsfake.TaskIP(1), State: unhealthy, Reason: "Target.ResponseCodeMismatch"}}, "targets of the new tasks 1/2 healthy, 1 unhealthy Target.ResponseCodeMismatch"},
		{"only the old deployment's target healthy", 1, []awsfake.Target{oldT(0, healthy)}, "targets of the new tasks 0/1 healthy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(awsfake.Rollout{After: 20 * time.Second, Desire: tc.desire, Old: 2}, awsfake.Health{After: 30 * time.Second, Targets: tc.targets})
			err := f.c.Verify(context.Background(), target(5*time.Minute))
			if tc.pending == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "service ep-a: "+tc.pending) {
				t.Fatalf("Verify = %v, want the deadline with %q", err, tc.pending)
			}
		})
	}
}

// TestVerifyWithoutPrimaryFailsAtOnce: a service without a PRIMARY
// deployment has no rollout to wait for; the check says so at once, with
// the service's latest events.
func TestVerifyWithoutPrimaryFailsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{NoPrimary: true}, awsfake.Health{})
	err := f.c.Verify(context.Background(), target(30*time.Minute))
	if err == nil {
		t.Fatal("Verify of a service without a PRIMARY deployment succeeded")
	}
	mustContain(t, err.Error(), "service ep-a has no PRIMARY deployment (status ACTIVE)", "latest events: (service ep-a) has started 1 tasks: (task 0a1b2c3d).")
	if waited := f.clk.Now().Sub(start); waited != 0 {
		t.Errorf("waited %s before failing", waited)
	}
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%q does not contain %q", got, w)
		}
	}
}
