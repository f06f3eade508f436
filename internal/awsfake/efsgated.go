package awsfake

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedEFS is the EFS fake as a role with IAM policies sees it: each call
// is authorized on the file system's ARN first. EFS answers a denial with
// AccessDeniedException "User is not authorized to perform that action on
// the specified resource", naming neither the action nor the resource
// (the gate's Calls say which was asked). DescribeMountTargetSecurityGroups
// also needs ec2:DescribeNetworkInterfaceAttribute
// (https://docs.aws.amazon.com/efs/latest/ug/API_DescribeMountTargetSecurityGroups.html).
type GatedEFS struct {
	*EFS
	Gate *iampolicy.Gate
}

func (g *GatedEFS) authorize(action, fsID string) error {
	if fsID == "" {
		fsID = "*"
	}
	arn := "arn:aws:elasticfilesystem:" + g.region + ":" + g.account + ":file-system/" + fsID
	return efsDenied(g.Gate.Authorize(action, arn, nil))
}

// efsDenied turns the gate's AccessDenied into EFS's shape.
func efsDenied(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return apiError("AccessDeniedException", "User is not authorized to perform that action on the specified resource")
	}
	return err
}

// fileSystemOf returns the file system of a mount target, or "" when the
// mount target does not exist (the call then fails as the fake does).
func (g *GatedEFS) fileSystemOf(mountTarget string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := g.mountTarget(mountTarget); i >= 0 {
		return aws.ToString(g.mts[i].desc.FileSystemId)
	}
	return ""
}

// DescribeFileSystems authorizes elasticfilesystem:DescribeFileSystems.
func (g *GatedEFS) DescribeFileSystems(ctx context.Context, in *efs.DescribeFileSystemsInput, o ...func(*efs.Options)) (*efs.DescribeFileSystemsOutput, error) {
	if err := g.authorize("elasticfilesystem:DescribeFileSystems", aws.ToString(in.FileSystemId)); err != nil {
		return nil, err
	}
	return g.EFS.DescribeFileSystems(ctx, in, o...)
}

// DescribeMountTargets authorizes elasticfilesystem:DescribeMountTargets.
func (g *GatedEFS) DescribeMountTargets(ctx context.Context, in *efs.DescribeMountTargetsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error) {
	fsID := aws.ToString(in.FileSystemId)
	if fsID == "" {
		fsID = g.fileSystemOf(aws.ToString(in.MountTargetId))
	}
	if err := g.authorize("elasticfilesystem:DescribeMountTargets", fsID); err != nil {
		return nil, err
	}
	return g.EFS.DescribeMountTargets(ctx, in, o...)
}

// DescribeMountTargetSecurityGroups authorizes the EFS action on the file
// system and ec2:DescribeNetworkInterfaceAttribute.
func (g *GatedEFS) DescribeMountTargetSecurityGroups(ctx context.Context, in *efs.DescribeMountTargetSecurityGroupsInput, o ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error) {
	if err := g.authorize("elasticfilesystem:DescribeMountTargetSecurityGroups", g.fileSystemOf(aws.ToString(in.MountTargetId))); err != nil {
		return nil, err
	}
	if err := efsDenied(g.Gate.Authorize("ec2:DescribeNetworkInterfaceAttribute", "*", nil)); err != nil {
		return nil, err
	}
	return g.EFS.DescribeMountTargetSecurityGroups(ctx, in, o...)
}

// ModifyMountTargetSecurityGroups authorizes the EFS action on the file
// system and ec2:ModifyNetworkInterfaceAttribute.
func (g *GatedEFS) ModifyMountTargetSecurityGroups(ctx context.Context, in *efs.ModifyMountTargetSecurityGroupsInput, o ...func(*efs.Options)) (*efs.ModifyMountTargetSecurityGroupsOutput, error) {
	if err := g.authorize("elasticfilesystem:ModifyMountTargetSecurityGroups", g.fileSystemOf(aws.ToString(in.MountTargetId))); err != nil {
		return nil, err
	}
	if err := efsDenied(g.Gate.Authorize("ec2:ModifyNetworkInterfaceAttribute", "*", nil)); err != nil {
		return nil, err
	}
	return g.EFS.ModifyMountTargetSecurityGroups(ctx, in, o...)
}
