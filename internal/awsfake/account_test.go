package awsfake_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

var start = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// TestAccountSeedsOneNetwork seeds the base network and reads it back the
// way doctor does: the mount targets' groups admit the service on NFS, and
// EFS refuses a group EC2 does not have.
func TestAccountSeedsOneNetwork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	err := a.SeedNetwork(awsfake.Network{VPC: "vpc-1", Subnets: []string{"subnet-1", "subnet-2"},
		ServiceGroup: "sg-svc", LoadBalancerGroup: "sg-alb", EFSGroup: "sg-efs", FileSystem: "fs-w"})
	if err != nil {
		t.Fatal(err)
	}
	mts, err := a.EFS.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-w")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mt := range mts.MountTargets {
		sgs, err := a.EFS.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: mt.MountTargetId})
		if err != nil {
			t.Fatal(err)
		}
		groups, err := a.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: sgs.SecurityGroups})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range groups.SecurityGroups[0].IpPermissions {
			got = append(got, aws.ToString(mt.MountTargetId)+" "+aws.ToString(mt.SubnetId)+" admits "+aws.ToString(p.UserIdGroupPairs[0].GroupId))
		}
	}
	if diff := cmp.Diff([]string{"fsmt-1 subnet-1 admits sg-svc", "fsmt-2 subnet-2 admits sg-svc"}, got); diff != "" {
		t.Errorf("mount targets (-want +got):\n%s", diff)
	}
	_, err = a.EFS.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-gone"}})
	if got, want := apiErr(err), "SecurityGroupNotFound: Security group 'sg-gone' does not exist."; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// TestAccountRunsOneClock checks that every service hooked to the account
// sees each sleep on its one clock, in order, at the clock's time.
func TestAccountRunsOneClock(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(start)
	a := awsfake.NewAccount(clk)
	var seen []string
	for _, name := range []string{"ecs", "cloudformation"} {
		a.OnTick(func(now time.Time) { seen = append(seen, name+" "+now.Sub(start).String()) })
	}
	for _, d := range []time.Duration{time.Second, 5 * time.Second} {
		if err := clk.Sleep(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"ecs 1s", "cloudformation 1s", "ecs 6s", "cloudformation 6s"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("ticks (-want +got):\n%s", diff)
	}
}
