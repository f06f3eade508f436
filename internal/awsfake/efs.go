package awsfake

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
)

// efsMaxSecurityGroups is how many security groups a mount target may have
// (https://docs.aws.amazon.com/efs/latest/ug/limits.html).
const efsMaxSecurityGroups = 5

// efsDefaultMaxItems is the page size EFS's Describe* calls use when
// MaxItems is not set
// (https://docs.aws.amazon.com/efs/latest/ug/API_DescribeMountTargets.html).
const efsDefaultMaxItems = 10

// EFS is a fake Amazon Elastic File System holding file systems and their
// mount targets with the security groups in effect for each. Calls fail
// with the real error codes (FileSystemNotFound, MountTargetNotFound,
// IncorrectMountTargetState, SecurityGroupNotFound ...) and page with
// Marker/NextMarker like the service.
type EFS struct {
	mu      sync.Mutex
	region  string
	account string
	fs      []efstypes.FileSystemDescription // in creation order
	mts     []efsMountTarget                 // in creation order
	// groups answers whether a security group exists; ModifyMountTarget
	// SecurityGroups refuses one it does not know. Nil admits every group.
	groups func(id string) bool
}

type efsMountTarget struct {
	desc   efstypes.MountTargetDescription
	groups []string
}

// NewEFS returns an empty EFS of account in region. groups tells whether a
// security group exists (the EC2 fake's HasSecurityGroup); nil admits any.
func NewEFS(region, account string, groups func(id string) bool) *EFS {
	return &EFS{region: region, account: account, groups: groups}
}

// AddFileSystem seeds a file system in the available state; its ARN and
// owner are filled in from the account.
func (e *EFS) AddFileSystem(id, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	arn := fmt.Sprintf("arn:aws:elasticfilesystem:%s:%s:file-system/%s", e.region, e.account, id)
	e.fs = append(e.fs, efstypes.FileSystemDescription{
		FileSystemId: aws.String(id), FileSystemArn: aws.String(arn), Name: aws.String(name),
		OwnerId: aws.String(e.account), LifeCycleState: efstypes.LifeCycleStateAvailable,
		CreationToken: aws.String(id), PerformanceMode: efstypes.PerformanceModeGeneralPurpose,
		SizeInBytes: &efstypes.FileSystemSize{}, Encrypted: aws.Bool(true),
	})
}

// AddMountTarget seeds an available mount target of file system fsID in
// subnet with the given security groups. The file system must exist.
func (e *EFS) AddMountTarget(id, fsID, subnet string, groups ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fileSystem(fsID) < 0 {
		return efsNotFound(fsID)
	}
	e.mts = append(e.mts, efsMountTarget{groups: slices.Clone(groups), desc: efstypes.MountTargetDescription{
		MountTargetId: aws.String(id), FileSystemId: aws.String(fsID), SubnetId: aws.String(subnet),
		OwnerId: aws.String(e.account), LifeCycleState: efstypes.LifeCycleStateAvailable,
	}})
	return nil
}

// SetMountTargetState moves a mount target to state (creating, deleting,
// deleted ...), as the service does while it provisions or removes one.
func (e *EFS) SetMountTargetState(id string, state efstypes.LifeCycleState) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.mountTarget(id)
	if i < 0 {
		return efsMountTargetNotFound(id)
	}
	e.mts[i].desc.LifeCycleState = state
	return nil
}

func (e *EFS) fileSystem(id string) int {
	return slices.IndexFunc(e.fs, func(f efstypes.FileSystemDescription) bool { return aws.ToString(f.FileSystemId) == id })
}

// mountTarget finds a mount target that is not deleted: a deleted one is
// gone for every call.
func (e *EFS) mountTarget(id string) int {
	return slices.IndexFunc(e.mts, func(m efsMountTarget) bool {
		return aws.ToString(m.desc.MountTargetId) == id && m.desc.LifeCycleState != efstypes.LifeCycleStateDeleted
	})
}

func efsNotFound(id string) error {
	return apiError("FileSystemNotFound", fmt.Sprintf("File system '%s' does not exist.", id))
}

func efsMountTargetNotFound(id string) error {
	return apiError("MountTargetNotFound", fmt.Sprintf("Mount target '%s' does not exist.", id))
}

