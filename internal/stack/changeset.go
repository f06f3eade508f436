package stack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Change is one resource change of a change set.
type Change struct {
	Action      string // Add, Modify, Remove, Import, Dynamic
	LogicalID   string
	PhysicalID  string
	Type        string
	Replacement string // True, False, Conditional or "" (Add/Remove)
}

// changeSetRef names a created change set.
type changeSetRef struct {
	name, id string
	created  time.Time // just before CreateChangeSet: events stream from here
	fresh    bool      // the stack did not exist before it: all its events are this deploy's
}

// emptyReasons are the two wordings CloudFormation uses for a change set
// without changes; both mean success.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
var emptyReasons = []string{"didn't contain changes", "No updates are to be performed"}

// IsEmptyChangeSetReason reports whether a FAILED change set's reason says
// only that there was nothing to change.
func IsEmptyChangeSetReason(reason string) bool {
	for _, r := range emptyReasons {
		if strings.Contains(reason, r) {
			return true
		}
	}
	return false
}

// changeSet creates a change set (CREATE when the stack is absent or only
// in REVIEW_IN_PROGRESS, UPDATE otherwise), waits for it and records its
// changes. An empty one is deleted and res.NoChanges set.
func (d *Deployer) changeSet(ctx context.Context, req Request, st *types.Stack, res *Result) (changeSetRef, error) {
	typ := types.ChangeSetTypeUpdate
	if st == nil || st.StackStatus == types.StackStatusReviewInProgress {
		typ = types.ChangeSetTypeCreate
	}
	res.ChangeSetType = string(typ)
	body, url, err := d.templateSource(ctx, req)
	if err != nil {
		return changeSetRef{}, err
	}
	name := d.changeSetName(req)
	res.ChangeSet = name
	created := d.Clock.Now()
	out, err := d.CFN.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(req.Stack),
		ChangeSetName: aws.String(name),
		ChangeSetType: typ,
		TemplateBody:  body,
		TemplateURL:   url,
		Parameters:    req.parameters(),
		Tags:          req.allTags(),
		Capabilities:  []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam, types.CapabilityCapabilityAutoExpand},
		ClientToken:   aws.String(name),
		Description:   aws.String("mlops deploy " + req.Commit),
	})
	if err != nil {
		return changeSetRef{}, fmt.Errorf("create change set for stack %q: %w", req.Stack, err)
	}
	ref := changeSetRef{name: name, id: aws.ToString(out.Id), created: created, fresh: st == nil}
	res.StackID = aws.ToString(out.StackId)
	d.report().Printf("created %s change set %s", typ, name)
	status, reason, err := d.waitChangeSet(ctx, req, ref, res)
	if err != nil {
		return ref, err
	}
	if status == types.ChangeSetStatusFailed {
		_ = d.deleteChangeSet(ctx, req, ref, typ)
		if IsEmptyChangeSetReason(reason) {
			res.NoChanges = true
			return ref, nil
		}
		return ref, fault.WithHint(fmt.Errorf("change set for stack %q failed: %s", req.Stack, reason),
			"fix the template or parameters named above; nothing was changed")
	}
	d.report().Printf("%s", ChangesTable(res.Changes))
	return ref, nil
}

func (d *Deployer) changeSetName(req Request) string {
	name := "mlops-" + d.Clock.Now().UTC().Format("20060102-150405")
	if c := shortCommit(req.Commit); c != "" {
		name += "-" + c
	}
	return name
}

