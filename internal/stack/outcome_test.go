package stack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestNoopOnUnhealthyStackFails: an empty change set is "up to date" only
// for a stack in a healthy status; one left failed is an error that says
// how to repair it, for deploy and plan alike, with no stack write.
func TestNoopOnUnhealthyStackFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status types.StackStatus
		hint   string // "" means healthy: the no-op succeeds
	}{
		{types.StackStatusCreateComplete, ""},
		{types.StackStatusUpdateComplete, ""},
		{types.StackStatusUpdateRollbackComplete, ""},
		{types.StackStatusImportComplete, ""},
		{types.StackStatusImportRollbackComplete, ""},
		{types.StackStatusCreateFailed, "aws cloudformation delete-stack --stack-name ep-a"},
		{types.StackStatusUpdateFailed, "aws cloudformation rollback-stack --stack-name ep-a"},
		{types.StackStatusImportRollbackFailed, "continue-update-rollback --stack-name ep-a"},
	} {
		for _, op := range []string{"deploy", "plan"} {
			t.Run(op+"/"+string(tc.status), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				seed(t, w, tc.status)
				run := w.d.Deploy
				if op == "plan" {
					run = w.d.Plan
				}
				res, err := run(context.Background(), request(t))
				if !res.NoChanges {
					t.Fatalf("NoChanges false (err %v); the change set was expected to be empty", err)
				}
				if got := w.cf.StackWrites(); len(got) != 0 {
					t.Errorf("stack writes: %v", got)
				}
				if tc.hint == "" {
					if err != nil {
						t.Fatalf("%s of a %s stack without changes: %v", op, tc.status, err)
					}
					return
				}
				if err == nil {
					t.Fatalf("%s of a %s stack without changes succeeded", op, tc.status)
				}
				mustContain(t, "error", err.Error(), "stack ep-a is "+string(tc.status), "not in a healthy state")
				mustContain(t, "hint", fault.Hint(err), tc.hint, "then run mlops deploy again")
				if strings.Contains(w.log.String(), "up to date") {
					t.Errorf("log calls the %s stack up to date:\n%s", tc.status, w.log)
				}
			})
		}
	}
}

