package awsfake_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// doctorPolicy lets a role read fs-w's mount targets and the security
// groups, but not the mount targets' network interfaces, and change
// nothing.
const doctorPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["elasticfilesystem:DescribeMountTargets","elasticfilesystem:DescribeMountTargetSecurityGroups"],
  "Resource":"arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-w"},
 {"Effect":"Allow","Action":"ec2:DescribeSecurityGroups","Resource":"*"},
 {"Effect":"Allow","Action":"logs:GetLogEvents","Resource":"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/ep-a/*"}]}`

// TestRoleAuthorizesEveryCall acts as a role and checks each call's answer
// (the service's own denial shape) and the ARN IAM was asked about.
func TestRoleAuthorizesEveryCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	if err := a.SeedNetwork(awsfake.Network{VPC: "vpc-1", Subnets: []string{"subnet-1"}, ServiceGroup: "sg-svc", LoadBalancerGroup: "sg-alb", EFSGroup: "sg-efs", FileSystem: "fs-w"}); err != nil {
		t.Fatal(err)
	}
	gate, err := iampolicy.NewGate("arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1", doctorPolicy)
	if err != nil {
		t.Fatal(err)
	}
	role := a.As(gate)
	a.Logs.Put("/ecs/ep-a/weights-sync", "sync/1", "copied 3 files")
	a.Logs.Put("/ecs/other", "app/1", "secret")
	denied := "UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1 is not authorized to perform: ec2:AuthorizeSecurityGroupIngress on resource: arn:aws:ec2:eu-west-1:123456789012:security-group/sg-efs because no identity-based policy allows the ec2:AuthorizeSecurityGroupIngress action"
	calls := []struct {
		name, wantErr string
		call          func() error
	}{
		{"describe mount targets", "", func() error {
			_, err := role.EFS.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-w")})
			return err
		}},
		{"mount target groups without the network interface permission", "AccessDeniedException: User is not authorized to perform that action on the specified resource", func() error {
			_, err := role.EFS.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1")})
			return err
		}},
		{"describe security groups", "", func() error {
			_, err := role.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-efs"}})
			return err
		}},
		{"read a stream the role may read", "", func() error {
			_, err := role.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/ep-a/weights-sync"), LogStreamName: aws.String("sync/1")})
			return err
		}},
		{"read another group's stream", "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1 is not authorized to perform: logs:GetLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/other:log-stream:app/1 because no identity-based policy allows the logs:GetLogEvents action", func() error {
			_, err := role.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/other"), LogStreamName: aws.String("app/1")})
			return err
		}},
		{"open the EFS group", denied, func() error {
			_, err := role.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nil})
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
	fs := "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-w"
	want := []string{
		"elasticfilesystem:DescribeMountTargets " + fs,
		"elasticfilesystem:DescribeMountTargetSecurityGroups " + fs,
		"ec2:DescribeNetworkInterfaceAttribute *",
		"ec2:DescribeSecurityGroups *",
		"logs:GetLogEvents arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/ep-a/weights-sync:log-stream:sync/1",
		"logs:GetLogEvents arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/other:log-stream:app/1",
		"ec2:AuthorizeSecurityGroupIngress arn:aws:ec2:eu-west-1:123456789012:security-group/sg-efs",
	}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("authorized (-want +got):\n%s", diff)
	}
}
