package cfntemplate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// CheckSecurity applies the suite's network and IAM rules:
//   - EFS mount targets admit only ECS services' security groups, on TCP 2049;
//   - only a load balancer's security group takes traffic from CIDR ranges,
//     only on 80 and 443, and only from the AllowedCidrIp parameter;
//   - no IAM statement allows wildcard actions on all resources.
func (t *Template) CheckSecurity() []*Finding {
	var fs []*Finding
	fs = append(fs, t.checkEfsIngress()...)
	fs = append(fs, t.checkCidrIngress()...)
	fs = append(fs, t.checkIAM()...)
	return fs
}

// ingressRule is one ingress rule with the path it came from.
type ingressRule struct {
	path string
	rule map[string]any
}

// ingressOf returns the ingress rules of security group resource name,
// inline and as separate AWS::EC2::SecurityGroupIngress resources; both
// sides of an Fn::If count.
func (t *Template) ingressOf(name string) []ingressRule {
	var out []ingressRule
	r := t.resource(name)
	props, _ := r["Properties"].(map[string]any)
	list, _ := props["SecurityGroupIngress"].([]any)
	for i, e := range list {
		p := cfn.Index("Resources."+name+".Properties.SecurityGroupIngress", i)
		for _, m := range branches(e) {
			out = append(out, ingressRule{p, m})
		}
	}
	for _, other := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		o := t.resource(other)
		if str(o["Type"]) != "AWS::EC2::SecurityGroupIngress" {
			continue
		}
		props, _ := o["Properties"].(map[string]any)
		if refName(props["GroupId"]) == name {
			out = append(out, ingressRule{"Resources." + other + ".Properties", props})
		}
	}
	return out
}

// branches returns the mappings v can be: v itself, or each non-NoValue
// side of an Fn::If.
func branches(v any) []map[string]any {
	if fn, arg, ok := cfn.Intrinsic(v); ok {
		if fn == "Fn::If" {
			l, _ := arg.([]any)
			if len(l) != 3 {
				return nil // CheckReferences reports the malformed Fn::If
			}
			var out []map[string]any
			for _, b := range l[1:] {
				out = append(out, branches(b)...)
			}
			return out
		}
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return []map[string]any{m}
	}
	return nil
}

func (t *Template) checkEfsIngress() []*Finding {
	serviceSGs := t.serviceSecurityGroups()
	var fs []*Finding
	for _, sg := range t.groupsOf("AWS::EFS::MountTarget", "SecurityGroups") {
		for _, in := range t.ingressOf(sg) {
			src := refName(in.rule["SourceSecurityGroupId"])
			switch {
			case !serviceSGs[src]:
				fs = append(fs, t.finding(in.path, "EFS security group %s admits %s; admit only the ECS services' security groups (SourceSecurityGroupId)", sg, describeSource(in.rule)))
			case str(in.rule["IpProtocol"]) != "tcp" || !ports(in.rule, 2049):
				fs = append(fs, t.finding(in.path, "EFS security group %s must admit TCP 2049 only", sg))
			}
		}
	}
	return fs
}

func (t *Template) checkCidrIngress() []*Finding {
	lbSGs := map[string]bool{}
	for _, sg := range t.groupsOf("AWS::ElasticLoadBalancingV2::LoadBalancer", "SecurityGroups") {
		lbSGs[sg] = true
	}
	var fs []*Finding
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		if str(t.resource(name)["Type"]) != "AWS::EC2::SecurityGroup" {
			continue
		}
		for _, in := range t.ingressOf(name) {
			if in.rule["CidrIp"] == nil && in.rule["CidrIpv6"] == nil && in.rule["SourcePrefixListId"] == nil {
				continue
			}
			switch {
			case !lbSGs[name]:
				fs = append(fs, t.finding(in.path, "security group %s is not a load balancer's but admits %s; only the load balancer may be reached from outside", name, describeSource(in.rule)))
			case !ports(in.rule, 80) && !ports(in.rule, 443):
				fs = append(fs, t.finding(in.path, "load balancer security group %s opens ports other than 80 and 443", name))
			case !mentionsRef(in.rule, "AllowedCidrIp"):
				fs = append(fs, t.finding(in.path, "load balancer security group %s admits %s; take the ranges from the AllowedCidrIp parameter", name, describeSource(in.rule)))
			}
		}
	}
	return fs
}

