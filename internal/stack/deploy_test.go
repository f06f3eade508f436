package stack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// seed puts ep-a in place as the request would deploy it, in status.
func seed(t *testing.T, w *world, status types.StackStatus, mutate ...func(*awsfake.StackSeed)) {
	t.Helper()
	req := request(t)
	s := awsfake.StackSeed{Name: "ep-a", Status: status, Template: req.Template, Params: req.Params.Values, Tags: req.Tags}
	for _, m := range mutate {
		m(&s)
	}
	w.cf.Put(s)
}

func TestCreateWhenStackAbsent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res, err := w.d.Deploy(context.Background(), request(t))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.ChangeSetType != "CREATE" || res.Status != "CREATE_COMPLETE" {
		t.Errorf("type %s status %s, want CREATE / CREATE_COMPLETE", res.ChangeSetType, res.Status)
	}
	want := map[string]string{
		"EndpointUrl":     "https://api.example.com",
		"ClusterName":     "ecs-mlops-prod",
		"LoadBalancerDNS": "ep-a-loadbalancer-1234567890.eu-west-1.elb.amazonaws.com",
		"ServiceArn":      "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ep-a-Service",
	}
	if diff := cmp.Diff(want, res.OutputMap()); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestCreateWhenReviewInProgress(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusReviewInProgress})
	res, err := w.d.Deploy(context.Background(), request(t))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.ChangeSetType != "CREATE" || res.Status != "CREATE_COMPLETE" {
		t.Errorf("type %s status %s, want CREATE / CREATE_COMPLETE", res.ChangeSetType, res.Status)
	}
}

func TestUpdateWhenStackExists(t *testing.T) {
	t.Parallel()
	for _, status := range []types.StackStatus{types.StackStatusCreateComplete, types.StackStatusUpdateComplete, types.StackStatusUpdateRollbackComplete, types.StackStatusImportComplete} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			seed(t, w, status)
			res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
			if err != nil {
				t.Fatalf("Deploy: %v\n%s", err, w.log)
			}
			if res.ChangeSetType != "UPDATE" || res.Status != "UPDATE_COMPLETE" {
				t.Errorf("type %s status %s, want UPDATE / UPDATE_COMPLETE", res.ChangeSetType, res.Status)
			}
			want := []stack.Change{{Action: "Modify", LogicalID: "Service", PhysicalID: "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ep-a-Service", Type: "AWS::ECS::Service", Replacement: "False"}}
			if diff := cmp.Diff(want, res.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoopRedeployMakesNoWrites(t *testing.T) {
	t.Parallel()
	for _, reason := range []string{awsfake.EmptyChangeSetReasonNew, awsfake.EmptyChangeSetReasonOld} {
		t.Run(reason[:20], func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.cf.EmptyReason = reason
			seed(t, w, types.StackStatusUpdateComplete)
			res, err := w.d.Deploy(context.Background(), request(t))
			if err != nil {
				t.Fatalf("Deploy: %v\n%s", err, w.log)
			}
			if !res.NoChanges {
				t.Errorf("NoChanges false; changes %v", res.Changes)
			}
			// The change set takes the fake's 2 s: polled at 0, 1 s and 2.2 s.
			want := []string{"DescribeStacks", "CreateChangeSet", "DescribeChangeSet", "DescribeChangeSet", "DescribeChangeSet", "DeleteChangeSet"}
			if diff := cmp.Diff(want, w.cf.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if got := w.cf.StackWrites(); len(got) != 0 {
				t.Errorf("stack writes on a no-op: %v", got)
			}
			if res.OutputMap()["EndpointUrl"] != "https://api.example.com" {
				t.Errorf("outputs %v", res.Outputs)
			}
		})
	}
}

func TestRollbackCompleteIsRecreated(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusRollbackComplete)
	res, err := w.d.Deploy(context.Background(), request(t))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.ChangeSetType != "CREATE" || res.Status != "CREATE_COMPLETE" {
		t.Errorf("type %s status %s", res.ChangeSetType, res.Status)
	}
	calls := strings.Join(w.cf.Calls(), " ")
	if !strings.Contains(calls, "DeleteStack") || strings.Index(calls, "DeleteStack") > strings.Index(calls, "CreateChangeSet") {
		t.Errorf("want DeleteStack before CreateChangeSet: %s", calls)
	}
	mustContain(t, "log", w.log.String(), "ROLLBACK_COMPLETE: its first create failed", "DELETE_COMPLETE")
}

func TestRollbackCompleteProtectedIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusRollbackComplete, func(s *awsfake.StackSeed) { s.Protected = true })
	_, err := w.d.Deploy(context.Background(), request(t))
	if err == nil || !strings.Contains(err.Error(), "termination protection") || fault.Hint(err) == "" {
		t.Fatalf("err = %v (hint %q)", err, fault.Hint(err))
	}
	if got := w.cf.StackWrites(); len(got) != 0 {
		t.Errorf("writes: %v", got)
	}
}

