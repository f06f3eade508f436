package stack_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
)

var eventLine = regexp.MustCompile(`^\s+\+(\S+)\s+([A-Z_]+)\s+(\S+)\s+(AWS::\S+)\s*(.*)$`)

// TestEventsStreamedInOrder pages events three at a time (DescribeStackEvents
// answers newest first) and checks the log shows each event of this deploy
// once, oldest first, with elapsed time, resource, type, status and reason,
// while polls back off from 1s to 5s when nothing happens.
func TestEventsStreamedInOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.PageSize = 3
	seed(t, w, types.StackStatusUpdateComplete)
	w.cf.Durations["Service"] = 3 * time.Minute
	res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2", "ProjectName=other"))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	var lines []string
	var last time.Duration
	seen := map[string]bool{}
	for _, l := range strings.Split(w.log.String(), "\n") {
		m := eventLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		d, err := time.ParseDuration(m[1])
		if err != nil {
			t.Fatalf("elapsed %q: %v", m[1], err)
		}
		if d < last {
			t.Errorf("event out of order: %q after +%s", l, last)
		}
		last = d
		if seen[l] {
			t.Errorf("duplicate event line %q", l)
		}
		seen[l] = true
		lines = append(lines, l)
	}
	if len(lines) != len(res.Events) {
		t.Errorf("%d event lines, %d events", len(lines), len(res.Events))
	}
	first, final := res.Events[0], res.Events[len(res.Events)-1]
	if first.Status != "UPDATE_IN_PROGRESS" || first.Reason != "User Initiated" || final.Status != "UPDATE_COMPLETE" || final.LogicalID != "ep-a" {
		t.Errorf("first %+v last %+v", first, final)
	}
	for _, e := range res.Events {
		if e.Status == "UPDATE_ROLLBACK_COMPLETE" || e.Status == "CREATE_COMPLETE" && e.LogicalID == "ep-a" {
			t.Errorf("event of an earlier operation shown: %+v", e)
		}
	}
	var quiet []time.Duration
	for _, d := range w.clk.Slept() {
		if d < time.Second || d > 5*time.Second {
			t.Errorf("poll interval %s outside 1s..5s", d)
		}
		quiet = append(quiet, d)
	}
	if !containsRun(quiet, []time.Duration{time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond}) || !containsRun(quiet, []time.Duration{5 * time.Second, 5 * time.Second}) {
		t.Errorf("no backoff 1s → 1.5s → 2.25s … 5s in %v", quiet)
	}
}

func containsRun(xs, run []time.Duration) bool {
	for i := 0; i+len(run) <= len(xs); i++ {
		ok := true
		for j := range run {
			ok = ok && xs[i+j] == run[j]
		}
		if ok {
			return true
		}
	}
	return false
}

// TestEventsWithFastRunnerClock: the runner's clock 90 s ahead of
// CloudFormation's must not hide this deploy's first events.
func TestEventsWithFastRunnerClock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.Skew = 90 * time.Second
	seed(t, w, types.StackStatusUpdateComplete)
	res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if len(res.Events) == 0 || res.Events[0].Reason != "User Initiated" || res.Events[0].Status != "UPDATE_IN_PROGRESS" {
		t.Errorf("first event %+v, want the stack's UPDATE_IN_PROGRESS User Initiated", res.Events)
	}
}

// TestMissedFinalEvent: when the stack's last event never shows, its status
// is read from the stack after a quiet half minute.
func TestMissedFinalEvent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.LoseFinalEvent = true
	seed(t, w, types.StackStatusUpdateComplete)
	res, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, w.log)
	}
	if res.Status != "UPDATE_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
	mustContain(t, "log", w.log.String(), "stack ep-a is UPDATE_COMPLETE (read from the stack; its last event was not seen)")
}