// publicSubnets are subnets associated with a route table that routes to an
// internet gateway, or that map public IPs on launch.
func (t *Template) publicSubnets() map[string]bool {
	igwTables := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		props, _ := r["Properties"].(map[string]any)
		if str(r["Type"]) == "AWS::EC2::Route" && str(t.resource(refName(props["GatewayId"]))["Type"]) == "AWS::EC2::InternetGateway" {
			igwTables[refName(props["RouteTableId"])] = true
		}
	}
	public := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		props, _ := r["Properties"].(map[string]any)
		switch str(r["Type"]) {
		case "AWS::EC2::SubnetRouteTableAssociation":
			if igwTables[refName(props["RouteTableId"])] {
				public[refName(props["SubnetId"])] = true
			}
		case "AWS::EC2::Subnet":
			if fmt.Sprint(props["MapPublicIpOnLaunch"]) == "true" {
				public[name] = true
			}
		}
	}
	return public
}

func (t *Template) checkIAM() []*Finding {
	var fs []*Finding
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		props, _ := r["Properties"].(map[string]any)
		p := "Resources." + name + ".Properties"
		switch str(r["Type"]) {
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			pols, _ := props["Policies"].([]any)
			for i, pol := range pols {
				m, _ := pol.(map[string]any)
				fs = append(fs, t.checkPolicy(cfn.Index(p+".Policies", i)+".PolicyDocument", m["PolicyDocument"])...)
			}
			arns, _ := props["ManagedPolicyArns"].([]any)
			for i, a := range arns {
				if s := fmt.Sprint(a); strings.Contains(s, "AdministratorAccess") || strings.Contains(s, "PowerUserAccess") {
					fs = append(fs, t.finding(cfn.Index(p+".ManagedPolicyArns", i), "role %s gets %s; grant the actions it needs on its own resources", name, s))
				}
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			fs = append(fs, t.checkPolicy(p+".PolicyDocument", props["PolicyDocument"])...)
		}
	}
	return fs
}

func (t *Template) checkPolicy(p string, doc any) []*Finding {
	d, _ := doc.(map[string]any)
	var stmts []any
	switch s := d["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	}
	var fs []*Finding
	for i, s := range stmts {
		st, _ := s.(map[string]any)
		sp := cfn.Index(p+".Statement", i)
		if str(st["Effect"]) != "Allow" {
			continue
		}
		if st["NotAction"] != nil || st["NotResource"] != nil {
			fs = append(fs, t.finding(sp, "an Allow with NotAction or NotResource grants nearly everything; list actions and resources"))
			continue
		}
		if wildcard(st["Resource"], func(s string) bool { return s == "*" }) && wildcard(st["Action"], func(s string) bool { return strings.HasSuffix(s, "*") }) {
			fs = append(fs, t.finding(sp, "allows wildcard actions %v on every resource; name the actions and scope the resources", st["Action"]))
		}
	}
	return fs
}

func wildcard(v any, is func(string) bool) bool {
	switch x := v.(type) {
	case string:
		return is(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && is(s) {
				return true
			}
		}
	}
	return false
}

// groupsOf returns the security group resources referenced by property
// prop of all resources of type typ.
func (t *Template) groupsOf(typ, prop string) []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		if str(r["Type"]) != typ {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		l, _ := props[prop].([]any)
		for _, g := range l {
			if n := refName(g); n != "" && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// serviceSecurityGroups are the groups ECS services of this template run in.
func (t *Template) serviceSecurityGroups() map[string]bool {
	out := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		if str(r["Type"]) != "AWS::ECS::Service" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		nc, _ := props["NetworkConfiguration"].(map[string]any)
		vpc, _ := nc["AwsvpcConfiguration"].(map[string]any)
		l, _ := vpc["SecurityGroups"].([]any)
		for _, g := range l {
			if n := refName(g); n != "" {
				out[n] = true
			}
		}
	}
	return out
}

func (t *Template) resource(name string) map[string]any {
	r, _ := t.section("Resources")[name].(map[string]any)
	return r
}

// refName returns X for {"Ref": X} or {"Fn::GetAtt": [X, "GroupId"]}.
func refName(v any) string {
	fn, arg, ok := cfn.Intrinsic(v)
	if !ok {
		return ""
	}
	switch fn {
	case "Ref":
		return str(arg)
	case "Fn::GetAtt":
		if l, ok := arg.([]any); ok && len(l) == 2 {
			return str(l[0])
		}
	}
	return ""
}

func ports(rule map[string]any, port int) bool {
	want := fmt.Sprint(port)
	return fmt.Sprint(rule["FromPort"]) == want && fmt.Sprint(rule["ToPort"]) == want
}

func mentionsRef(v any, param string) bool {
	found := false
	cfn.Walk(v, "", func(fn string, arg any, _ string) {
		found = found || (fn == "Ref" && str(arg) == param)
	})
	return found
}

func describeSource(rule map[string]any) string {
	for _, k := range []string{"CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId"} {
		if v, ok := rule[k]; ok {
			if n := refName(v); n != "" {
				return fmt.Sprintf("%s of %s", k, n)
			}
			return fmt.Sprintf("%s %v", k, v)
		}
	}
	return "an unspecified source"
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
