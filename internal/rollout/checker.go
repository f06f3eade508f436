// Package rollout checks what a completed stack cannot tell: that every ECS
// service rolled out (rolloutState COMPLETED) and its load-balancer targets
// are healthy, and explains failures with service events, stopped tasks'
// reasons and target health reasons.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecs-mlops/ecs-mlops/internal/awsauth"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// ECSAPI is the part of the ECS client the checker uses.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	ListTasks(ctx context.Context, in *ecs.ListTasksInput, optFns ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// ELBAPI is the part of the Elastic Load Balancing v2 client the checker uses.
type ELBAPI interface {
	DescribeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
}

var (
	_ ECSAPI         = (*ecs.Client)(nil)
	_ ELBAPI         = (*elb.Client)(nil)
	_ stack.Verifier = (*Checker)(nil)
)

// Checker implements stack.Verifier over ECS and ELBv2.
type Checker struct {
	ECS   ECSAPI
	ELB   ELBAPI // nil: target health is not checked
	Clock clock.Clock
	Log   func(format string, args ...any)
}

// ref is one ECS service named by its ARN
// (arn:aws:ecs:region:account:service/cluster/name).
type ref struct{ arn, cluster, name string }

func refs(t stack.Target) []ref {
	var out []ref
	for _, r := range t.ResourcesOf("AWS::ECS::Service") {
		parts := strings.Split(r.PhysicalID, "/")
		if len(parts) < 3 {
			continue
		}
		out = append(out, ref{arn: r.PhysicalID, cluster: parts[len(parts)-2], name: parts[len(parts)-1]})
	}
	return out
}

// Verify waits until every service's primary deployment is COMPLETED with
// its desired count running and every target healthy, or fails at once
// when a rollout FAILED (the deployment circuit breaker).
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
func (c *Checker) Verify(ctx context.Context, t stack.Target) error {
	svcs := refs(t)
	if len(svcs) == 0 {
		c.logf("no ECS service in stack %s; nothing to roll out", t.Stack)
		return nil
	}
	interval, last := time.Second, ""
	for {
		pending, err := c.pending(ctx, svcs, t.Since)
		if awsauth.IsThrottle(err) {
			// The client's retryer has spent its attempts; the rollout goes
			// on regardless, so the next poll asks again.
			pending, err = []string{"rollout status unknown: throttled by AWS, asking again"}, nil
		}
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			for _, s := range svcs {
				c.logf("service %s: rollout COMPLETED, targets healthy", s.name)
			}
			return nil
		}
		if msg := strings.Join(pending, "; "); msg != last {
			c.logf("%s", msg)
			last = msg
		}
		if !c.Clock.Now().Before(t.Deadline) {
			return fmt.Errorf("rollout not finished before the deadline: %s", strings.Join(pending, "; "))
		}
		if err := c.Clock.Sleep(ctx, interval); err != nil {
			return err
		}
		interval = min(interval+interval/2, 5*time.Second)
	}
}

// pending returns what is still not done; an error means a rollout failed
// or cannot finish.
func (c *Checker) pending(ctx context.Context, svcs []ref, since time.Time) ([]string, error) {
	described, err := c.describe(ctx, svcs)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, s := range svcs {
		svc, ok := described[s.arn]
		if !ok {
			return nil, fmt.Errorf("service %s not found in cluster %s", s.name, s.cluster)
		}
		p, err := c.servicePending(ctx, s, svc, since)
		if err != nil {
			return nil, err
		}
		for _, msg := range p {
			pending = append(pending, fmt.Sprintf("service %s: %s", s.name, msg))
		}
	}
	return pending, nil
}