// TestInProgressWaitWithFastRunnerClock: with the runner's clock 90 s
// ahead of CloudFormation's, another operation that ends after 30 s is
// noticed within a poll, from the stack's status, not at the timeout.
func TestInProgressWaitWithFastRunnerClock(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"deploy", "plan"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.cf.Skew = 90 * time.Second
			seed(t, w, types.StackStatusUpdateInProgress, func(s *awsfake.StackSeed) { s.FinishAfter = 30 * time.Second })
			req := request(t, "DesiredCount=2")
			req.Timeout = 20 * time.Minute
			run := w.d.Deploy
			if op == "plan" {
				run = w.d.Plan
			}
			if _, err := run(context.Background(), req); err != nil {
				t.Fatalf("%s: %v\n%s", op, err, w.log)
			}
			if n := count(w.cf.Calls(), "CreateChangeSet"); n != 1 {
				t.Fatalf("%d change sets", n)
			}
			if !regexp.MustCompile(`UPDATE_COMPLETE\s+ep-a\s+AWS::CloudFormation::Stack`).MatchString(w.log.String()) {
				t.Errorf("the other operation's last event is not shown:\n%s", w.log)
			}
			// The change set is created once the wait is over: when the
			// stack was seen complete, at most a poll after 30 s.
			if got, ok := w.log.at("change set mlops-"); !ok || got > 36*time.Second {
				t.Errorf("change set created %s after the start, want within a poll of the stack finishing at 30s", got)
			}
		})
	}
}

// TestEventsWithVeryFastRunnerClock: however far the runner's clock is
// ahead (here 10 minutes), this deploy's events are found by ID and
// client request token, not by time: a create, an update and the delete
// of a failed create all stream and end on their own last event.
func TestEventsWithVeryFastRunnerClock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status types.StackStatus // "" means no stack yet
		want   string
	}{
		{"create", "", "CREATE_COMPLETE"},
		{"update", types.StackStatusUpdateComplete, "UPDATE_COMPLETE"},
		{"recreate", types.StackStatusRollbackComplete, "CREATE_COMPLETE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.cf.Skew = 10 * time.Minute
			if tc.status != "" {
				seed(t, w, tc.status)
			}
			req := request(t, "DesiredCount=2")
			req.Timeout = 20 * time.Minute
			res, err := w.d.Deploy(context.Background(), req)
			if err != nil {
				t.Fatalf("Deploy: %v\n%s", err, w.log)
			}
			if res.Status != tc.want {
				t.Errorf("status %s, want %s", res.Status, tc.want)
			}
			if len(res.Events) == 0 || res.Events[0].Reason != "User Initiated" {
				t.Errorf("events %+v, want this deploy's from its User Initiated start", res.Events)
			}
			if strings.Contains(w.log.String(), "read from the stack; its last event was not seen") {
				t.Errorf("the last event was missed:\n%s", w.log)
			}
			if got := w.clk.Now().Sub(epoch); got > 10*time.Minute {
				t.Errorf("deploy took %s on the fake clock", got)
			}
		})
	}
}

// TestDiagnosisWithFastRunnerClock: with the runner's clock 90 s ahead of
// AWS's, the ECS service's events and stopped tasks of this deploy still
// explain its failure: they are selected by AWS's time of the operation's
// start, not the runner's.
func TestDiagnosisWithFastRunnerClock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cf.Skew, w.ecs.Skew = 90*time.Second, 90*time.Second
	seed(t, w, types.StackStatusUpdateComplete)
	w.cf.Fail["Service"] = `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."`
	w.ecs.Default.Fail = "tasks failed to start."
	w.ecs.Default.Stops = []string{"CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"}
	// The service's failed deployment starts with the change set, on AWS's clock.
	w.ecs.Register("ep-a", "arn:aws:ecs:eu-west-1:123456789012:service/ecs-mlops-prod/ep-a-Service")
	_, err := w.d.Deploy(context.Background(), request(t, "DesiredCount=2"))
	if err == nil {
		t.Fatal("failing deploy succeeded")
	}
	mustContain(t, "error", err.Error(),
		"(service ep-a-Service) (deployment ecs-svc/",
		"deployment failed: tasks failed to start.",
		"stopped task 00000000000000000000000000000001: CannotPullContainerError")
}
