package rollout

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// How much of each source a diagnosis shows: enough to see the cause,
// little enough to read in a log.
const (
	maxEvents  = 5
	maxStopped = 3
)

// Diagnose explains a failed deploy from ECS and the load balancer: the
// service's recent events, the latest stopped tasks' reasons (e.g.
// CannotPullContainerError) and unhealthy targets' reasons (e.g.
// Target.ResponseCodeMismatch) with the health check they failed. Lookup
// errors become lines too: a diagnosis never hides the original failure.
func (c *Checker) Diagnose(ctx context.Context, t stack.Target) []string {
	svcs := refs(t)
	if len(svcs) == 0 {
		return nil
	}
	described, err := c.describe(ctx, svcs)
	if err != nil {
		return []string{fmt.Sprintf("(could not read the ECS services: %v)", err)}
	}
	var lines []string
	for _, s := range svcs {
		svc, ok := described[s.arn]
		if !ok {
			continue
		}
		lines = append(lines, serviceLines(s.name, svc, t.Since)...)
		lines = append(lines, c.stoppedLines(ctx, s, t.Since)...)
		for _, lb := range svc.LoadBalancers {
			lines = append(lines, c.targetLines(ctx, aws.ToString(lb.TargetGroupArn))...)
		}
	}
	return lines
}

func serviceLines(name string, svc ecstypes.Service, since time.Time) []string {
	var lines []string
	for _, d := range svc.Deployments {
		if d.RolloutState == ecstypes.DeploymentRolloutStateFailed {
			lines = append(lines, fmt.Sprintf("ECS service %s: deployment %s FAILED: %s", name, aws.ToString(d.Id), aws.ToString(d.RolloutStateReason)))
		}
	}
	var evs []ecstypes.ServiceEvent
	for _, e := range svc.Events { // newest first
		if len(evs) == maxEvents || aws.ToTime(e.CreatedAt).Before(since) {
			break
		}
		evs = append(evs, e)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		lines = append(lines, fmt.Sprintf("ECS service %s: %s", name, aws.ToString(evs[i].Message)))
	}
	return lines
}

func (c *Checker) stoppedLines(ctx context.Context, s ref, since time.Time) []string {
	list, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(s.cluster), ServiceName: aws.String(s.name), DesiredStatus: ecstypes.DesiredStatusStopped})
	if err != nil {
		return []string{fmt.Sprintf("(could not list stopped tasks of %s: %v)", s.name, err)}
	}
	if len(list.TaskArns) == 0 {
		return nil
	}
	arns := list.TaskArns[:min(len(list.TaskArns), 100)]
	out, err := c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(s.cluster), Tasks: arns})
	if err != nil {
		return []string{fmt.Sprintf("(could not describe stopped tasks of %s: %v)", s.name, err)}
	}
	tasks := out.Tasks
	sort.Slice(tasks, func(i, j int) bool { return aws.ToTime(tasks[i].StoppedAt).After(aws.ToTime(tasks[j].StoppedAt)) })
	var lines []string
	for _, tk := range tasks {
		if len(lines) == maxStopped {
			break
		}
		if aws.ToTime(tk.StoppedAt).Before(since) {
			continue
		}
		lines = append(lines, fmt.Sprintf("stopped task %s: %s%s", shortID(aws.ToString(tk.TaskArn)), aws.ToString(tk.StoppedReason), containerReasons(tk.Containers, aws.ToString(tk.StoppedReason))))
	}
	return lines
}

// containerReasons adds exit codes and container reasons that say more
// than the task's stoppedReason.
func containerReasons(cs []ecstypes.Container, stopped string) string {
	var parts []string
	for _, c := range cs {
		var p []string
		if c.ExitCode != nil {
			p = append(p, fmt.Sprintf("exit code %d", *c.ExitCode))
		}
		if r := aws.ToString(c.Reason); r != "" && r != stopped {
			p = append(p, r)
		}
		if len(p) > 0 {
			parts = append(parts, fmt.Sprintf("container %s: %s", aws.ToString(c.Name), strings.Join(p, ", ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func (c *Checker) targetLines(ctx context.Context, tg string) []string {
	if c.ELB == nil || tg == "" {
		return nil
	}
	h, err := c.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		return []string{fmt.Sprintf("(could not read target health of %s: %v)", shortID(tg), err)}
	}
	var lines []string
	for _, d := range h.TargetHealthDescriptions {
		th := d.TargetHealth
		if th == nil || th.State == elbtypes.TargetHealthStateEnumHealthy {
			continue
		}
		line := fmt.Sprintf("target %s:%d %s: %s", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), th.State, th.Reason)
		if desc := aws.ToString(th.Description); desc != "" {
			line += " (" + desc + ")"
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		lines = append(lines, c.healthCheckLine(ctx, tg)...)
	}
	return lines
}

// healthCheckLine says which check the targets failed, so a wrong path or
// matcher is visible next to the failure.
func (c *Checker) healthCheckLine(ctx context.Context, tg string) []string {
	out, err := c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	if err != nil || len(out.TargetGroups) == 0 {
		return nil
	}
	g := out.TargetGroups[0]
	matcher := "200"
	if g.Matcher != nil && aws.ToString(g.Matcher.HttpCode) != "" {
		matcher = aws.ToString(g.Matcher.HttpCode)
	}
	return []string{fmt.Sprintf("target group %s checks %s %s on port %s and expects %s", aws.ToString(g.TargetGroupName), g.HealthCheckProtocol, aws.ToString(g.HealthCheckPath), aws.ToString(g.HealthCheckPort), matcher)}
}

func shortID(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
