package awsfake

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestGetAttUnsupportedAttribute: CloudFormation validates Fn::GetAtt
// attributes on CreateChangeSet, before any stack exists, and refuses an
// attribute the type does not have, in Fn::GetAtt or in an Fn::Sub.
func TestGetAttUnsupportedAttribute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, want string }{
		{"GetAtt", "!GetAtt LB.DnsName", "Template error: resource LB does not support attribute type DnsName in Fn::GetAtt"},
		{"Sub", `!Sub "http://${LB.DNSName}/${Role.Name}"`, "Template error: resource Role does not support attribute type Name in Fn::GetAtt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := NewCloudFormation(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
			body := "Resources:\n  LB: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}\n  Role: {Type: AWS::IAM::Role}\nOutputs:\n  O: {Value: " + tc.value + "}\n"
			_, err := f.CreateChangeSet(context.Background(), &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("c"),
				ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body)})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || ae.ErrorMessage() != tc.want {
				t.Fatalf("CreateChangeSet: %v, want ValidationError %q", err, tc.want)
			}
			if _, ok := f.Stack("s"); ok {
				t.Errorf("a refused template left a stack behind")
			}
		})
	}
}

// TestRefAndGetAttShapes: Ref and Fn::GetAtt give values shaped like the
// real ones, so code reading outputs (subnet lists, role ARNs, repository
// URIs) meets what it would meet in an account.
func TestRefAndGetAttShapes(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := NewCloudFormation(clk)
	body := `Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  Subnet: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {VpcId: !Ref Vpc}}
  Role: {Type: AWS::IAM::Role, Properties: {RoleName: app-task}}
  Cluster: {Type: AWS::ECS::Cluster, Properties: {ClusterName: app}}
  Repo: {Type: AWS::ECR::Repository, Properties: {RepositoryName: team/app}}
  Fs: {Type: AWS::EFS::FileSystem}
  Logs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /ecs/app}}
  Task: {Type: AWS::ECS::TaskDefinition, Properties: {Family: app}}
  Ip: {Type: AWS::EC2::EIP}
Outputs:
  VpcId: {Value: !Ref Vpc}
  Subnet: {Value: !Ref Subnet}
  SubnetVpc: {Value: !GetAtt Subnet.VpcId}
  Group: {Value: !GetAtt Group.GroupId}
  RoleArn: {Value: !GetAtt Role.Arn}
  ClusterArn: {Value: !GetAtt Cluster.Arn}
  RepoUri: {Value: !GetAtt Repo.RepositoryUri}
  FsArn: {Value: !Sub "${Fs.Arn}"}
  LogsArn: {Value: !GetAtt Logs.Arn}
  Task: {Value: !Ref Task}
  Alloc: {Value: !GetAtt Ip.AllocationId}
`
	createStack(t, f, clk, "s", body)
	st, ok := f.Stack("s")
	if !ok || st.StackStatus != types.StackStatusCreateComplete {
		t.Fatalf("stack: %v %v", ok, st.StackStatus)
	}
	got := map[string]string{}
	for _, o := range st.Outputs {
		got[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	want := map[string]string{
		"VpcId":      `^vpc-[0-9a-f]{17}$`,
		"Subnet":     `^subnet-[0-9a-f]{17}$`,
		"SubnetVpc":  `^` + got["VpcId"] + `$`,
		"Group":      `^sg-[0-9a-f]{17}$`,
		"RoleArn":    `^arn:aws:iam::123456789012:role/app-task$`,
		"ClusterArn": `^arn:aws:ecs:eu-west-1:123456789012:cluster/app$`,
		"RepoUri":    `^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/team/app$`,
		"FsArn":      `^arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-[0-9a-f]{17}$`,
		"LogsArn":    `^arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:\*$`,
		"Task":       `^arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1$`,
		"Alloc":      `^eipalloc-[0-9a-f]{17}$`,
	}
	for k, re := range want {
		if !regexp.MustCompile(re).MatchString(got[k]) {
			t.Errorf("output %s = %q, want %s", k, got[k], re)
		}
	}
}

// TestCreationFollowsDependencies: resources are created after what they
// reference (Ref, Fn::GetAtt, Fn::Sub, DependsOn), whatever their names, and
// ECS services after the rest that is ready with them.
func TestCreationFollowsDependencies(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := NewCloudFormation(clk)
	body := `Resources:
  A: {Type: AWS::EC2::SecurityGroup, Properties: {VpcId: !Ref Vpc}}
  B: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub "${Role.Arn}"}}
  Role: {Type: AWS::IAM::Role}
  Service: {Type: AWS::ECS::Service}
  Vpc: {Type: AWS::EC2::VPC}
  Zed: {Type: AWS::Logs::LogGroup, DependsOn: A}
`
	createStack(t, f, clk, "s", body)
	ev, err := f.DescribeStackEvents(context.Background(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range slices.Backward(ev.StackEvents) {
		if e.ResourceStatus == types.ResourceStatusCreateComplete && aws.ToString(e.ResourceType) != "AWS::CloudFormation::Stack" {
			got = append(got, aws.ToString(e.LogicalResourceId))
		}
	}
	if want := []string{"Role", "B", "Vpc", "A", "Zed", "Service"}; !slices.Equal(got, want) {
		t.Errorf("creation order %v, want %v", got, want)
	}
}

// createStack creates stack name from body through a change set and lets
// the clock run until it is done.
func createStack(t *testing.T, f *CloudFormation, clk *clock.Fake, name, body string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("c"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
}
