package awsfake

import (
	"fmt"
	"strings"
)

// physicalID invents what Ref returns for the resource type, shaped like the
// real one: IDs with the service's prefix (vpc-, subnet-, sg-, fs- ...),
// ARNs for ECS services, task definitions and ELB resources, names for
// clusters, roles, log groups, repositories and buckets (the name property
// when the template sets one).
func (f *CloudFormation) physicalID(st *fakeStack, id, typ string) string {
	short := fmt.Sprintf("%s-%s", st.name, id)
	hex := fmt.Sprintf("%017x", uint64(f.nextSeq())*2654435761)
	named := func(prop string) string {
		if st.template != nil {
			if v := f.eval(st, st.template.Resources[id].Properties[prop]); v != "" {
				return v
			}
		}
		return ""
	}
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, f.Region, f.Account, resource)
	}
	if prefix, ok := idPrefixes[typ]; ok {
		return prefix + hex
	}
	switch typ {
	case "AWS::ECS::Service":
		name := named("ServiceName")
		if name == "" {
			name = short
		}
		return arn("ecs", "service/"+f.clusterOf(st, id)+"/"+name)
	case "AWS::ECS::Cluster":
		if n := named("ClusterName"); n != "" {
			return n
		}
		return short
	case "AWS::ECS::TaskDefinition":
		family := named("Family")
		if family == "" {
			family = trim(short, 48) + "-" + strings.ToUpper(hex[:12])
		}
		return arn("ecs", "task-definition/"+family+":1")
	case "AWS::ElasticLoadBalancingV2::TargetGroup":
		return arn("elasticloadbalancing", "targetgroup/"+trim(short, 32)+"/"+hex[:16])
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		return arn("elasticloadbalancing", "loadbalancer/app/"+trim(short, 32)+"/"+hex[:16])
	case "AWS::ElasticLoadBalancingV2::Listener":
		// listener/app/<load balancer>/<its id>/<listener id>
		lb := "app/" + trim(short, 32) + "/" + hex[1:17]
		if _, rest, ok := strings.Cut(named("LoadBalancerArn"), ":loadbalancer/"); ok {
			lb = rest
		}
		return arn("elasticloadbalancing", "listener/"+lb+"/"+hex[:16])
	case "AWS::ElasticLoadBalancingV2::ListenerRule":
		// listener-rule/app/<load balancer>/<its id>/<listener id>/<rule id>
		l := "app/" + trim(short, 32) + "/" + hex[1:17] + "/" + hex[:16]
		if _, rest, ok := strings.Cut(named("ListenerArn"), ":listener/"); ok {
			l = rest
		}
		return arn("elasticloadbalancing", "listener-rule/"+l+"/"+hex[:16])
	case "AWS::EC2::EIP":
		return fmt.Sprintf("198.51.100.%d", f.nextSeq()%250+1)
	case "AWS::IAM::Role":
		if n := named("RoleName"); n != "" {
			return n
		}
	case "AWS::Logs::LogGroup":
		if n := named("LogGroupName"); n != "" {
			return n
		}
	case "AWS::ECR::Repository":
		if n := named("RepositoryName"); n != "" {
			return n
		}
		return strings.ToLower(trim(short, 48) + "-" + hex[:12])
	case "AWS::S3::Bucket":
		if n := named("BucketName"); n != "" {
			return n
		}
		return strings.ToLower(trim(short, 48) + "-" + hex[:12])
	case "AWS::IAM::OIDCProvider":
		return "arn:aws:iam::" + f.Account + ":oidc-provider/" + strings.TrimPrefix(named("Url"), "https://")
	case "AWS::Route53::RecordSet":
		if n := named("Name"); n != "" {
			return n
		}
	}
	return trim(short, 48) + "-" + strings.ToUpper(hex[:12])
}

// idPrefixes are the resource types whose Ref is an ID with a prefix.
var idPrefixes = map[string]string{
	"AWS::EC2::VPC": "vpc-", "AWS::EC2::Subnet": "subnet-", "AWS::EC2::SecurityGroup": "sg-",
	"AWS::EC2::RouteTable": "rtb-", "AWS::EC2::InternetGateway": "igw-", "AWS::EC2::NatGateway": "nat-",
	"AWS::EC2::VPCEndpoint": "vpce-", "AWS::EC2::SubnetRouteTableAssociation": "rtbassoc-",
	"AWS::EC2::SecurityGroupIngress": "sgr-", "AWS::EC2::SecurityGroupEgress": "sgr-",
	"AWS::EFS::FileSystem": "fs-", "AWS::EFS::AccessPoint": "fsap-", "AWS::EFS::MountTarget": "fsmt-",
}

func (f *CloudFormation) clusterOf(st *fakeStack, id string) string {
	if st.template == nil {
		return "default"
	}
	v := f.eval(st, st.template.Resources[id].Properties["Cluster"])
	if v == "" {
		return "default"
	}
	if i := strings.LastIndex(v, "/"); i >= 0 {
		return v[i+1:]
	}
	return v
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// arnOf is the ARN of a resource whose Ref is its name or ID.
func (f *CloudFormation) arnOf(typ, phys string) string {
	if strings.HasPrefix(phys, "arn:") {
		return phys
	}
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, f.Region, f.Account, resource)
	}
	switch typ {
	case "AWS::IAM::Role":
		return "arn:aws:iam::" + f.Account + ":role/" + phys
	case "AWS::ECS::Cluster":
		return arn("ecs", "cluster/"+phys)
	case "AWS::EFS::FileSystem":
		return arn("elasticfilesystem", "file-system/"+phys)
	case "AWS::EFS::AccessPoint":
		return arn("elasticfilesystem", "access-point/"+phys)
	case "AWS::Logs::LogGroup":
		return arn("logs", "log-group:"+phys+":*")
	case "AWS::ECR::Repository":
		return arn("ecr", "repository/"+phys)
	case "AWS::S3::Bucket":
		return "arn:aws:s3:::" + phys
	}
	return "arn:aws:cloudformation:" + f.Region + ":" + f.Account + ":resource/" + phys
}
