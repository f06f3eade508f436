package doctortest

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Names in the Healthy environment.
const (
	Image    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:abc"
	Listener = "arn:listener/https"
	TGArn    = "arn:tg/ep-a"
	Host     = "api.example.com"
	Stack    = "ecs-mlops-ep-a"
)

// Healthy is an environment where every check passes; albAddr is where
// the health request lands.
func Healthy(albAddr string) *Fake {
	rule := func(arn, prio, h, tg string) elbtypes.Rule {
		return elbtypes.Rule{
			RuleArn: aws.String(arn), Priority: aws.String(prio),
			Conditions: []elbtypes.RuleCondition{{Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{h}}}},
			Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}},
		}
	}
	acct := awsfake.NewAccount(clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)))
	err := acct.SeedNetwork(awsfake.Network{VPC: "vpc-1", Subnets: []string{"subnet-1"},
		ServiceGroup: "sg-svc", LoadBalancerGroup: "sg-alb", EFSGroup: "sg-efs", FileSystem: "fs-w"})
	if err != nil {
		panic(err) // a fixed network that seeds cleanly
	}
	acct.EC2.AddSecurityGroup("sg-other", "vpc-1", awsfake.NFSFrom("sg-nobody"))
	return &Fake{
		Account: acct, EFS: acct.EFS, EC2: acct.EC2,
		Stacks: map[string]map[string]string{Stack: {
			"EndpointUrl": "https://" + Host, "AlbDnsName": albAddr, "HttpsListenerArn": Listener,
			"TargetGroupArn": TGArn, "ClusterName": "cluster-1", "ServiceName": "svc-a", "ContainerName": "endpoint",
		}},
		Services: map[string]ecstypes.Service{"svc-a": {
			ServiceName: aws.String("svc-a"), Status: aws.String("ACTIVE"), DesiredCount: 2, RunningCount: 2,
			TaskDefinition: aws.String("td-a:3"),
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
				Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-svc"}}},
			Deployments: []ecstypes.Deployment{{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateCompleted}},
		}},
		TaskDefs: map[string]ecstypes.TaskDefinition{"td-a:3": {
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("endpoint"), Image: aws.String(Image), Essential: aws.Bool(true)}},
			Volumes: []ecstypes.Volume{
				{Name: aws.String("weights"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-w")}},
				{Name: aws.String("scratch")},
			},
		}},
		Rules: map[string][]elbtypes.Rule{Listener: {
			rule("arn:rule/a", "1", Host, TGArn),
			rule("arn:rule/pr-7", "1007", "pr-7.preview.example.com", "arn:tg/pr-7"),
			{RuleArn: aws.String("arn:rule/default"), Priority: aws.String("default"), IsDefault: aws.Bool(true)},
		}},
		TargetGroups: map[string]elbtypes.TargetGroup{TGArn: {TargetGroupArn: aws.String(TGArn), HealthCheckPath: aws.String("/ping")}},
		Health: map[string][]elbtypes.TargetHealthDescription{TGArn: {
			{Target: &elbtypes.TargetDescription{Id: aws.String("10.0.2.10"), Port: aws.Int32(8000)}, TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}},
		}},
		Images: map[string]map[string]bool{"ecs-mlops/endpoint": {"sha256:abc": true}},
	}
}

// CloseEFS puts the mount target in the security group sg-other, which
// does not admit the service: the classic ResourceInitializationError.
func CloseEFS(f *Fake) {
	_, err := f.ModifyMountTargetSecurityGroups(context.Background(), &efs.ModifyMountTargetSecurityGroupsInput{
		MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-other"}})
	if err != nil {
		panic(err) // Healthy seeds fsmt-1 available and sg-other
	}
}
