package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// rollbackWait bounds the wait for a rollback after a cancelled update.
const rollbackWait = 15 * time.Minute

// execute runs the change set and follows it to the end: events streamed
// live and a cancel at the deadline. It returns the stack's resources.
func (d *Deployer) execute(ctx context.Context, req Request, ref changeSetRef, res *Result, deadline time.Time) (Target, error) {
	token := d.token("exec")
	since := ref.created
	s := d.newStreamer(req.Stack, token)
	s.since = since
	if !ref.fresh {
		if err := s.baseline(ctx); err != nil {
			return Target{}, err
		}
	}
	s.began = d.Clock.Now()
	_, err := d.CFN.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(req.Stack), ChangeSetName: aws.String(ref.name), ClientRequestToken: aws.String(token)})
	if err != nil {
		return Target{}, fmt.Errorf("execute change set %s of stack %q: %w", ref.name, req.Stack, err)
	}
	status, err := d.waitStack(ctx, s, deadline)
	res.Events = s.events
	res.Status = string(status)
	if errors.Is(err, errDeadline) {
		return Target{}, d.timedOut(ctx, req, s, res, since)
	}
	if err != nil {
		return Target{}, err
	}
	if !IsSuccess(status) {
		return Target{}, d.failure(ctx, req, s, res, since, "")
	}
	return d.target(ctx, req, s, since, deadline)
}

// finish checks the rollout, enables protection and reads the outputs.
func (d *Deployer) finish(ctx context.Context, req Request, res *Result, target Target) error {
	if d.Verifier != nil {
		end := d.report().Phase("Rollout " + req.Stack)
		err := d.Verifier.Verify(ctx, target)
		end()
		if err != nil {
			return d.explain(ctx, req, res, target, fmt.Sprintf("stack %s is %s but its service did not roll out: %v", req.Stack, res.Status, err), err)
		}
	}
	if err := d.protect(ctx, req); err != nil {
		return err
	}
	st, err := d.describe(ctx, req.Stack)
	if err != nil {
		return err
	}
	res.Outputs = outputs(st)
	return nil
}

// timedOut cancels an update that outlived the deadline, naming the
// resource that held it, and waits (bounded) for the rollback.
func (d *Deployer) timedOut(ctx context.Context, req Request, s *streamer, res *Result, since time.Time) error {
	what := "no resource reported progress"
	if e, ok := s.stuck(); ok {
		what = fmt.Sprintf("%s %s was still %s after %s", e.Type, e.LogicalID, e.Status, s.awsTime(d.Clock.Now()).Sub(e.Time).Round(time.Second))
	}
	head := fmt.Sprintf("stack %s did not finish within %s: %s", req.Stack, req.timeout(), what)
	if types.StackStatus(res.Status) != types.StackStatusUpdateInProgress {
		return d.failure(ctx, req, s, res, since, head+"; a create cannot be cancelled, so CloudFormation carries on")
	}
	token := d.token("cancel")
	s.tokens = append(s.tokens, token)
	_, err := d.CFN.CancelUpdateStack(ctx, &cloudformation.CancelUpdateStackInput{StackName: aws.String(req.Stack), ClientRequestToken: aws.String(token)})
	if err != nil {
		return fmt.Errorf("%s; cancel update of stack %q: %w", head, req.Stack, err)
	}
	d.report().Printf("%s; cancelled the update, waiting for the rollback", head)
	status, err := d.waitStack(ctx, s, d.Clock.Now().Add(rollbackWait))
	res.Events = s.events
	res.Status = string(status)
	if err != nil && !errors.Is(err, errDeadline) {
		return err
	}
	return d.failure(ctx, req, s, res, since, fmt.Sprintf("%s; the update was cancelled (stack now %s)", head, status))
}

// target lists the stack's resources for the rollout check and diagnosis:
// what DescribeStackResources knows, plus physical ids seen in events
// (after a failed create the resources are gone but their ids remain).
func (d *Deployer) target(ctx context.Context, req Request, s *streamer, since, deadline time.Time) (Target, error) {
	t := Target{Stack: req.Stack, Since: s.awsTime(since), Deadline: deadline}
	out, err := d.CFN.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(req.Stack)})
	if err != nil && !cfn.StackMissing(err) {
		return t, fmt.Errorf("list resources of stack %q: %w", req.Stack, err)
	}
	seen := map[string]bool{}
	if out != nil {
		for _, r := range out.StackResources {
			t.Resources = append(t.Resources, cfn.Resource{Type: aws.ToString(r.ResourceType), LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId)})
			seen[aws.ToString(r.PhysicalResourceId)] = true
		}
	}
	for _, e := range s.events {
		if e.PhysicalID != "" && !seen[e.PhysicalID] && e.LogicalID != req.Stack {
			seen[e.PhysicalID] = true
			t.Resources = append(t.Resources, cfn.Resource{Type: e.Type, LogicalID: e.LogicalID, PhysicalID: e.PhysicalID})
		}
	}
	return t, nil
}

// protect turns termination protection on for a protected environment.
func (d *Deployer) protect(ctx context.Context, req Request) error {
	if !req.Protect {
		return nil
	}
	st, err := d.describe(ctx, req.Stack)
	if err != nil || st == nil || aws.ToBool(st.EnableTerminationProtection) {
		return err
	}
	_, err = d.CFN.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String(req.Stack), EnableTerminationProtection: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("enable termination protection on stack %q: %w", req.Stack, err)
	}
	d.report().Printf("termination protection enabled on %s", req.Stack)
	return nil
}

// failure builds the error for a stack operation that did not succeed:
// headline first (the first failing resource and its reason), then what
// ECS and the load balancer say, then what to do next.
func (d *Deployer) failure(ctx context.Context, req Request, s *streamer, res *Result, since time.Time, head string) error {
	if head == "" {
		head = fmt.Sprintf("deploy of stack %s failed (%s)", req.Stack, res.Status)
		if e, ok := FirstFailure(s.events, req.Stack); ok {
			head += fmt.Sprintf(": %s %s %s: %s", e.Type, e.LogicalID, e.Status, e.Reason)
		} else if e, ok := RollbackCause(s.events, req.Stack); ok {
			head += ": " + e.Reason
		}
	}
	target, err := d.target(ctx, req, s, since, d.Clock.Now())
	if err != nil {
		return fmt.Errorf("%s (%w)", head, err)
	}
	return d.explain(ctx, req, res, target, head, nil)
}

// explain builds the Failure with the Verifier's diagnosis; rollout is the
// rollout check's error when the stack operation itself completed.
func (d *Deployer) explain(ctx context.Context, req Request, res *Result, t Target, head string, rollout error) error {
	f := &Failure{Headline: head, Status: res.Status}
	if d.Verifier != nil {
		f.Details = d.Verifier.Diagnose(ctx, t)
	}
	o := Outcome{Stack: req.Stack, Status: res.Status, Created: res.ChangeSetType == string(types.ChangeSetTypeCreate), Rollout: rollout, Command: req.command()}
	return fault.WithHint(f, NextStep(f, o))
}