func shortCommit(c string) string {
	var b strings.Builder
	for _, r := range c {
		if b.Len() == 12 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// waitChangeSet polls until the change set is computed and collects every
// page of its changes. It asks at once (an emulator, or a small change
// set, is ready in well under a second), then after changeSetPollMin,
// stretching to changeSetPollMax.
//
// The SDK's cloudformation.NewChangeSetCreateCompleteWaiter (with
// MinDelay/MaxDelay) does not fit: it sleeps and measures time on the
// wall clock (smithytime.SleepWithContext, time.Since), not the
// Deployer's, and it turns a FAILED change set into the bare error
// "waiter state transitioned to Failure", dropping the StatusReason that
// tells an empty change set (a successful no-op) from a broken one.
func (d *Deployer) waitChangeSet(ctx context.Context, req Request, ref changeSetRef, res *Result) (types.ChangeSetStatus, string, error) {
	interval := time.Duration(0)
	deadline := d.Clock.Now().Add(10 * time.Minute)
	for {
		if interval > 0 {
			if err := d.Clock.Sleep(ctx, interval); err != nil {
				return "", "", err
			}
		}
		out, err := d.describeChangeSet(ctx, req, ref, nil)
		if err != nil {
			return "", "", err
		}
		switch out.Status {
		case types.ChangeSetStatusFailed:
			return out.Status, aws.ToString(out.StatusReason), nil
		case types.ChangeSetStatusCreateComplete:
			changes := toChanges(out.Changes)
			for out.NextToken != nil {
				if out, err = d.describeChangeSet(ctx, req, ref, out.NextToken); err != nil {
					return "", "", err
				}
				changes = append(changes, toChanges(out.Changes)...)
			}
			res.Changes = changes
			return types.ChangeSetStatusCreateComplete, "", nil
		}
		if !d.Clock.Now().Before(deadline) {
			return "", "", fmt.Errorf("change set %s of stack %q was not ready after 10m (status %s)", ref.name, req.Stack, out.Status)
		}
		interval = nextChangeSetPoll(interval)
	}
}

func (d *Deployer) describeChangeSet(ctx context.Context, req Request, ref changeSetRef, next *string) (*cloudformation.DescribeChangeSetOutput, error) {
	out, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String(req.Stack), ChangeSetName: aws.String(ref.name), NextToken: next})
	if err != nil {
		return nil, fmt.Errorf("describe change set %s of stack %q: %w", ref.name, req.Stack, err)
	}
	return out, nil
}

func toChanges(cs []types.Change) []Change {
	out := make([]Change, 0, len(cs))
	for _, c := range cs {
		rc := c.ResourceChange
		if rc == nil {
			continue
		}
		out = append(out, Change{
			Action: string(rc.Action), LogicalID: aws.ToString(rc.LogicalResourceId), PhysicalID: aws.ToString(rc.PhysicalResourceId),
			Type: aws.ToString(rc.ResourceType), Replacement: string(rc.Replacement),
		})
	}
	return out
}

// deleteChangeSet removes a change set that will not be executed. For a
// CREATE change set the stack it left in REVIEW_IN_PROGRESS goes too, so
// a plan or an empty deploy leaves nothing behind.
func (d *Deployer) deleteChangeSet(ctx context.Context, req Request, ref changeSetRef, typ types.ChangeSetType) error {
	_, err := d.CFN.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String(req.Stack), ChangeSetName: aws.String(ref.name)})
	if err != nil {
		return fmt.Errorf("delete change set %s of stack %q: %w", ref.name, req.Stack, err)
	}
	if typ != types.ChangeSetTypeCreate {
		return nil
	}
	st, err := d.describe(ctx, req.Stack)
	if err != nil || st == nil || st.StackStatus != types.StackStatusReviewInProgress {
		return err
	}
	_, err = d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(req.Stack)})
	return err
}

// IsStateful reports whether a resource type holds data (cfn.Stateful,
// the list the template checks use too).
func IsStateful(typ string) bool { return cfn.Stateful(typ) }

// Destructive returns the changes that replace (or may replace) or remove a
// stateful resource.
func Destructive(changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		if !IsStateful(c.Type) {
			continue
		}
		if c.Action == "Remove" || (c.Action == "Modify" && (c.Replacement == "True" || c.Replacement == "Conditional")) {
			out = append(out, c)
		}
	}
	return out
}

func (d *Deployer) refuseStateful(ctx context.Context, req Request, ref changeSetRef, res *Result) error {
	bad := Destructive(res.Changes)
	if len(bad) == 0 {
		return nil
	}
	if req.AllowReplace {
		for _, c := range bad {
			d.report().Printf("warning: %s %s (%s) will be %s; allowed by --allow-replace", c.Type, c.LogicalID, c.PhysicalID, describeLoss(c))
		}
		return nil
	}
	_ = d.deleteChangeSet(ctx, req, ref, types.ChangeSetType(res.ChangeSetType))
	lines := make([]string, len(bad))
	for i, c := range bad {
		lines[i] = fmt.Sprintf("%s %s (%s) would be %s", c.Type, c.LogicalID, c.PhysicalID, describeLoss(c))
	}
	return fault.WithHint(fmt.Errorf("refused to deploy stack %q: the change set would destroy stored data:\n  %s", req.Stack, strings.Join(lines, "\n  ")),
		"change the template so the resource is kept (or give it DeletionPolicy/UpdateReplacePolicy: Retain); if losing the data is intended, rerun with --allow-replace")
}

func describeLoss(c Change) string {
	switch {
	case c.Action == "Remove":
		return "deleted"
	case c.Replacement == "Conditional":
		return "possibly replaced"
	}
	return "replaced"
}
