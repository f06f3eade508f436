package awsfake_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// watchPolicy lets a role read the services of one cluster and the target
// groups, and nothing else.
const watchPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"ecs:DescribeServices","Resource":"arn:aws:ecs:eu-west-1:123456789012:service/ep-a-cluster/*"},
 {"Effect":"Allow","Action":"elasticloadbalancing:DescribeTargetGroups","Resource":"*"}]}`

// TestRoleAuthorizesECSAndELB: ECS calls are authorized on the service's
// or task's ARN (a name is resolved in the call's cluster) and denied with
// AccessDeniedException; ELBv2's Describe calls on "*", denied with
// AccessDenied and a message naming no resource.
func TestRoleAuthorizesECSAndELB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	const svc, tg = "arn:aws:ecs:eu-west-1:123456789012:service/ep-a-cluster/ep-a", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-a/1"
	a.ECS.Register("ep-a", svc)
	a.ELB.Register(tg, awsfake.Health{})
	const principal = "arn:aws:sts::123456789012:assumed-role/ecs-mlops-deploy/run-1"
	gate, err := iampolicy.NewGate(principal, watchPolicy)
	if err != nil {
		t.Fatal(err)
	}
	role := a.As(gate)
	calls := []struct {
		name, wantErr string
		call          func() error
	}{
		{"describe the service by name", "", func() error {
			_, err := role.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("ep-a-cluster"), Services: []string{"ep-a"}})
			return err
		}},
		{"describe a service of the default cluster", "AccessDeniedException: User: " + principal + " is not authorized to perform: ecs:DescribeServices on resource: arn:aws:ecs:eu-west-1:123456789012:service/default/ep-a because no identity-based policy allows the ecs:DescribeServices action", func() error {
			_, err := role.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"ep-a"}})
			return err
		}},
		{"describe a stopped task", "AccessDeniedException: User: " + principal + " is not authorized to perform: ecs:DescribeTasks on resource: arn:aws:ecs:eu-west-1:123456789012:task/ep-a-cluster/abc because no identity-based policy allows the ecs:DescribeTasks action", func() error {
			_, err := role.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/ep-a-cluster"), Tasks: []string{"abc"}})
			return err
		}},
		{"describe the target group", "", func() error {
			_, err := role.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
			return err
		}},
		{"describe target health", "AccessDenied: User: " + principal + " is not authorized to perform: elasticloadbalancing:DescribeTargetHealth because no identity-based policy allows the elasticloadbalancing:DescribeTargetHealth action", func() error {
			_, err := role.ELB.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
			return err
		}},
	}
	for _, c := range calls {
		if got := apiErr(c.call()); got != c.wantErr {
			t.Errorf("%s: error = %q, want %q", c.name, got, c.wantErr)
		}
	}
	var asked []string
	for _, r := range gate.Calls() {
		asked = append(asked, r.Action+" "+r.Resource)
	}
	want := []string{
		"ecs:DescribeServices " + svc,
		"ecs:DescribeServices arn:aws:ecs:eu-west-1:123456789012:service/default/ep-a",
		"ecs:DescribeTasks arn:aws:ecs:eu-west-1:123456789012:task/ep-a-cluster/abc",
		"elasticloadbalancing:DescribeTargetGroups *",
		"elasticloadbalancing:DescribeTargetHealth *",
	}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("authorized (-want +got):\n%s", diff)
	}
	if got := a.ECS.Calls(); len(got) != 1 {
		t.Errorf("ECS saw %v, want only the allowed DescribeServices", got)
	}
}
