package stack

import (
	"context"
	"strings"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// Verifier checks what CloudFormation cannot: that every ECS service of the
// stack finished its rollout with healthy targets. internal/rollout
// implements it.
type Verifier interface {
	// Verify waits, until t.Deadline, for every service to complete its
	// rollout and its targets to be healthy.
	Verify(ctx context.Context, t Target) error
	// Diagnose returns lines explaining a failure: service events, stopped
	// tasks' reasons and target health reasons.
	Diagnose(ctx context.Context, t Target) []string
}

// Target is a stack's resources as the Verifier sees them.
type Target struct {
	Stack     string
	Resources []cfn.Resource // Properties unset; PhysicalID and LogicalID set
	Since     time.Time      // when the operation began, on AWS's clock where the stack's events tell it
	Deadline  time.Time
}

// ResourcesOf returns the target's resources of one type.
func (t Target) ResourcesOf(typ string) []cfn.Resource {
	var out []cfn.Resource
	for _, r := range t.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Failure is a deploy that ran and did not succeed.
type Failure struct {
	Headline string   // the first failing resource and its reason
	Status   string   // the stack's status afterwards
	Details  []string // ECS events, stopped-task reasons, target health
}

func (f *Failure) Error() string {
	if len(f.Details) == 0 {
		return f.Headline
	}
	return f.Headline + "\n  " + strings.Join(f.Details, "\n  ")
}

// cancelled are the reasons of resources CloudFormation stopped because
// another one failed; they are never the headline.
var cancelled = []string{"Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled"}

// FirstFailure returns the earliest failed resource event whose reason is
// the cause rather than a consequence. Resources CloudFormation stopped
// because another failed ("Resource creation cancelled") are skipped even
// when their events come first; without a real failure the stack's own
// reason ("The following resource(s) failed to create: [...]") is next
// best, then a cancelled resource.
func FirstFailure(events []Event, stack string) (Event, bool) {
	var own, cancel Event
	hasOwn, hasCancel := false, false
	for _, e := range events {
		switch {
		case e.LogicalID == stack:
			if !hasOwn && e.Reason != "" && (strings.HasSuffix(e.Status, "_FAILED") || strings.HasSuffix(e.Status, "ROLLBACK_IN_PROGRESS")) {
				own, hasOwn = e, true
			}
		case !strings.HasSuffix(e.Status, "_FAILED"):
		case !isCancelled(e.Reason):
			return e, true
		case !hasCancel:
			cancel, hasCancel = e, true
		}
	}
	if hasOwn {
		return own, true
	}
	return cancel, hasCancel
}

// RollbackCause returns the stack's own first rollback event with a
// reason: the cause when no resource failed, e.g. "No export named X
// found." or an export in use, which fail the operation as a whole.
func RollbackCause(events []Event, stack string) (Event, bool) {
	for _, e := range events {
		if e.LogicalID == stack && e.Reason != "" && (e.Status == "ROLLBACK_IN_PROGRESS" || e.Status == "UPDATE_ROLLBACK_IN_PROGRESS") {
			return e, true
		}
	}
	return Event{}, false
}

func isCancelled(reason string) bool {
	for _, c := range cancelled {
		if strings.Contains(reason, c) {
			return true
		}
	}
	return false
}
