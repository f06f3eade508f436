package awsfake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
)

// apiErr returns "<code>: <message>" of an API error, or err's text.
func apiErr(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func newEFS(t *testing.T) *awsfake.EFS {
	t.Helper()
	ec2 := awsfake.NewEC2("123456789012")
	ec2.AddSecurityGroup("sg-efs", "vpc-1")
	ec2.AddSecurityGroup("sg-svc", "vpc-1")
	e := awsfake.NewEFS("eu-west-1", "123456789012", ec2.HasSecurityGroup)
	e.AddFileSystem("fs-w", "weights")
	for i, subnet := range []string{"subnet-1", "subnet-2"} {
		if err := e.AddMountTarget(fmt.Sprintf("fsmt-%d", i+1), "fs-w", subnet, "sg-efs"); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestEFSErrorsAsTheServiceAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		call func(e *awsfake.EFS) error
		want string
	}{
		{"unknown file system", func(e *awsfake.EFS) error {
			_, err := e.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-gone")})
			return err
		}, "FileSystemNotFound: File system 'fs-gone' does not exist."},
		{"neither file system nor mount target", func(e *awsfake.EFS) error {
			_, err := e.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{})
			return err
		}, "BadRequest: Specify exactly one of FileSystemId, MountTargetId or AccessPointId."},
		{"describe one unknown file system", func(e *awsfake.EFS) error {
			_, err := e.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String("fs-x")})
			return err
		}, "FileSystemNotFound: File system 'fs-x' does not exist."},
		{"groups of an unknown mount target", func(e *awsfake.EFS) error {
			_, err := e.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-9")})
			return err
		}, "MountTargetNotFound: Mount target 'fsmt-9' does not exist."},
		{"groups of a deleted mount target", func(e *awsfake.EFS) error {
			if err := e.SetMountTargetState("fsmt-1", efstypes.LifeCycleStateDeleted); err != nil {
				return err
			}
			_, err := e.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1")})
			return err
		}, "MountTargetNotFound: Mount target 'fsmt-1' does not exist."},
		{"modify while creating", func(e *awsfake.EFS) error {
			if err := e.SetMountTargetState("fsmt-2", efstypes.LifeCycleStateCreating); err != nil {
				return err
			}
			_, err := e.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-2"), SecurityGroups: []string{"sg-svc"}})
			return err
		}, "IncorrectMountTargetState: Mount target 'fsmt-2' is in lifecycle state 'creating'; it must be available."},
		{"modify to a group that does not exist", func(e *awsfake.EFS) error {
			_, err := e.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-nobody"}})
			return err
		}, "SecurityGroupNotFound: Security group 'sg-nobody' does not exist."},
		{"modify to six groups", func(e *awsfake.EFS) error {
			_, err := e.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-efs", "sg-efs", "sg-efs", "sg-efs", "sg-efs", "sg-svc"}})
			return err
		}, "SecurityGroupLimitExceeded: A mount target can have at most 5 security groups."},
		{"bad marker", func(e *awsfake.EFS) error {
			_, err := e.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-w"), Marker: aws.String("zz")})
			return err
		}, "BadRequest: Invalid marker 'zz'."},
		{"seed a mount target of a missing file system", func(e *awsfake.EFS) error {
			return e.AddMountTarget("fsmt-3", "fs-nope", "subnet-3")
		}, "FileSystemNotFound: File system 'fs-nope' does not exist."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := apiErr(tc.call(newEFS(t))); got != tc.want {
				t.Errorf("error = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEFSMountTargetsPageAndChange walks the SDK's paginator over one-item
// pages and checks that a modified group list is what the next describe
// returns, while a creating mount target still answers.
func TestEFSMountTargetsPageAndChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEFS(t)
	if err := e.SetMountTargetState("fsmt-2", efstypes.LifeCycleStateCreating); err != nil {
		t.Fatal(err)
	}
	p := efs.NewDescribeMountTargetsPaginator(e, &efs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-w"), MaxItems: aws.Int32(1)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, mt := range page.MountTargets {
			got = append(got, fmt.Sprintf("%s %s %s", aws.ToString(mt.MountTargetId), aws.ToString(mt.SubnetId), mt.LifeCycleState))
		}
	}
	if diff := cmp.Diff([]string{"fsmt-1 subnet-1 available", "fsmt-2 subnet-2 creating"}, got); diff != "" || pages != 2 {
		t.Errorf("mount targets in %d pages, want 2 (-want +got):\n%s", pages, diff)
	}
	if _, err := e.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String("fsmt-1"), SecurityGroups: []string{"sg-efs", "sg-svc"}}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]string{"fsmt-1": {"sg-efs", "sg-svc"}, "fsmt-2": {"sg-efs"}} {
		out, err := e.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, out.SecurityGroups); diff != "" {
			t.Errorf("%s security groups (-want +got):\n%s", id, diff)
		}
	}
}

func TestEFSDescribesFileSystemsWithTheirARN(t *testing.T) {
	t.Parallel()
	out, err := newEFS(t).DescribeFileSystems(context.Background(), &efs.DescribeFileSystemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FileSystems) != 1 {
		t.Fatalf("file systems = %d, want 1", len(out.FileSystems))
	}
	fs := out.FileSystems[0]
	got := []string{aws.ToString(fs.FileSystemId), aws.ToString(fs.FileSystemArn), string(fs.LifeCycleState), aws.ToString(fs.OwnerId)}
	want := []string{"fs-w", "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-w", "available", "123456789012"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("file system (-want +got):\n%s", diff)
	}
}
