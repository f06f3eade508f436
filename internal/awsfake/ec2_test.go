package awsfake_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
)

func newEC2() *awsfake.EC2 {
	e := awsfake.NewEC2("123456789012")
	e.AddSecurityGroup("sg-efs", "vpc-1", awsfake.NFSFrom("sg-svc"))
	e.AddSecurityGroup("sg-svc", "vpc-1")
	e.AddSecurityGroup("sg-alb", "vpc-2")
	e.AddSubnet("subnet-1", "vpc-1", "eu-west-1a", "10.0.1.0/24")
	e.AddSubnet("subnet-2", "vpc-2", "eu-west-1b", "10.0.2.0/24")
	return e
}

func groupIDs(out *ec2.DescribeSecurityGroupsOutput) []string {
	var ids []string
	for _, g := range out.SecurityGroups {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	return ids
}

func TestEC2DescribeSecurityGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      ec2.DescribeSecurityGroupsInput
		want    []string
		wantErr string
	}{
		{name: "by id", in: ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-svc", "sg-efs"}}, want: []string{"sg-svc", "sg-efs"}},
		{name: "all", want: []string{"sg-efs", "sg-svc", "sg-alb"}},
		{name: "by vpc", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-2"}}}}, want: []string{"sg-alb"}},
		{name: "one missing fails the call", in: ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-efs", "sg-0123"}},
			wantErr: "InvalidGroup.NotFound: The security group 'sg-0123' does not exist"},
		{name: "malformed id", in: ec2.DescribeSecurityGroupsInput{GroupIds: []string{"efs"}},
			wantErr: `InvalidGroupId.Malformed: Invalid id: "efs" (expecting "sg-...")`},
		{name: "unknown filter", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}}},
			wantErr: "InvalidParameterValue: The filter 'colour' is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := newEC2().DescribeSecurityGroups(context.Background(), &tc.in)
			if got := apiErr(err); got != tc.wantErr {
				t.Fatalf("error = %q, want %q", got, tc.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tc.want, groupIDs(out)); diff != "" {
					t.Errorf("groups (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestEC2DescribeSubnets(t *testing.T) {
	t.Parallel()
	e := newEC2()
	ctx := context.Background()
	out, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Subnets) != 1 || aws.ToString(out.Subnets[0].SubnetId) != "subnet-1" || aws.ToString(out.Subnets[0].AvailabilityZone) != "eu-west-1a" {
		t.Errorf("subnets of vpc-1 = %+v, want subnet-1 in eu-west-1a", out.Subnets)
	}
	_, err = e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-1", "subnet-9"}})
	if got, want := apiErr(err), "InvalidSubnetID.NotFound: The subnet ID 'subnet-9' does not exist"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// TestEC2IngressRules authorizes the rule doctor's fix prints, refuses it a
// second time, revokes it, and checks that callers cannot change the
// fake's rules through what it returned.
func TestEC2IngressRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEC2()
	admits := func() []string {
		out, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-efs"}})
		if err != nil {
			t.Fatal(err)
		}
		var peers []string
		for _, p := range out.SecurityGroups[0].IpPermissions {
			for _, pair := range p.UserIdGroupPairs {
				peers = append(peers, aws.ToString(pair.GroupId))
			}
		}
		out.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId = aws.String("sg-mutated")
		return peers
	}
	nfs := func(src string) []ec2types.IpPermission { return []ec2types.IpPermission{awsfake.NFSFrom(src)} }
	steps := []struct {
		name    string
		do      func() error
		wantErr string
		want    []string
	}{
		{"authorize the ALB group", func() error {
			_, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nfs("sg-alb")})
			return err
		}, "", []string{"sg-svc", "sg-alb"}},
		{"authorize it again", func() error {
			_, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nfs("sg-alb")})
			return err
		}, `InvalidPermission.Duplicate: the specified rule "peer: sg-alb, TCP, from port: 2049, to port: 2049, ALLOW" already exists`, []string{"sg-svc", "sg-alb"}},
		{"authorize a source that does not exist", func() error {
			_, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nfs("sg-ghost")})
			return err
		}, "InvalidGroup.NotFound: The security group 'sg-ghost' does not exist", []string{"sg-svc", "sg-alb"}},
		{"revoke the service group", func() error {
			_, err := e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nfs("sg-svc")})
			return err
		}, "", []string{"sg-alb"}},
		{"revoke it again", func() error {
			_, err := e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String("sg-efs"), IpPermissions: nfs("sg-svc")})
			return err
		}, "InvalidPermission.NotFound: The specified rule does not exist in this security group.", []string{"sg-alb"}},
	}
	for _, s := range steps {
		if got := apiErr(s.do()); got != s.wantErr {
			t.Errorf("%s: error = %q, want %q", s.name, got, s.wantErr)
		}
		if diff := cmp.Diff(s.want, admits()); diff != "" {
			t.Errorf("%s: sg-efs admits (-want +got):\n%s", s.name, diff)
		}
	}
}
