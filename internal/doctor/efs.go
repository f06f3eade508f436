package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
)

// nfsPort is the port EFS mount targets listen on.
const nfsPort = 2049

// checkEFS checks that every mount target of every EFS volume the task
// mounts admits each of the service's security groups on TCP 2049. When it
// does not, tasks stop with "ResourceInitializationError: failed to invoke
// EFS utils commands to set up EFS volumes".
func (d *Doctor) checkEFS(ctx context.Context, r *Report, svc *service) {
	const check = "efs-access"
	if svc.task == nil {
		return
	}
	for _, v := range svc.task.Volumes {
		if v.EfsVolumeConfiguration == nil {
			continue
		}
		fsID := aws.ToString(v.EfsVolumeConfiguration.FileSystemId)
		d.checkFileSystem(ctx, r, check, fsID, svc.securityGroups)
	}
}

func (d *Doctor) checkFileSystem(ctx context.Context, r *Report, check, fsID string, serviceSGs []string) {
	p := efs.NewDescribeMountTargetsPaginator(d.EFS, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
	targets := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.add(check, StatusError, fsID, fmt.Sprintf("describe mount targets: %v", err), "check that the file system exists and the role may call elasticfilesystem:DescribeMountTargets")
			return
		}
		for _, mt := range page.MountTargets {
			targets++
			id := aws.ToString(mt.MountTargetId)
			where := fmt.Sprintf("%s (%s, %s)", id, fsID, aws.ToString(mt.SubnetId))
			if mt.LifeCycleState != "available" {
				r.add(check, StatusWarn, where, fmt.Sprintf("mount target is %s", mt.LifeCycleState), "wait until it is available; tasks started before then cannot mount the volume")
			}
			d.checkMountTarget(ctx, r, check, id, where, serviceSGs)
		}
	}
	if targets == 0 {
		r.add(check, StatusError, fsID, "the file system has no mount targets", "deploy create-ep-a.yaml again; it creates one mount target per private subnet")
	}
}

func (d *Doctor) checkMountTarget(ctx context.Context, r *Report, check, id, where string, serviceSGs []string) {
	sgOut, err := d.EFS.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(id)})
	if err != nil {
		r.add(check, StatusError, where, fmt.Sprintf("describe mount target security groups: %v", err), "check that the role may call elasticfilesystem:DescribeMountTargetSecurityGroups and ec2:DescribeNetworkInterfaceAttribute (EFS needs both to answer)")
		return
	}
	groups, err := d.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: sgOut.SecurityGroups})
	if err != nil {
		r.add(check, StatusError, where, fmt.Sprintf("describe security groups %v: %v", sgOut.SecurityGroups, err), "check that the role may call ec2:DescribeSecurityGroups")
		return
	}
	var missing []string
	for _, sg := range serviceSGs {
		if !admits(groups.SecurityGroups, sg, nfsPort) {
			missing = append(missing, sg)
		}
	}
	if len(missing) == 0 {
		r.add(check, StatusOK, where, fmt.Sprintf("security groups %s admit the service's groups on TCP 2049", strings.Join(sgOut.SecurityGroups, ", ")), "")
		return
	}
	first := ""
	if len(sgOut.SecurityGroups) > 0 {
		first = sgOut.SecurityGroups[0]
	}
	r.add(check, StatusError, where,
		fmt.Sprintf("security groups %s do not admit %s on TCP 2049; tasks fail with ResourceInitializationError", strings.Join(sgOut.SecurityGroups, ", "), strings.Join(missing, ", ")),
		fmt.Sprintf("run the service in the stack's ServiceSecurityGroup (create-ep-a.yaml admits it), or allow it: aws ec2 authorize-security-group-ingress --group-id %s --protocol tcp --port 2049 --source-group %s", first, missing[0]))
}

// admits reports whether any of groups lets source in on TCP port.
func admits(groups []ec2types.SecurityGroup, source string, port int32) bool {
	for _, g := range groups {
		for _, perm := range g.IpPermissions {
			proto := aws.ToString(perm.IpProtocol)
			all := proto == "-1"
			if !all && (proto != "tcp" && proto != "6") {
				continue
			}
			if !all && (aws.ToInt32(perm.FromPort) > port || aws.ToInt32(perm.ToPort) < port) {
				continue
			}
			if slices.ContainsFunc(perm.UserIdGroupPairs, func(p ec2types.UserIdGroupPair) bool { return aws.ToString(p.GroupId) == source }) {
				return true
			}
		}
	}
	return false
}
