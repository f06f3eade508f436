// Package previewtest holds stand-ins for the preview lifecycle's own
// steps (deploy, build, endpoint test, comment). The AWS and GitHub APIs
// they touch are the project's shared fakes (awsfake, imagetest,
// ghfake), so tests and the in-process demo exercise the real
// code paths.
package previewtest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

// Deployer plays CloudFormation deploying a preview stack: the stack's
// ListenerRule is created on the listener at the priority parameter, and
// a clash fails the stack the way CloudFormation reports it.
type Deployer struct {
	CFN      *awsfake.CloudFormation
	ELB      *awsfake.ELB
	Listener string
	// PriorityParameter names the template parameter with the priority.
	PriorityParameter string
	// Fail makes every deploy fail with this error.
	Fail error
	// Clock and Took make each deploy take time, as timings show it.
	Clock clock.Clock
	Took  time.Duration

	mu       sync.Mutex
	rules    map[string]string // stack → rule ARN
	Requests []preview.DeployRequest
}

var _ preview.Deployer = (*Deployer)(nil)

// Deploy creates or updates the stack and its listener rule.
func (d *Deployer) Deploy(ctx context.Context, req preview.DeployRequest) (map[string]string, error) {
	if d.Clock != nil {
		if err := d.Clock.Sleep(ctx, d.Took); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	d.Requests = append(d.Requests, req)
	if d.rules == nil {
		d.rules = map[string]string{}
	}
	old := d.rules[req.Stack]
	fail := d.Fail
	d.mu.Unlock()
	if fail != nil {
		d.CFN.Put(awsfake.StackSeed{Name: req.Stack, Status: types.StackStatusRollbackComplete, Params: req.Parameters, Tags: req.Tags})
		return nil, fail
	}
	prio, err := strconv.Atoi(req.Parameters[d.PriorityParameter])
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %q is not a number", d.PriorityParameter, req.Parameters[d.PriorityParameter])
	}
	arn := old
	if !d.holds(old, prio) {
		arn, err = d.ELB.CreateRule(d.Listener, prio)
		if err != nil {
			// A failed first create leaves ROLLBACK_COMPLETE; a failed
			// update rolls back and leaves the stack as it was.
			status := types.StackStatusUpdateRollbackComplete
			if old == "" {
				status = types.StackStatusRollbackComplete
				d.CFN.Put(awsfake.StackSeed{Name: req.Stack, Status: status, Params: req.Parameters, Tags: req.Tags})
			}
			return nil, fmt.Errorf("stack %q: %s: ListenerRule (AWS::ElasticLoadBalancingV2::ListenerRule) CREATE_FAILED: %s (Service: ElasticLoadBalancingV2, Status Code: 400)", req.Stack, status, aws.ToString(errMessage(err)))
		}
		if old != "" {
			d.ELB.DeleteRule(old)
		}
	}
	d.mu.Lock()
	d.rules[req.Stack] = arn
	d.mu.Unlock()
	params := map[string]string{"ImageUri": req.Image}
	for k, v := range req.Parameters {
		params[k] = v
	}
	outputs := map[string]string{"ServiceName": req.Stack, "ListenerRuleArn": arn}
	d.CFN.Put(awsfake.StackSeed{Name: req.Stack, Status: types.StackStatusCreateComplete, Params: params, Tags: req.Tags, Outputs: outputs, OnDelete: func() { d.ELB.DeleteRule(arn) }})
	return outputs, nil
}

func (d *Deployer) holds(arn string, prio int) bool {
	if arn == "" {
		return false
	}
	for _, p := range d.ELB.Priorities(d.Listener) {
		if p == prio && d.ELB.RuleAt(d.Listener, p) == arn {
			return true
		}
	}
	return false
}

func errMessage(err error) *string {
	if m, ok := err.(interface{ ErrorMessage() string }); ok {
		return aws.String(m.ErrorMessage())
	}
	return aws.String(err.Error())
}
