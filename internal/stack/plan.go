package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Plan creates the change set a deploy would execute, records its changes
// and deletes it again (and the empty stack a CREATE change set leaves).
// It never executes anything. A stack whose first create failed is shown
// as it will be deployed: every resource added.
func (d *Deployer) Plan(ctx context.Context, req Request) (*Result, error) {
	start := d.Clock.Now()
	res := &Result{Stack: req.Stack}
	defer func() { res.Elapsed = d.Clock.Now().Sub(start) }()
	deadline := start.Add(req.timeout())
	for {
		st, err := d.describe(ctx, req.Stack)
		if err != nil {
			return res, err
		}
		if st != nil {
			res.Status = string(st.StackStatus)
		}
		switch {
		case st == nil:
		case st.StackStatus == types.StackStatusRollbackComplete || st.StackStatus == types.StackStatusRollbackFailed:
			res.Recovered = append(res.Recovered, fmt.Sprintf("stack is %s (its first create failed): deploy will delete it and create it again", st.StackStatus))
			res.ChangeSetType = string(types.ChangeSetTypeCreate)
			res.Changes = offlineAdds(req.Template)
			d.report().Printf("%s", ChangesTable(res.Changes))
			return res, nil
		case st.StackStatus == types.StackStatusUpdateRollbackFailed:
			return res, fault.WithHint(fmt.Errorf("stack %q is UPDATE_ROLLBACK_FAILED; no change set can be planned until the rollback is continued", req.Stack),
				"run mlops deploy, which continues the rollback first, or aws cloudformation continue-update-rollback")
		case strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") && st.StackStatus != types.StackStatusReviewInProgress:
			d.report().Printf("stack %s is %s; waiting for it to finish before planning", req.Stack, st.StackStatus)
			if _, err := d.waitOther(ctx, req.Stack, deadline); err != nil {
				return res, fmt.Errorf("wait for the running operation on stack %q: %w", req.Stack, err)
			}
			continue
		}
		ref, err := d.changeSet(ctx, req, st, res)
		if err == nil && res.NoChanges && st != nil && !IsHealthy(st.StackStatus) {
			// A deploy of the same template would fail on the stack's state.
			return res, unhealthyNoop(req, st)
		}
		if err != nil || res.NoChanges {
			return res, err
		}
		if res.ExportsInUse, err = d.exportsInUse(ctx, req, st, res.Changes); err != nil {
			_ = d.deleteChangeSet(ctx, req, ref, types.ChangeSetType(res.ChangeSetType))
			return res, err
		}
		for _, l := range ExportLines(res.ExportsInUse) {
			d.report().Printf("warning: %s: mlops deploy refuses this change set", l)
		}
		return res, d.deleteChangeSet(ctx, req, ref, types.ChangeSetType(res.ChangeSetType))
	}
}

func offlineAdds(t *cfn.Template) []Change {
	out := make([]Change, 0, len(t.Resources))
	for _, id := range t.ResourceIDs() {
		out = append(out, Change{Action: "Add", LogicalID: id, Type: t.Resources[id].Type})
	}
	return out
}
