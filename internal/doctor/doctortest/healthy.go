package doctortest

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Names in the Healthy environment.
const (
	Repository     = "ecs-mlops/endpoint"
	ImageDigest    = "sha256:abc"
	Image          = awsfake.DefaultRegistry + "/" + Repository + "@" + ImageDigest
	Listener       = "arn:listener/https"
	TGArn          = "arn:tg/ep-a"
	PreviewTGArn   = "arn:tg/pr-7"
	Host           = "api.example.com"
	PreviewHost    = "pr-7.preview.example.com"
	Stack          = "ecs-mlops-ep-a"
	Cluster        = "cluster-1"
	ServiceName    = "svc-a"
	ServiceARN     = "arn:aws:ecs:eu-west-1:123456789012:service/" + Cluster + "/" + ServiceName
	TaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/td-a:3"
	// TargetIP and TargetPort are the service's one registered target.
	TargetIP   = "10.0.2.10"
	TargetPort = 8000
)

// The rules on Listener, created in this order so the ELB fake numbers
// them: the endpoint's own at priority 1 and a preview's at 1007.
const (
	OwnRule     = Listener + "/rule/1"
	PreviewRule = Listener + "/rule/2"
)

// OwnRuleSpec is what the endpoint's own rule matches and forwards to.
var OwnRuleSpec = awsfake.RuleSpec{Hosts: []string{Host}, TargetGroup: TGArn}

// Healthy is an environment where every check passes; albAddr is where
// the health request lands.
func Healthy(albAddr string) *Fake {
	acct := awsfake.NewAccount(clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)))
	f := &Fake{Account: acct, EFS: acct.EFS, EC2: acct.EC2,
		rollout: awsfake.Rollout{Desire: 2, TaskDefinition: TaskDefinition, Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-svc"}},
	}
	// A fixed environment that seeds cleanly; a failure is a bug here.
	must(acct.SeedNetwork(awsfake.Network{VPC: "vpc-1", Subnets: []string{"subnet-1"},
		ServiceGroup: "sg-svc", LoadBalancerGroup: "sg-alb", EFSGroup: "sg-efs", FileSystem: "fs-w"}))
	acct.EC2.AddSecurityGroup("sg-other", "vpc-1", awsfake.NFSFrom("sg-nobody"))
	acct.ECS.AddTaskDefinition(ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(TaskDefinition), Family: aws.String("td-a"), Revision: 3,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("endpoint"), Image: aws.String(Image), Essential: aws.Bool(true)}},
		Volumes: []ecstypes.Volume{
			{Name: aws.String("weights"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-w")}},
			{Name: aws.String("scratch")},
		},
	})
	acct.ECR.AddRepo(Repository, ecrtypes.ImageTagMutabilityImmutable)
	must(acct.ECR.Push(Repository, "1f2e3d4", ImageDigest))
	acct.ELB.AddListener(Listener)
	must(rule(acct.ELB.CreateRuleFor(Listener, 1, OwnRuleSpec)))
	must(rule(acct.ELB.CreateRuleFor(Listener, 1007, awsfake.RuleSpec{Hosts: []string{PreviewHost}, TargetGroup: PreviewTGArn})))
	f.putStack(map[string]string{
		"EndpointUrl": "https://" + Host, "AlbDnsName": albAddr, "HttpsListenerArn": Listener,
		"TargetGroupArn": TGArn, "ClusterName": Cluster, "ServiceName": ServiceName, "ContainerName": "endpoint",
	})
	SetTarget(f, elbtypes.TargetHealthStateEnumHealthy, "", "")
	f.deploy(f.rollout)
	return f
}

func rule(_ string, err error) error { return err }

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// SetTarget gives the target group its one target at TargetIP:TargetPort
// in state, with reason and description (empty for none).
func SetTarget(f *Fake, state elbtypes.TargetHealthStateEnum, reason elbtypes.TargetHealthReasonEnum, description string) {
	f.Account.ELB.Register(TGArn, awsfake.Health{Path: "/ping", Targets: []awsfake.Target{
		{IP: TargetIP, Port: TargetPort, State: state, Reason: reason, Description: description, Settled: true}}})
}

// NoTargets leaves the target group without a registered target.
func NoTargets(f *Fake) {
	f.Account.ELB.Register(TGArn, awsfake.Health{Path: "/ping", NoTargets: true})
}

// CloseEFS puts the mount target in the security group sg-other, which
// does not admit the service: the classic ResourceInitializationError.
func CloseEFS(f *Fake) {
	_, err := f.ModifyMountTargetSecurityGroups(context.Background(), &efs.ModifyMountTargetSecurityGroupsInput{
		MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-other"}})
	must(err) // Healthy seeds fsmt-1 available and sg-other
}

// DeleteImage deletes the image the service runs from its repository.
func DeleteImage(f *Fake) {
	out, err := f.Account.ECR.BatchDeleteImage(context.Background(), &ecr.BatchDeleteImageInput{
		RepositoryName: aws.String(Repository), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("1f2e3d4")}}})
	must(err)
	if len(out.Failures) > 0 {
		panic("doctortest: the image Healthy pushed is gone")
	}
}

// DeleteRepository deletes the service's image repository.
func DeleteRepository(f *Fake) { f.Account.ECR.RemoveRepo(Repository) }
