package awsfake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestServiceAsScripted: a finished rollout shows the scripted task
// definition, network configuration and running count (Missing tasks
// short), and the task definition is found by family:revision as by ARN.
func TestServiceAsScripted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	const td = "arn:aws:ecs:eu-west-1:123456789012:task-definition/td-a:3"
	a.ECS.Rollout["svc-a"] = awsfake.Rollout{Desire: 2, Missing: 1, TaskDefinition: td, Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-svc"}}
	a.ECS.Register("ep-a", "arn:aws:ecs:eu-west-1:123456789012:service/cluster-1/svc-a")
	a.ECS.AddTaskDefinition(ecstypes.TaskDefinition{TaskDefinitionArn: aws.String(td), Family: aws.String("td-a"), Revision: 3})
	a.Clock.Advance(time.Minute)
	out, err := a.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("cluster-1"), Services: []string{"svc-a"}})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Services[0]
	got := []string{aws.ToString(s.TaskDefinition), fmt.Sprintf("%d of %d", s.RunningCount, s.DesiredCount), fmt.Sprint(s.NetworkConfiguration.AwsvpcConfiguration.Subnets, s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups),
		string(s.Deployments[0].RolloutState)}
	if diff := cmp.Diff([]string{td, "1 of 2", "[subnet-1] [sg-svc]", "COMPLETED"}, got); diff != "" {
		t.Errorf("service: task definition, running, network, rollout (-want +got):\n%s", diff)
	}
	for _, ref := range []string{td, "td-a:3"} {
		if _, err := a.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)}); err != nil {
			t.Errorf("DescribeTaskDefinition(%s): %v", ref, err)
		}
	}
	if _, err := a.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("td-a:4")}); apiErr(err) != "ClientException: Unable to describe task definition." {
		t.Errorf("DescribeTaskDefinition(td-a:4) = %v, want ClientException", err)
	}
}

// TestTargetsAsScripted: a target keeps its scripted port; a group with
// NoTargets has none registered.
func TestTargetsAsScripted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := awsfake.NewELB(clock.NewFake(start))
	l.Register("tg-1", awsfake.Health{Targets: []awsfake.Target{{IP: "10.0.2.10", Port: 8000, State: elbtypes.TargetHealthStateEnumHealthy, Settled: true}}})
	l.Register("tg-2", awsfake.Health{NoTargets: true})
	one, err := l.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String("tg-1")})
	if err != nil {
		t.Fatal(err)
	}
	if d := one.TargetHealthDescriptions[0]; aws.ToInt32(d.Target.Port) != 8000 || aws.ToString(d.HealthCheckPort) != "8000" || d.TargetHealth.State != elbtypes.TargetHealthStateEnumHealthy {
		t.Errorf("target = %+v, want healthy on 8000", d)
	}
	none, err := l.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String("tg-2")})
	if err != nil || len(none.TargetHealthDescriptions) != 0 {
		t.Errorf("DescribeTargetHealth of an empty group = %v, %v; want no targets", none, err)
	}
}
