package rollout

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// deploymentAddrs returns the private addresses of the service's running
// tasks that deployment started: ECS sets a service task's startedBy to
// its deployment's ID, and a Fargate (awsvpc) task's target in an ip
// target group is its ENI's private address.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html
func (c *Checker) deploymentAddrs(ctx context.Context, s ref, deployment string) (map[string]bool, error) {
	var arns []string
	var next *string
	for {
		out, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(s.cluster), ServiceName: aws.String(s.name), DesiredStatus: ecstypes.DesiredStatusRunning, NextToken: next})
		if err != nil {
			return nil, fmt.Errorf("list running tasks of service %s: %w", s.name, err)
		}
		arns = append(arns, out.TaskArns...)
		if next = out.NextToken; next == nil {
			break
		}
	}
	addrs := map[string]bool{}
	for i := 0; i < len(arns); i += 100 { // DescribeTasks takes at most 100
		batch := arns[i:min(i+100, len(arns))]
		out, err := c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(s.cluster), Tasks: batch})
		if err != nil {
			return nil, fmt.Errorf("describe running tasks of service %s: %w", s.name, err)
		}
		for _, t := range out.Tasks {
			if aws.ToString(t.StartedBy) == deployment {
				for _, a := range taskAddrs(t) {
					addrs[a] = true
				}
			}
		}
	}
	return addrs, nil
}

// taskAddrs are a task's private IPv4 addresses: its ENI attachment's
// privateIPv4Address, else its containers' network interfaces.
func taskAddrs(t ecstypes.Task) []string {
	var out []string
	for _, a := range t.Attachments {
		for _, kv := range a.Details {
			if aws.ToString(kv.Name) == "privateIPv4Address" {
				out = append(out, aws.ToString(kv.Value))
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, ct := range t.Containers {
		for _, ni := range ct.NetworkInterfaces {
			if ip := aws.ToString(ni.PrivateIpv4Address); ip != "" {
				out = append(out, ip)
			}
		}
	}
	return out
}

// targetsPending says what target group tg still lacks: desired healthy
// targets among those of the new deployment's tasks (addrs) and none of
// them in another state. Targets of older tasks, draining or still
// healthy, are not the new version and are ignored.
func (c *Checker) targetsPending(ctx context.Context, tg string, desired int32, addrs map[string]bool) (string, error) {
	if tg == "" {
		return "", nil
	}
	out, err := c.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		return "", fmt.Errorf("describe target health of %s: %w", tg, err)
	}
	healthy, other := 0, map[string]int{}
	for _, d := range out.TargetHealthDescriptions {
		h := d.TargetHealth
		if h == nil || d.Target == nil || !addrs[aws.ToString(d.Target.Id)] {
			continue
		}
		if h.State == elbtypes.TargetHealthStateEnumHealthy {
			healthy++
			continue
		}
		other[strings.TrimSpace(fmt.Sprintf("%s %s", h.State, h.Reason))]++
	}
	if len(other) == 0 && healthy >= int(desired) {
		return "", nil
	}
	msg := fmt.Sprintf("targets of the new tasks %d/%d healthy", healthy, desired)
	keys := make([]string, 0, len(other))
	for k, n := range other {
		keys = append(keys, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		msg += ", " + strings.Join(keys, ", ")
	}
	return msg, nil
}
