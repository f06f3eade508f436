package awsfake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2 is a fake Amazon EC2 holding the security groups and subnets of an
// account's VPCs. Describe calls name a missing ID with the real codes
// (InvalidGroup.NotFound "The security group 'sg-…' does not exist",
// InvalidSubnetID.NotFound "The subnet ID 'subnet-…' does not exist");
// ingress rules are authorized and revoked like the service, refusing a
// duplicate and a rule that is not there.
type EC2 struct {
	mu      sync.Mutex
	account string
	groups  []ec2types.SecurityGroup // in creation order
	subnets []ec2types.Subnet
}

// NewEC2 returns an EC2 of account with no groups or subnets.
func NewEC2(account string) *EC2 { return &EC2{account: account} }

// AddSecurityGroup seeds a security group of vpc with ingress rules.
func (e *EC2) AddSecurityGroup(id, vpc string, ingress ...ec2types.IpPermission) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.groups = append(e.groups, ec2types.SecurityGroup{
		GroupId: aws.String(id), GroupName: aws.String(id), VpcId: aws.String(vpc), OwnerId: aws.String(e.account),
		Description: aws.String(id), IpPermissions: ec2ClonePerms(ingress),
	})
}

// AddSubnet seeds a subnet of vpc in zone with a CIDR block.
func (e *EC2) AddSubnet(id, vpc, zone, cidr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.subnets = append(e.subnets, ec2types.Subnet{
		SubnetId: aws.String(id), VpcId: aws.String(vpc), AvailabilityZone: aws.String(zone),
		CidrBlock: aws.String(cidr), OwnerId: aws.String(e.account), State: ec2types.SubnetStateAvailable,
	})
}

// HasSecurityGroup reports whether the group exists (EFS uses it to refuse
// mount target groups that do not).
func (e *EC2) HasSecurityGroup(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.group(id) >= 0
}

// NFSFrom is the ingress rule that admits source on TCP 2049, the rule an
// EFS mount target's group needs for the tasks that mount it.
func NFSFrom(source string) ec2types.IpPermission {
	return ec2types.IpPermission{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2049), ToPort: aws.Int32(2049),
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(source)}},
	}
}

func (e *EC2) group(id string) int {
	return slices.IndexFunc(e.groups, func(g ec2types.SecurityGroup) bool { return aws.ToString(g.GroupId) == id })
}

func ec2GroupNotFound(id string) error {
	return apiError("InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id))
}

// ec2CheckGroupID refuses an ID that is not of a security group's form.
func ec2CheckGroupID(id string) error {
	if !strings.HasPrefix(id, "sg-") {
		return apiError("InvalidGroupId.Malformed", fmt.Sprintf("Invalid id: %q (expecting \"sg-...\")", id))
	}
	return nil
}

// DescribeSecurityGroups returns the groups named by GroupIds (any missing
// one fails the whole call, as EC2 does) or all groups, narrowed by the
// filters group-id, group-name and vpc-id.
func (e *EC2) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var picked []ec2types.SecurityGroup
	for _, id := range in.GroupIds {
		if err := ec2CheckGroupID(id); err != nil {
			return nil, err
		}
		i := e.group(id)
		if i < 0 {
			return nil, ec2GroupNotFound(id)
		}
		picked = append(picked, e.groups[i])
	}
	if len(in.GroupIds) == 0 {
		picked = e.groups
	}
	out := &ec2.DescribeSecurityGroupsOutput{}
	for _, g := range picked {
		ok, err := ec2Matches(in.Filters, map[string]string{"group-id": aws.ToString(g.GroupId), "group-name": aws.ToString(g.GroupName), "vpc-id": aws.ToString(g.VpcId)})
		if err != nil {
			return nil, err
		}
		if ok {
			g.IpPermissions = ec2ClonePerms(g.IpPermissions)
			out.SecurityGroups = append(out.SecurityGroups, g)
		}
	}
	return out, nil
}

// DescribeSubnets returns the subnets named by SubnetIds or all subnets,
// narrowed by the filters subnet-id, vpc-id and availability-zone.
func (e *EC2) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	picked := e.subnets
	if len(in.SubnetIds) > 0 {
		picked = nil
		for _, id := range in.SubnetIds {
			i := slices.IndexFunc(e.subnets, func(s ec2types.Subnet) bool { return aws.ToString(s.SubnetId) == id })
			if i < 0 {
				return nil, apiError("InvalidSubnetID.NotFound", fmt.Sprintf("The subnet ID '%s' does not exist", id))
			}
			picked = append(picked, e.subnets[i])
		}
	}
	out := &ec2.DescribeSubnetsOutput{}
	for _, s := range picked {
		ok, err := ec2Matches(in.Filters, map[string]string{"subnet-id": aws.ToString(s.SubnetId), "vpc-id": aws.ToString(s.VpcId), "availability-zone": aws.ToString(s.AvailabilityZone)})
		if err != nil {
			return nil, err
		}
		if ok {
			out.Subnets = append(out.Subnets, s)
		}
	}
	return out, nil
}

// ec2Matches applies EC2 filters: every filter must match one of its
// values; a filter name the fake does not know is refused as EC2 refuses
// an invalid one.
func ec2Matches(filters []ec2types.Filter, fields map[string]string) (bool, error) {
	for _, f := range filters {
		v, known := fields[aws.ToString(f.Name)]
		if !known {
			return false, apiError("InvalidParameterValue", fmt.Sprintf("The filter '%s' is invalid", aws.ToString(f.Name)))
		}
		if !slices.Contains(f.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func ec2ClonePerms(perms []ec2types.IpPermission) []ec2types.IpPermission {
	out := make([]ec2types.IpPermission, len(perms))
	for i, p := range perms {
		p.UserIdGroupPairs = slices.Clone(p.UserIdGroupPairs)
		p.IpRanges = slices.Clone(p.IpRanges)
		out[i] = p
	}
	return out
}
