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

// prepare brings the stack into a state a change set can be created for
// and returns it (nil when it does not exist):
//   - ROLLBACK_COMPLETE (a failed first create) cannot be updated, so it is
//     deleted and created again;
//   - UPDATE_ROLLBACK_FAILED is continued back to UPDATE_ROLLBACK_COMPLETE;
//   - any *_IN_PROGRESS state is waited out, never raced with an update.
//
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html
func (d *Deployer) prepare(ctx context.Context, req Request, res *Result, deadline time.Time) (*types.Stack, error) {
	for {
		st, err := d.describe(ctx, req.Stack)
		if err != nil || st == nil {
			return st, err
		}
		res.StackID = aws.ToString(st.StackId)
		status := st.StackStatus
		switch {
		case status == types.StackStatusReviewInProgress:
			return st, nil
		case status == types.StackStatusRollbackComplete || status == types.StackStatusRollbackFailed:
			if err := d.recreate(ctx, req, st, res, deadline); err != nil {
				return nil, err
			}
			return nil, nil
		case status == types.StackStatusUpdateRollbackFailed:
			if err := d.continueRollback(ctx, req, res, deadline); err != nil {
				return nil, err
			}
		case status == types.StackStatusDeleteFailed:
			return nil, fault.WithHint(fmt.Errorf("stack %q is in DELETE_FAILED: %s", req.Stack, aws.ToString(st.StackStatusReason)),
				"delete the stack again from the console or with aws cloudformation delete-stack, retaining the resource that failed, then rerun mlops deploy")
		case strings.HasSuffix(string(status), "_IN_PROGRESS"):
			d.report().Printf("stack %s is %s (another operation is running); waiting for it to finish before deploying", req.Stack, status)
			if _, err := d.waitOther(ctx, req.Stack, deadline); err != nil {
				return nil, fmt.Errorf("wait for the running operation on stack %q: %w", req.Stack, err)
			}
		default:
			return st, nil
		}
	}
}

// waitOther waits, until deadline, for an operation this deploy did not
// start to end, deciding on the stack's status (DescribeStacks) at every
// poll. That operation's events carry another client request token, and
// telling them apart by time would trust the runner's clock against
// CloudFormation's: a runner 90 s ahead once hid every event and the wait
// ran into its timeout. Its new events are still shown.
func (d *Deployer) waitOther(ctx context.Context, name string, deadline time.Time) (types.StackStatus, error) {
	s, err := d.follow(ctx, name, "")
	if err != nil {
		return "", err
	}
	interval := pollMin
	for {
		fresh, _, err := s.poll(ctx)
		if err != nil {
			return "", err
		}
		for _, ev := range fresh {
			d.report().Printf("%s", ev)
		}
		st, err := d.describe(ctx, name)
		switch {
		case err != nil:
			return "", err
		case st == nil:
			return types.StackStatusDeleteComplete, nil
		case cfn.IsTerminal(st.StackStatus):
			return st.StackStatus, nil
		case !d.Clock.Now().Before(deadline):
			return st.StackStatus, errDeadline
		}
		if len(fresh) > 0 {
			interval = pollMin
		} else {
			interval = nextPoll(interval)
		}
		if err := d.Clock.Sleep(ctx, min(interval, max(deadline.Sub(d.Clock.Now()), time.Millisecond))); err != nil {
			return st.StackStatus, err
		}
	}
}

func (d *Deployer) recreate(ctx context.Context, req Request, st *types.Stack, res *Result, deadline time.Time) error {
	reason := fmt.Sprintf("stack %s is %s: its first create failed and CloudFormation cannot update it; deleting it and creating it again", req.Stack, st.StackStatus)
	if aws.ToBool(st.EnableTerminationProtection) {
		return fault.WithHint(fmt.Errorf("stack %q is %s and has termination protection, so it cannot be recreated", req.Stack, st.StackStatus),
			"turn termination protection off for this stack (aws cloudformation update-termination-protection --no-enable-termination-protection), then rerun mlops deploy")
	}
	d.report().Printf("%s", reason)
	res.Recovered = append(res.Recovered, fmt.Sprintf("deleted %s stack", st.StackStatus))
	token := d.token("delete")
	s, err := d.follow(ctx, req.Stack, token)
	if err != nil {
		return err
	}
	_, err = d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(req.Stack), ClientRequestToken: aws.String(token)})
	if err != nil {
		return fmt.Errorf("delete stack %q in %s: %w", req.Stack, st.StackStatus, err)
	}
	status, err := d.waitStack(ctx, s, deadline)
	if err != nil {
		return fmt.Errorf("wait for stack %q to be deleted: %w", req.Stack, err)
	}
	if status != types.StackStatusDeleteComplete {
		return fmt.Errorf("delete stack %q: ended in %s", req.Stack, status)
	}
	res.StackID = ""
	return nil
}

func (d *Deployer) continueRollback(ctx context.Context, req Request, res *Result, deadline time.Time) error {
	d.report().Printf("stack %s is UPDATE_ROLLBACK_FAILED: continuing the rollback before deploying", req.Stack)
	res.Recovered = append(res.Recovered, "continued UPDATE_ROLLBACK_FAILED rollback")
	token := d.token("continue")
	s, err := d.follow(ctx, req.Stack, token)
	if err != nil {
		return err
	}
	_, err = d.CFN.ContinueUpdateRollback(ctx, &cloudformation.ContinueUpdateRollbackInput{StackName: aws.String(req.Stack), ClientRequestToken: aws.String(token)})
	if err != nil {
		return fault.WithHint(fmt.Errorf("continue rollback of stack %q: %w", req.Stack, err),
			"a resource cannot roll back; continue the rollback skipping it (aws cloudformation continue-update-rollback --resources-to-skip ...), then rerun mlops deploy")
	}
	status, err := d.waitStack(ctx, s, deadline)
	if err != nil {
		return fmt.Errorf("wait for the rollback of stack %q: %w", req.Stack, err)
	}
	if status != types.StackStatusUpdateRollbackComplete {
		return fault.WithHint(fmt.Errorf("continue rollback of stack %q ended in %s", req.Stack, status),
			"continue the rollback skipping the failing resource (aws cloudformation continue-update-rollback --resources-to-skip ...), then rerun mlops deploy")
	}
	return nil
}

// token returns a client request token unique to this operation; events the
// operation causes carry it, so the stream shows only this deploy's events.
func (d *Deployer) token(op string) string {
	return fmt.Sprintf("mlops-%s-%d", op, d.Clock.Now().UnixNano())
}
