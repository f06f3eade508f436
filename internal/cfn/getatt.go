package cfn

// What the suite knows of CloudFormation's resource types beyond
// goformation's model: the attributes Fn::GetAtt returns. It is small and
// dependency-free, so the deploy engine can check templates offline without
// linking the whole resource specification.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// Attributes returns the attributes Fn::GetAtt accepts for a resource type
// ("Return values" in the type's page of the CloudFormation template
// reference), and false for a type not listed here: those are not checked.
// The list covers the types of the suite's templates and their neighbours.
func Attributes(resourceType string) ([]string, bool) {
	a, ok := getAttributes[resourceType]
	return a, ok
}

// Unsupported reports whether CloudFormation would refuse Fn::GetAtt of attr
// on a resource of the type: the type is listed, and attr (not a dotted
// attribute, which are not listed) is not among its attributes.
func Unsupported(resourceType, attr string) bool {
	known, ok := getAttributes[resourceType]
	return ok && attr != "" && !strings.Contains(attr, ".") && !slices.Contains(known, attr)
}

// Explain says what is wrong with asking resource (of type typ) for attr,
// with the nearest real attribute and the list.
func Explain(resource, typ, attr string) string {
	known := getAttributes[typ]
	hint := ""
	if c := suggest.Closest(attr, known); c != "" {
		hint = "; did you mean " + c + "?"
	}
	return fmt.Sprintf("%s (%s) has no attribute %q for Fn::GetAtt%s (attributes: %s)", resource, typ, attr, hint, strings.Join(known, ", "))
}

// GetAtt is one attribute a template asks of a resource, by Fn::GetAtt or
// as ${Resource.Attribute} in an Fn::Sub, with where it is asked.
type GetAtt struct {
	Path, Resource, Attribute string
}

// GetAtts lists every attribute the template's resources and outputs ask
// of a resource it declares, in a stable order.
func (t *Template) GetAtts() []GetAtt {
	var out []GetAtt
	visit := func(refs []Ref) {
		for _, r := range refs {
			if _, ok := t.Resources[r.Name]; ok && r.Attr != "" {
				// The path of the expression, not of its function key.
				out = append(out, GetAtt{Path: Parent(r.Path), Resource: r.Name, Attribute: r.Attr})
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		visit(Refs(t.Resources[id].Properties, "Resources."+id+".Properties"))
	}
	for _, k := range slices.Sorted(maps.Keys(t.Outputs)) {
		visit(Refs(t.Outputs[k].Value, "Outputs."+k+".Value"))
	}
	return out
}

// References lists, without repeats, the names resource id's DependsOn and
// properties refer to (Ref, Fn::GetAtt, Fn::Sub): resources it needs
// first, parameters and pseudo parameters.
func (t *Template) References(id string) []string {
	r := t.Resources[id]
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, d := range r.DependsOn {
		add(d)
	}
	for _, ref := range Refs(r.Properties, "") {
		add(ref.Name)
	}
	return out
}

// CheckAttributes refuses, before any AWS call, an attribute Fn::GetAtt
// asks of a resource whose type does not return it (CloudFormation would
// refuse the change set: "Template error: resource X does not support
// attribute type Y in Fn::GetAtt"), naming the nearest real one.
func (t *Template) CheckAttributes() error {
	var msgs []string
	for _, g := range t.GetAtts() {
		typ := t.Resources[g.Resource].Type
		if !Unsupported(typ, g.Attribute) {
			continue
		}
		msgs = append(msgs, t.Path+": "+g.Path+": "+Explain(g.Resource, typ, g.Attribute))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

// getAttributes: the Fn::GetAtt attributes of each type, as its page in the
// CloudFormation template reference lists them under "Return values"
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-<service>-<type>.html).
// Dotted attributes (Endpoint.Address, the S3 and VPC Metadata... and
// VpcEncryptionControl... ones) are not listed and not checked. Types whose
// page documents no Fn::GetAtt list (Route53::RecordSet, the security group
// ingress and egress rules, VPCGatewayAttachment, ScalableTarget,
// ListenerCertificate, BucketPolicy) are left out, so they are not checked.
var getAttributes = map[string][]string{
	"AWS::ApplicationAutoScaling::ScalingPolicy": {"Arn"},
	"AWS::CloudWatch::Alarm":                     {"Arn"},
	"AWS::EC2::EIP":                              {"AllocationId", "PublicIp"},
	"AWS::EC2::InternetGateway":                  {"InternetGatewayId"},
	"AWS::EC2::NatGateway":                       {"AutoProvisionZones", "AutoScalingIps", "EniId", "NatGatewayId", "RouteTableId"},
	"AWS::EC2::Route":                            {"CidrBlock"},
	"AWS::EC2::RouteTable":                       {"RouteTableId"},
	"AWS::EC2::SecurityGroup":                    {"GroupId", "VpcId"},
	"AWS::EC2::Subnet":                           {"AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "Ipv6CidrBlocks", "NetworkAclAssociationId", "OutpostArn", "SubnetId", "VpcId"},
	"AWS::EC2::SubnetRouteTableAssociation":      {"Id"},
	"AWS::EC2::VPC":                              {"CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup", "Ipv6CidrBlocks", "VpcId"},
	"AWS::EC2::VPCEndpoint":                      {"CreationTimestamp", "DnsEntries", "Id", "NetworkInterfaceIds"},
	"AWS::ECR::Repository":                       {"Arn", "RepositoryUri"},
	"AWS::ECS::Cluster":                          {"Arn"},
	"AWS::ECS::Service":                          {"Name", "ServiceArn"},
	"AWS::ECS::TaskDefinition":                   {"TaskDefinitionArn"},
	"AWS::EFS::AccessPoint":                      {"AccessPointId", "Arn"},
	"AWS::EFS::FileSystem":                       {"Arn", "FileSystemId"},
	"AWS::EFS::MountTarget":                      {"Id", "IpAddress"},
	"AWS::ElasticLoadBalancingV2::Listener":      {"ListenerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":  {"IsDefault", "RuleArn"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  {"CanonicalHostedZoneID", "DNSName", "LoadBalancerArn", "LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":   {"LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"},
	"AWS::IAM::OIDCProvider":                     {"Arn"},
	"AWS::IAM::Role":                             {"Arn", "RoleId"},
	"AWS::Logs::LogGroup":                        {"Arn"},
	"AWS::S3::Bucket":                            {"Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"},
}