// TestNextStepSaysWhatIsTrue: the hint after a failure describes where
// the stack and its service really are, case by case.
func TestNextStepSaysWhatIsTrue(t *testing.T) {
	t.Parallel()
	breaker := fmt.Errorf("service ep-a: %w: ECS deployment circuit breaker: tasks failed to start.", stack.ErrRolloutFailed)
	unhealthy := fmt.Errorf("rollout not finished before the deadline: service ep-a: targets 0/2 healthy")
	for _, tc := range []struct {
		name    string
		o       stack.Outcome
		details []string
		want    string
	}{
		{"failed first create", stack.Outcome{Stack: "ep-a", Status: "ROLLBACK_COMPLETE", Created: true},
			nil,
			"the first create of stack ep-a failed and CloudFormation rolled it back (ROLLBACK_COMPLETE): its resources were deleted, except any with DeletionPolicy Retain, and nothing of it runs; the next mlops deploy deletes the stack and creates it again; fix the cause above, then run mlops deploy again"},
		{"failed first create whose rollback failed", stack.Outcome{Stack: "ep-a", Status: "ROLLBACK_FAILED", Created: true},
			nil,
			"the first create of stack ep-a failed and so did its rollback (ROLLBACK_FAILED): some of its resources remain, nothing of it serves; the next mlops deploy tries to delete the stack and create it again; fix the cause above, then run mlops deploy again"},
		{"failed update", stack.Outcome{Stack: "ep-a", Status: "UPDATE_ROLLBACK_COMPLETE"},
			[]string{"stopped task 1: CannotPullContainerError: not found"},
			"the update failed and CloudFormation rolled stack ep-a back to its previous template and parameters, which keep running; the image could not be pulled: check that it was pushed (mlops build) and that the task execution role may pull from the ECR repository, then run mlops deploy again"},
		{"failed update whose rollback failed", stack.Outcome{Stack: "ep-a", Status: "UPDATE_ROLLBACK_FAILED"},
			nil,
			"the update failed and so did its rollback: stack ep-a is UPDATE_ROLLBACK_FAILED, with resources on both versions; the next mlops deploy continues the rollback first; fix the cause above, then run mlops deploy again"},
		{"timed-out create", stack.Outcome{Stack: "ep-a", Status: "CREATE_IN_PROGRESS", Created: true},
			nil,
			"a create cannot be cancelled: CloudFormation carries on with stack ep-a (CREATE_IN_PROGRESS) and rolls it back if it fails; nothing of it serves yet; fix the cause above, then run mlops deploy again"},
		{"circuit breaker after a complete update", stack.Outcome{Stack: "ep-a", Status: "UPDATE_COMPLETE", Rollout: breaker},
			[]string{"stopped task 1: Essential container in task exited"},
			"stack ep-a is updated to the new template (UPDATE_COMPLETE), but ECS's circuit breaker failed the new deployment and rolled the service back to its last completed one, which keeps serving; the stack itself was not rolled back; the container exited: read its logs (CloudWatch log group of the service) and fix the endpoint, then run mlops deploy again"},
		{"circuit breaker after a complete create", stack.Outcome{Stack: "ep-a", Status: "CREATE_COMPLETE", Created: true, Rollout: breaker},
			nil,
			"stack ep-a was created (CREATE_COMPLETE), but ECS's circuit breaker failed its service's first deployment: there is no earlier one to roll back to, so no task serves; fix the cause above, then run mlops deploy again"},
		{"unhealthy targets after a complete update", stack.Outcome{Stack: "ep-a", Status: "UPDATE_COMPLETE", Rollout: unhealthy},
			[]string{"target 10.0.1.23:8080 unhealthy: Target.ResponseCodeMismatch"},
			"stack ep-a is on the new template (UPDATE_COMPLETE), but its service is not healthy; CloudFormation does not roll this back, so the new tasks stay until the next deploy; the load balancer's health check failed: make the health-check path (ApiHealthCheckPath) answer 200 within the grace period, then run mlops deploy again"},
		{"failed first bootstrap", stack.Outcome{Stack: "ecs-mlops-bootstrap", Status: "ROLLBACK_COMPLETE", Created: true, Command: "mlops bootstrap"},
			nil,
			"the first create of stack ecs-mlops-bootstrap failed and CloudFormation rolled it back (ROLLBACK_COMPLETE): its resources were deleted, except any with DeletionPolicy Retain, and nothing of it runs; the next mlops bootstrap deletes the stack and creates it again; fix the cause above, then run mlops bootstrap again"},
		{"failed bootstrap update", stack.Outcome{Stack: "ecs-mlops-bootstrap", Status: "UPDATE_ROLLBACK_COMPLETE", Command: "mlops bootstrap"},
			nil,
			"the update failed and CloudFormation rolled stack ecs-mlops-bootstrap back to its previous template and parameters, which keep running; fix the cause above, then run mlops bootstrap again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &stack.Failure{Headline: "deploy failed", Status: tc.o.Status, Details: tc.details}
			got := stack.NextStep(f, tc.o)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NextStep (-want +got):\n%s", diff)
			}
			if strings.Contains(got, "previous version") && tc.o.Status != "UPDATE_ROLLBACK_COMPLETE" {
				t.Errorf("hint claims a previous version: %s", got)
			}
		})
	}
}

// TestFailedFirstCreateHint: a create that rolls back says so, not that
// a previous version is running.
func TestFailedFirstCreateHint(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.Fail["Service"] = "Resource handler returned message: \"Invalid request provided: CreateService error\""
	res, err := w.d.Deploy(context.Background(), request(t))
	if err == nil {
		t.Fatal("failing create succeeded")
	}
	if res.Status != "ROLLBACK_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
	mustContain(t, "hint", fault.Hint(err), "the first create of stack ep-a failed and CloudFormation rolled it back (ROLLBACK_COMPLETE)", "nothing of it runs")
}

// TestRolloutFailureAfterCompleteUpdateHint: when the stack update
// completes and the rollout check then fails, the hint says the stack is
// updated and what happened to the service, not that the stack rolled back.
func TestRolloutFailureAfterCompleteUpdateHint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(*world)
		want  string
	}{
		{"circuit breaker", func(w *world) { w.ecs.Default.Fail = "tasks failed to start." },
			"stack ep-a is updated to the new template (UPDATE_COMPLETE), but ECS's circuit breaker failed the new deployment and rolled the service back to its last completed one"},
		{"unhealthy targets", func(w *world) {
			tg := "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a-TargetGroup/0123"
			w.elb.Register(tg, awsfake.Health{Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [404]"})
			w.ecs.Register("ep-a", "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ep-a-Service", tg)
		}, "stack ep-a is on the new template (UPDATE_COMPLETE), but its service is not healthy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			seed(t, w, types.StackStatusUpdateComplete)
			tc.setup(w)
			req := request(t, "DesiredCount=2")
			req.Timeout = 10 * time.Minute
			res, err := w.d.Deploy(context.Background(), req)
			if err == nil {
				t.Fatal("deploy with a failing rollout succeeded")
			}
			if res.Status != "UPDATE_COMPLETE" {
				t.Errorf("status %s", res.Status)
			}
			mustContain(t, "hint", fault.Hint(err), tc.want)
		})
	}
}