// DescribeFileSystems returns one file system (FileSystemId) or all of
// them, paged by Marker.
func (e *EFS) DescribeFileSystems(_ context.Context, in *efs.DescribeFileSystemsInput, _ ...func(*efs.Options)) (*efs.DescribeFileSystemsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	all := e.fs
	if id := aws.ToString(in.FileSystemId); id != "" {
		i := e.fileSystem(id)
		if i < 0 {
			return nil, efsNotFound(id)
		}
		all = e.fs[i : i+1]
	}
	page, next, err := efsPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &efs.DescribeFileSystemsOutput{FileSystems: page, Marker: in.Marker, NextMarker: next}, nil
}

// DescribeMountTargets returns the mount targets of one file system, or
// the one mount target named, paged by Marker. Exactly one of
// FileSystemId and MountTargetId must be given (access points are not
// modelled).
func (e *EFS) DescribeMountTargets(_ context.Context, in *efs.DescribeMountTargetsInput, _ ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fsID, mtID := aws.ToString(in.FileSystemId), aws.ToString(in.MountTargetId)
	var all []efstypes.MountTargetDescription
	switch {
	case (fsID == "") == (mtID == ""):
		return nil, apiError("BadRequest", "Specify exactly one of FileSystemId, MountTargetId or AccessPointId.")
	case mtID != "":
		i := e.mountTarget(mtID)
		if i < 0 {
			return nil, efsMountTargetNotFound(mtID)
		}
		all = append(all, e.mts[i].desc)
	default:
		if e.fileSystem(fsID) < 0 {
			return nil, efsNotFound(fsID)
		}
		for _, m := range e.mts {
			if aws.ToString(m.desc.FileSystemId) == fsID && m.desc.LifeCycleState != efstypes.LifeCycleStateDeleted {
				all = append(all, m.desc)
			}
		}
	}
	page, next, err := efsPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &efs.DescribeMountTargetsOutput{MountTargets: page, Marker: in.Marker, NextMarker: next}, nil
}

// DescribeMountTargetSecurityGroups returns the security groups in effect
// for a mount target. The service answers while the mount target is being
// created, but not once it is deleted: "This operation requires that the
// network interface of the mount target has been created and the
// lifecycle state of the mount target is not deleted."
func (e *EFS) DescribeMountTargetSecurityGroups(_ context.Context, in *efs.DescribeMountTargetSecurityGroupsInput, _ ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := e.mountTarget(aws.ToString(in.MountTargetId))
	if i < 0 {
		return nil, efsMountTargetNotFound(aws.ToString(in.MountTargetId))
	}
	return &efs.DescribeMountTargetSecurityGroupsOutput{SecurityGroups: slices.Clone(e.mts[i].groups)}, nil
}

// ModifyMountTargetSecurityGroups replaces a mount target's security
// groups. The mount target must be available, the groups must exist and
// there may be at most five.
func (e *EFS) ModifyMountTargetSecurityGroups(_ context.Context, in *efs.ModifyMountTargetSecurityGroupsInput, _ ...func(*efs.Options)) (*efs.ModifyMountTargetSecurityGroupsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := aws.ToString(in.MountTargetId)
	i := e.mountTarget(id)
	if i < 0 {
		return nil, efsMountTargetNotFound(id)
	}
	if st := e.mts[i].desc.LifeCycleState; st != efstypes.LifeCycleStateAvailable {
		return nil, apiError("IncorrectMountTargetState", fmt.Sprintf("Mount target '%s' is in lifecycle state '%s'; it must be available.", id, st))
	}
	if len(in.SecurityGroups) > efsMaxSecurityGroups {
		return nil, apiError("SecurityGroupLimitExceeded", fmt.Sprintf("A mount target can have at most %d security groups.", efsMaxSecurityGroups))
	}
	for _, g := range in.SecurityGroups {
		if e.groups != nil && !e.groups(g) {
			return nil, apiError("SecurityGroupNotFound", fmt.Sprintf("Security group '%s' does not exist.", g))
		}
	}
	e.mts[i].groups = slices.Clone(in.SecurityGroups)
	return &efs.ModifyMountTargetSecurityGroupsOutput{}, nil
}

// efsPage cuts one page out of all. Markers are the index of the page's
// first item; a marker the fake never handed out is BadRequest.
func efsPage[T any](all []T, marker *string, maxItems *int32) ([]T, *string, error) {
	from := 0
	if m := aws.ToString(marker); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(all) {
			return nil, nil, apiError("BadRequest", fmt.Sprintf("Invalid marker '%s'.", m))
		}
		from = n
	}
	size := int(aws.ToInt32(maxItems))
	if size <= 0 {
		size = efsDefaultMaxItems
	}
	to := min(from+size, len(all))
	var next *string
	if to < len(all) {
		next = aws.String(strconv.Itoa(to))
	}
	return slices.Clone(all[from:to]), next, nil
}
