package awsfake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2Rule is one ingress rule as EC2 counts them: a protocol, a port range
// and one peer (a security group or a CIDR block).
type ec2Rule struct {
	proto    string
	from, to int32
	peer     string
}

func (r ec2Rule) String() string {
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", r.peer, strings.ToUpper(r.proto), r.from, r.to)
}

// ec2Rules splits permissions into single rules.
func ec2Rules(perms []ec2types.IpPermission) []ec2Rule {
	var out []ec2Rule
	for _, p := range perms {
		r := ec2Rule{proto: aws.ToString(p.IpProtocol), from: aws.ToInt32(p.FromPort), to: aws.ToInt32(p.ToPort)}
		for _, pair := range p.UserIdGroupPairs {
			r.peer = aws.ToString(pair.GroupId)
			out = append(out, r)
		}
		for _, cidr := range p.IpRanges {
			r.peer = aws.ToString(cidr.CidrIp)
			out = append(out, r)
		}
	}
	return out
}

func (r ec2Rule) permission() ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.proto), FromPort: aws.Int32(r.from), ToPort: aws.Int32(r.to)}
	if strings.HasPrefix(r.peer, "sg-") {
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.peer)}}
	} else {
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.peer)}}
	}
	return p
}

// AuthorizeSecurityGroupIngress adds ingress rules to a group. A rule the
// group already has fails the call with InvalidPermission.Duplicate and
// adds nothing; a source group that does not exist is InvalidGroup.NotFound.
func (e *EC2) AuthorizeSecurityGroupIngress(_ context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, add, err := e.ingressRequest(in.GroupId, in.IpPermissions)
	if err != nil {
		return nil, err
	}
	have := ec2Rules(e.groups[i].IpPermissions)
	for _, r := range add {
		if slices.Contains(have, r) {
			return nil, apiError("InvalidPermission.Duplicate", fmt.Sprintf("the specified rule %q already exists", r.String()))
		}
	}
	for _, r := range add {
		e.groups[i].IpPermissions = append(e.groups[i].IpPermissions, r.permission())
	}
	return &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

// RevokeSecurityGroupIngress removes ingress rules from a group; a rule the
// group does not have is InvalidPermission.NotFound and nothing is removed.
func (e *EC2) RevokeSecurityGroupIngress(_ context.Context, in *ec2.RevokeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, drop, err := e.ingressRequest(in.GroupId, in.IpPermissions)
	if err != nil {
		return nil, err
	}
	have := ec2Rules(e.groups[i].IpPermissions)
	for _, r := range drop {
		if !slices.Contains(have, r) {
			return nil, apiError("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
	}
	var keep []ec2types.IpPermission
	for _, r := range have {
		if !slices.Contains(drop, r) {
			keep = append(keep, r.permission())
		}
	}
	e.groups[i].IpPermissions = keep
	return &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

// ingressRequest finds the group a rule change is for and checks that
// every source group exists.
func (e *EC2) ingressRequest(groupID *string, perms []ec2types.IpPermission) (int, []ec2Rule, error) {
	id := aws.ToString(groupID)
	if err := ec2CheckGroupID(id); err != nil {
		return 0, nil, err
	}
	i := e.group(id)
	if i < 0 {
		return 0, nil, ec2GroupNotFound(id)
	}
	rules := ec2Rules(perms)
	for _, r := range rules {
		if strings.HasPrefix(r.peer, "sg-") && e.group(r.peer) < 0 {
			return 0, nil, ec2GroupNotFound(r.peer)
		}
	}
	return i, rules, nil
}