func TestUpdateRollbackFailedIsContinued(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusUpdateRollbackFailed)
	res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.Status != "UPDATE_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
	calls := w.cf.Calls()
	if count(calls, "ContinueUpdateRollback") != 1 {
		t.Errorf("calls %v", calls)
	}
}

func TestInProgressIsWaitedFor(t *testing.T) {
	t.Parallel()
	for _, status := range []types.StackStatus{types.StackStatusUpdateInProgress, types.StackStatusCreateInProgress, types.StackStatusUpdateRollbackInProgress} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			seed(t, w, status, func(s *awsfake.StackSeed) { s.FinishAfter = 4 * time.Minute })
			res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
			if err != nil {
				t.Fatalf("Deploy: %v\n%s", err, w.log)
			}
			// The fake refuses a change set on a busy stack with AWS's
			// "is in UPDATE_IN_PROGRESS state and can not be updated", so
			// success means the deploy never competed with the operation.
			if res.Status != "UPDATE_COMPLETE" || w.clk.Now().Sub(epoch) < 4*time.Minute {
				t.Errorf("status %s after %s", res.Status, w.clk.Now().Sub(epoch))
			}
			mustContain(t, "log", w.log.String(), "(another operation is running); waiting")
		})
	}
}

func TestInProgressWaitIsBounded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusUpdateInProgress) // never finishes
	req := request(t)
	req.Timeout = 10 * time.Minute
	_, err := w.d.Deploy(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "wait for the running operation") {
		t.Fatalf("err = %v", err)
	}
	if got := w.clk.Now().Sub(epoch); got < 10*time.Minute || got > 11*time.Minute {
		t.Errorf("waited %s, want about the 10m timeout", got)
	}
	if n := count(w.cf.Calls(), "CreateChangeSet"); n != 0 {
		t.Errorf("%d competing change sets", n)
	}
}

func TestStatefulReplacementRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, repl string
		allow      bool
	}{
		{"replace", "True", false},
		{"conditional", "Conditional", false},
		{"allowed", "True", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			seed(t, w, types.StackStatusUpdateComplete)
			w.cf.Replacement["FileSystem"] = tc.repl
			req := request(t, "ProjectName=renamed") // FileSystem's tags use ProjectName
			req.AllowReplace = tc.allow
			_, err := w.d.Deploy(context.Background(), req)
			if tc.allow {
				if err != nil {
					t.Fatalf("Deploy with --allow-replace: %v", err)
				}
				mustContain(t, "log", w.log.String(), "allowed by --allow-replace")
				return
			}
			if err == nil {
				t.Fatal("deploy replacing an EFS file system succeeded")
			}
			mustContain(t, "error", err.Error(), "AWS::EFS::FileSystem FileSystem", "would destroy stored data")
			mustContain(t, "hint", fault.Hint(err), "--allow-replace")
			if got := w.cf.StackWrites(); len(got) != 0 {
				t.Errorf("stack writes: %v", got)
			}
			if count(w.cf.Calls(), "DeleteChangeSet") != 1 {
				t.Errorf("refused change set not deleted: %v", w.cf.Calls())
			}
		})
	}
}

func TestStatefulRemovalRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusUpdateComplete)
	req := request(t)
	body := strings.Replace(string(req.Template.Body), "  FileSystem:\n    Type: AWS::EFS::FileSystem\n    DeletionPolicy: Retain", "  Volume:\n    Type: AWS::EFS::FileSystem\n    DeletionPolicy: Retain", 1)
	tpl, err := cfn.ParseTemplate("renamed.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Template = tpl
	_, err = w.d.Deploy(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "FileSystem (fs-") || !strings.Contains(err.Error(), "would be deleted") {
		t.Fatalf("err = %v", err)
	}
}