// servicePending is what one service still lacks: its PRIMARY deployment
// COMPLETED with the desired count running, then, behind each target
// group, the desired count of that deployment's tasks healthy.
func (c *Checker) servicePending(ctx context.Context, s ref, svc ecstypes.Service, since time.Time) ([]string, error) {
	if msg, failed := rolloutFailure(svc, since); failed {
		return nil, fmt.Errorf("service %s: %w: %s", s.name, stack.ErrRolloutFailed, msg)
	}
	primary, ok := primaryDeployment(svc)
	if !ok {
		return nil, noPrimary(s.name, svc)
	}
	if p := rolloutPending(primary); p != "" {
		return []string{p}, nil
	}
	if c.ELB == nil || len(svc.LoadBalancers) == 0 {
		return nil, nil
	}
	addrs, err := c.deploymentAddrs(ctx, s, aws.ToString(primary.Id))
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, lb := range svc.LoadBalancers {
		if p, err := c.targetsPending(ctx, aws.ToString(lb.TargetGroupArn), primary.DesiredCount, addrs); err != nil {
			return nil, err
		} else if p != "" {
			pending = append(pending, p)
		}
	}
	return pending, nil
}

func rolloutFailure(svc ecstypes.Service, since time.Time) (string, bool) {
	for _, d := range svc.Deployments {
		if d.RolloutState != ecstypes.DeploymentRolloutStateFailed {
			continue
		}
		if aws.ToString(d.Status) == "PRIMARY" || aws.ToTime(d.CreatedAt).After(since) || aws.ToTime(d.UpdatedAt).After(since) {
			return fmt.Sprintf("%s (%d tasks failed)", aws.ToString(d.RolloutStateReason), d.FailedTasks), true
		}
	}
	return "", false
}

func primaryDeployment(svc ecstypes.Service) (ecstypes.Deployment, bool) {
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return d, true
		}
	}
	return ecstypes.Deployment{}, false
}

// rolloutPending says what the primary deployment still lacks. COMPLETED
// means ECS reached a steady state with the new tasks; running == desired
// alone does not (ECS still waits for them to stay up and pass health
// checks), and older deployments still listed are draining, not serving.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html
func rolloutPending(d ecstypes.Deployment) string {
	if d.RolloutState != ecstypes.DeploymentRolloutStateCompleted || d.RunningCount < d.DesiredCount {
		return fmt.Sprintf("rollout %s (%d/%d running)", d.RolloutState, d.RunningCount, d.DesiredCount)
	}
	return ""
}

// noPrimary is the error for a service without a PRIMARY deployment: no
// rollout to wait for (a service being deleted, or one not deployed by
// the ECS deployment controller), so waiting would only run out the
// deadline. Its latest events say what happened.
func noPrimary(name string, svc ecstypes.Service) error {
	why := fmt.Sprintf("status %s", aws.ToString(svc.Status))
	if dc := svc.DeploymentController; dc != nil && dc.Type != ecstypes.DeploymentControllerTypeEcs {
		why += fmt.Sprintf(", deployment controller %s: only ECS deployments report a rollout", dc.Type)
	}
	msg := fmt.Sprintf("service %s has no PRIMARY deployment (%s), so there is no rollout to wait for", name, why)
	if evs := latestEvents(svc, maxEvents); len(evs) > 0 {
		msg += "; latest events: " + strings.Join(evs, " | ")
	}
	return errors.New(msg)
}

// latestEvents returns the service's n newest event messages, oldest first.
func latestEvents(svc ecstypes.Service, n int) []string {
	evs := svc.Events[:min(n, len(svc.Events))] // newest first
	out := make([]string, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, aws.ToString(evs[i].Message))
	}
	return out
}

func (c *Checker) describe(ctx context.Context, svcs []ref) (map[string]ecstypes.Service, error) {
	byCluster := map[string][]string{}
	for _, s := range svcs {
		byCluster[s.cluster] = append(byCluster[s.cluster], s.arn)
	}
	out := map[string]ecstypes.Service{}
	for cluster, arns := range byCluster {
		for i := 0; i < len(arns); i += 10 { // DescribeServices takes at most 10
			batch := arns[i:min(i+10, len(arns))]
			res, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
			if err != nil {
				return nil, fmt.Errorf("describe services in cluster %s: %w", cluster, err)
			}
			for _, s := range res.Services {
				out[aws.ToString(s.ServiceArn)] = s
			}
		}
	}
	return out, nil
}

func (c *Checker) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}
