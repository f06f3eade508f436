package doctortest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
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
	nfsFrom := func(id, src string) ec2types.SecurityGroup {
		return ec2types.SecurityGroup{GroupId: aws.String(id), IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2049), ToPort: aws.Int32(2049),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(src)}},
		}}}
	}
	return &Fake{
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
		MountTargets: map[string][]efstypes.MountTargetDescription{"fs-w": {
			{MountTargetId: aws.String("fsmt-1"), FileSystemId: aws.String("fs-w"), SubnetId: aws.String("subnet-1"), LifeCycleState: efstypes.LifeCycleStateAvailable},
		}},
		MountTargetGroups: map[string][]string{"fsmt-1": {"sg-efs"}},
		Groups:            map[string]ec2types.SecurityGroup{"sg-efs": nfsFrom("sg-efs", "sg-svc"), "sg-other": nfsFrom("sg-other", "sg-nobody")},
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