// TestThrottleAfterRetriesFails: throttling is retried by the SDK client
// (awsauth.NewRetryer); when it still surfaces, the deploy stops before any
// write and says which call AWS throttled.
func TestThrottleAfterRetriesFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusUpdateComplete)
	w.cf.Throttle(1)
	_, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	if err == nil {
		t.Fatal("Deploy succeeded on a throttled DescribeStacks")
	}
	mustContain(t, "error", err.Error(), `describe stack "ep-a"`, "Throttling: Rate exceeded")
	if n := count(w.cf.Calls(), "CreateChangeSet"); n != 0 {
		t.Errorf("%d CreateChangeSet calls after a throttled read", n)
	}
}

func TestTimeoutCancelsUpdate(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{0, 90 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			testTimeoutCancelsUpdate(t, skew)
		})
	}
}

// testTimeoutCancelsUpdate: how long the stuck resource has been in
// progress is measured on AWS's clock, whatever the runner's says.
func testTimeoutCancelsUpdate(t *testing.T, skew time.Duration) {
	w := newWorld(t)
	w.cf.Skew = skew
	seed(t, w, types.StackStatusUpdateComplete)
	w.cf.Hang["Service"] = true
	req := request(t, "DesiredCount=2")
	req.Timeout = 5 * time.Minute
	res, err := w.d.Deploy(context.Background(), req)
	if err == nil {
		t.Fatal("stuck update succeeded")
	}
	if count(w.cf.Calls(), "CancelUpdateStack") != 1 {
		t.Errorf("calls %v", w.cf.Calls())
	}
	mustContain(t, "log", w.log.String(), "still waiting: AWS::ECS::Service Service UPDATE_IN_PROGRESS for 1m")
	mustContain(t, "error", err.Error(), "did not finish within 5m0s", "AWS::ECS::Service Service was still UPDATE_IN_PROGRESS", "the update was cancelled (stack now UPDATE_ROLLBACK_COMPLETE)")
	if res.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
}

func TestFailureHeadlineAndDiagnosis(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	seed(t, w, types.StackStatusUpdateComplete)
	w.cf.Fail["Service"] = `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (RequestToken: 121161f9-1c97-e3d5-b4d3-8328bb2b676c, HandlerErrorCode: GeneralServiceException)`
	w.ecs.Default.Fail = "tasks failed to start."
	w.ecs.Default.Stops = []string{"Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a-TargetGroup/0123)"}
	w.elb.Default.Reason = "Target.ResponseCodeMismatch"
	w.elb.Default.Description = "Health checks failed with these codes: [404]"
	arn := "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ep-a-Service"
	w.ecs.Register("ep-a", arn, "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a-TargetGroup/0123")
	w.elb.Register("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a-TargetGroup/0123", w.elb.Default)
	res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	var f *stack.Failure
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want a *stack.Failure", err)
	}
	if res.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
	golden.Check(t, "failure.golden", err.Error()+"\nhint: "+fault.Hint(err)+"\n")
}

func TestTagsAndTerminationProtection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	req := request(t)
	req.Protect = true
	if _, err := w.d.Deploy(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !w.cf.Protected("ep-a") {
		t.Error("termination protection not enabled")
	}
	out, err := w.cf.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-a")})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range out.Stacks[0].Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if diff := cmp.Diff(map[string]string{"mlops:environment": "ep-a", "mlops:commit": "0123456789abcdef"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	unprotected := newWorld(t)
	if _, err := unprotected.d.Deploy(context.Background(), request(t)); err != nil {
		t.Fatal(err)
	}
	if unprotected.cf.Protected("ep-a") || count(unprotected.cf.Calls(), "UpdateTerminationProtection") != 0 {
		t.Error("unprotected environment got termination protection")
	}
}

func TestFailedChangeSetIsReportedAndRemoved(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.ChangeSetFail = "Requires capabilities : [CAPABILITY_IAM]"
	_, err := w.d.Deploy(context.Background(), request(t))
	if err == nil || !strings.Contains(err.Error(), `change set for stack "ep-a" failed: Requires capabilities : [CAPABILITY_IAM]`) {
		t.Fatalf("err = %v", err)
	}
	if fault.Hint(err) == "" || count(w.cf.Calls(), "ExecuteChangeSet") != 0 {
		t.Errorf("hint %q, calls %v", fault.Hint(err), w.cf.Calls())
	}
	w.clk.Advance(5 * time.Second)
	if got := w.cf.Status("ep-a"); got != "" {
		t.Errorf("failed CREATE change set left the stack in %s", got)
	}
}
