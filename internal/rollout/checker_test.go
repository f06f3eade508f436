package rollout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

const (
	svcARN = "arn:aws:ecs:eu-west-1:123456789012:service/ep-a-cluster/ep-a"
	tgARN  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a-tg/0123456789abcdef"
)

// The account's ECS and ELBv2 fakes, plain and as a role, answer every
// call the checker makes.
var (
	_ rollout.ECSAPI = (*awsfake.ECS)(nil)
	_ rollout.ECSAPI = (*awsfake.GatedECS)(nil)
	_ rollout.ELBAPI = (*awsfake.ELB)(nil)
	_ rollout.ELBAPI = (*awsfake.GatedELB)(nil)
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	clk *clock.Fake
	ecs *awsfake.ECS
	elb *awsfake.ELB
	c   *rollout.Checker
}

func newFixture(r awsfake.Rollout, h awsfake.Health) *fixture {
	clk := clock.NewFake(start)
	f := &fixture{clk: clk, ecs: awsfake.NewECS(clk), elb: awsfake.NewELB(clk)}
	f.ecs.Default = r
	f.ecs.Register("ep-a", svcARN, tgARN)
	f.elb.Register(tgARN, h)
	f.c = &rollout.Checker{ECS: f.ecs, ELB: f.elb, Clock: clk}
	return f
}

func target(deadline time.Duration) stack.Target {
	return stack.Target{Stack: "ep-a", Since: start, Deadline: start.Add(deadline),
		Resources: []cfn.Resource{{LogicalID: "Service", PhysicalID: svcARN, Type: "AWS::ECS::Service"}, {LogicalID: "TG", PhysicalID: tgARN, Type: "AWS::ElasticLoadBalancingV2::TargetGroup"}}}
}

func TestVerifyWaitsForRolloutCompletedAndHealthyTargets(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{After: 2 * time.Minute}, awsfake.Health{After: 150 * time.Second})
	if err := f.c.Verify(context.Background(), target(10*time.Minute)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	waited := f.clk.Now().Sub(start)
	if waited < 150*time.Second || waited > 156*time.Second {
		t.Errorf("returned after %s, want soon after the targets turned healthy at 2m30s", waited)
	}
	for _, d := range f.clk.Slept() {
		if d > 5*time.Second {
			t.Errorf("slept %s between checks", d)
		}
	}
}

func TestVerifyCircuitBreakerFailsWithReasons(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{After: time.Minute, Fail: "tasks failed to start.", Stops: []string{
		"ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: Connection timed out",
		"Essential container in task exited",
	}, Exit: ptr(int32(137))}, awsfake.Health{})
	err := f.c.Verify(context.Background(), target(10*time.Minute))
	if err == nil || !strings.Contains(err.Error(), "rollout FAILED: ECS deployment circuit breaker: tasks failed to start.") {
		t.Fatalf("Verify = %v", err)
	}
	if waited := f.clk.Now().Sub(start); waited > time.Minute+6*time.Second {
		t.Errorf("failure noticed after %s", waited)
	}
	got := f.c.Diagnose(context.Background(), target(0))
	want := []string{
		"ECS service ep-a: deployment ecs-svc/1772366400 FAILED: ECS deployment circuit breaker: tasks failed to start.",
		"ECS service ep-a: (service ep-a) has started 1 tasks: (task 0a1b2c3d).",
		"ECS service ep-a: (service ep-a) (deployment ecs-svc/1772366400) deployment failed: tasks failed to start.",
		"stopped task 00000000000000000000000000000002: Essential container in task exited (container endpoint: exit code 137)",
		"stopped task 00000000000000000000000000000001: ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: Connection timed out (container endpoint: exit code 137)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diagnose (-want +got):\n%s", diff)
	}
}

func TestVerifyUnhealthyTargetsFailAtDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{After: 30 * time.Second}, awsfake.Health{After: 20 * time.Second, Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [404]", Path: "/health"})
	err := f.c.Verify(context.Background(), target(5*time.Minute))
	if err == nil || !strings.Contains(err.Error(), "targets of the new tasks 0/1 healthy, 1 unhealthy Target.ResponseCodeMismatch") {
		t.Fatalf("Verify = %v", err)
	}
	got := f.c.Diagnose(context.Background(), target(0))
	want := []string{
		"ECS service ep-a: (service ep-a) has started 1 tasks: (task 0a1b2c3d).",
		"ECS service ep-a: (service ep-a) has reached a steady state.",
		"target 10.0.1.23:8080 unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [404])",
		"target group ep-a-tg checks HTTP /health on port traffic-port and expects 200",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diagnose (-want +got):\n%s", diff)
	}
}

func TestVerifyWithoutServices(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{}, awsfake.Health{})
	if err := f.c.Verify(context.Background(), stack.Target{Stack: "bootstrap", Deadline: start}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.ecs.Calls()); n != 0 {
		t.Errorf("%d ECS calls for a stack without services", n)
	}
}

func ptr[T any](v T) *T { return &v }

// TestVerifySurvivesThrottling: polls that stay throttled after the SDK's
// retries (what the retryer surfaces) do not fail the check; it asks again.
func TestVerifySurvivesThrottling(t *testing.T) {
	t.Parallel()
	f := newFixture(awsfake.Rollout{After: 20 * time.Second}, awsfake.Health{After: 5 * time.Second})
	f.ecs.Throttle(10)
	if err := f.c.Verify(context.Background(), target(10*time.Minute)); err != nil {
		t.Fatalf("Verify after 10 throttles: %v", err)
	}
}
