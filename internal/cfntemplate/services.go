package cfntemplate

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// CheckServices checks each ECS service of the stack against the
// resources its values come from, in this template or the base's:
//   - its subnets are private (not routed to an internet gateway), told
//     from the subnets themselves, not from the names of exports;
//   - every EFS file system its tasks mount admits one of its security
//     groups on TCP 2049 (else tasks stop with ResourceInitializationError:
//     failed to invoke EFS utils commands to set up EFS volumes);
//   - its security groups admit the container port the load balancer
//     sends to (else every health check times out, Target.Timeout).
func (s *Stack) CheckServices() []*Finding {
	var fs []*Finding
	for _, name := range slices.Sorted(maps.Keys(s.T.section("Resources"))) {
		r := s.T.resource(name)
		if str(r["Type"]) != "AWS::ECS::Service" {
			continue
		}
		fs = append(fs, s.checkService(name, r)...)
	}
	return fs
}

func (s *Stack) checkService(name string, r map[string]any) []*Finding {
	p := "Resources." + name + ".Properties"
	props, _ := r["Properties"].(map[string]any)
	nc, _ := props["NetworkConfiguration"].(map[string]any)
	vpc, _ := nc["AwsvpcConfiguration"].(map[string]any)
	if vpc == nil && !s.awsvpc(props) {
		return nil // bridge or host networking on EC2: the instances' groups apply
	}
	if vpc == nil {
		return []*Finding{s.T.problem(p+".NetworkConfiguration", "add NetworkConfiguration.AwsvpcConfiguration with private subnets and AssignPublicIp: DISABLED",
			"service %s has no AwsvpcConfiguration; Fargate tasks need one", name)}
	}
	vp := p + ".NetworkConfiguration.AwsvpcConfiguration"
	var fs []*Finding
	if str(vpc["AssignPublicIp"]) == "ENABLED" {
		fs = append(fs, s.T.problem(vp+".AssignPublicIp", "set AssignPublicIp: DISABLED and run the tasks in private subnets behind a NAT gateway",
			"service %s gives its tasks public IP addresses", name))
	}
	fs = append(fs, s.checkSubnets(name, vp+".Subnets", vpc["Subnets"])...)
	sgs := s.resolveList(vpc["SecurityGroups"])
	fs = append(fs, s.checkEfsAdmission(name, vp+".SecurityGroups", props, sgs)...)
	fs = append(fs, s.checkPortAdmission(name, p, props, sgs)...)
	return fs
}

// awsvpc reports whether the service's tasks use awsvpc networking, which
// Fargate always does: they need an AwsvpcConfiguration.
func (s *Stack) awsvpc(props map[string]any) bool {
	if lt := s.resolve(props["LaunchType"]); lt.isLit && lt.lit == "FARGATE" {
		return true
	}
	td := s.resolve(props["TaskDefinition"])
	tprops, _ := td.resource()["Properties"].(map[string]any)
	mode := td.s.resolveOrNil(tprops["NetworkMode"])
	return mode.isLit && mode.lit == "awsvpc"
}

// resolveOrNil is resolve on a possibly nil stack.
func (s *Stack) resolveOrNil(v any) origin {
	if s == nil {
		return origin{}
	}
	return s.resolve(v)
}

func (s *Stack) checkSubnets(service, p string, v any) []*Finding {
	if v == nil {
		return []*Finding{s.T.problem(p, "list the private subnets", "service %s names no subnets", service)}
	}
	var fs []*Finding
	for _, o := range s.resolveList(v) {
		switch {
		case o.res != "" && str(o.resource()["Type"]) == "AWS::EC2::Subnet":
			if o.s.T.publicSubnets()[o.res] {
				fs = append(fs, s.T.problem(p, "use the private subnets (routed through a NAT gateway)",
					"service %s runs in %s (%s), a subnet routed to an internet gateway or mapping public IPs", service, o.res, o.s.T.Path))
			}
		case o.isLit && o.lit == "":
		case !o.known() && s.Base != nil && mentions(v, "Fn::ImportValue"):
			// An import the base does not export: CheckImports reports it.
		default:
			fs = append(fs, s.T.warning(p, "take the subnets from the template that creates them (Ref, an import or the base's output), so they can be checked",
				"service %s: cannot tell that subnet %s is private", service, o.describe()))
		}
	}
	return fs
}

// mentions reports whether v calls the intrinsic fn anywhere.
func mentions(v any, fn string) bool {
	found := false
	cfn.Walk(v, "", func(f string, _ any, _ string) { found = found || f == fn })
	return found
}

func (o origin) describe() string {
	switch {
	case o.res != "":
		return fmt.Sprintf("%s (%s)", o.res, o.s.T.Path)
	case o.isLit:
		return strconv.Quote(o.lit)
	}
	return "(a value known only when deployed)"
}

func sameResource(a, b origin) bool { return a.res != "" && a.s == b.s && a.res == b.res }

// rule is one ingress rule and the stack whose values it is read in.
type rule struct {
	s    *Stack
	rule map[string]any
}

// rulesOf returns the ingress rules of security group sg: inline, and the
// AWS::EC2::SecurityGroupIngress resources of the given stacks whose
// GroupId is sg.
func rulesOf(sg origin, where []*Stack) []rule {
	var out []rule
	for _, in := range sg.s.T.ingressOf(sg.res) {
		if !strings.Contains(in.path, "Resources."+sg.res+".") {
			continue // a separate rule; collected below
		}
		out = append(out, rule{sg.s, in.rule})
	}
	for _, st := range where {
		for _, name := range slices.Sorted(maps.Keys(st.T.section("Resources"))) {
			r := st.T.resource(name)
			if str(r["Type"]) != "AWS::EC2::SecurityGroupIngress" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			if sameResource(st.resolve(props["GroupId"]), sg) {
				out = append(out, rule{st, props})
			}
		}
	}
	return out
}

// covers reports whether the rule admits TCP port; what cannot be told
// offline counts as admitted, so no finding rests on a guess.
func (r rule) covers(port int) bool {
	proto := r.s.resolve(r.rule["IpProtocol"])
	if !proto.isLit {
		return true
	}
	switch strings.ToLower(proto.lit) {
	case "-1", "all":
		return true
	case "tcp", "6":
	default:
		return false
	}
	from, okFrom := r.port("FromPort")
	to, okTo := r.port("ToPort")
	if !okFrom || !okTo {
		return true
	}
	return from <= port && port <= to || from == -1
}

func (r rule) port(key string) (int, bool) {
	o := r.s.resolve(r.rule[key])
	if !o.isLit {
		return 0, false
	}
	n, err := strconv.Atoi(o.lit)
	return n, err == nil
}

// dedupeOrigins keeps the first of each resource.
func dedupeOrigins(os []origin) []origin {
	var out []origin
	for _, o := range os {
		if !slices.ContainsFunc(out, func(x origin) bool { return sameResource(x, o) }) {
			out = append(out, o)
		}
	}
	return out
}

func (s *Stack) checkEfsAdmission(service, p string, props map[string]any, sgs []origin) []*Finding {
	td := s.resolve(props["TaskDefinition"])
	if str(td.resource()["Type"]) != "AWS::ECS::TaskDefinition" {
		return nil
	}
	tprops, _ := td.resource()["Properties"].(map[string]any)
	vols, _ := tprops["Volumes"].([]any)
	var fs []*Finding
	for _, v := range vols {
		vm, _ := v.(map[string]any)
		efs, _ := vm["EFSVolumeConfiguration"].(map[string]any)
		if efs == nil {
			continue
		}
		fsys := td.s.resolve(efs["FilesystemId"])
		if fsys.res == "" {
			continue
		}
		mtSGs := fsys.s.mountTargetGroups(fsys)
		if len(mtSGs) == 0 || s.admitsAny(mtSGs, sgs, 2049) {
			continue
		}
		fs = append(fs, s.T.problem(p,
			fmt.Sprintf("run the service in a security group %s admits (the tasks' group of %s), or add an AWS::EC2::SecurityGroupIngress with GroupId %s, SourceSecurityGroupId of the service's group, IpProtocol tcp, FromPort and ToPort 2049", names(mtSGs), fsys.s.T.Path, mtSGs[0].res),
			"service %s mounts EFS file system %s (%s), but the mount targets' security group %s admits none of its security groups %s on TCP 2049; its tasks would stop with ResourceInitializationError (failed to invoke EFS utils commands to set up EFS volumes)",
			service, fsys.res, fsys.s.T.Path, names(mtSGs), describeAll(sgs)))
	}
	return fs
}

// mountTargetGroups returns the security groups of fsys's mount targets.
func (s *Stack) mountTargetGroups(fsys origin) []origin {
	var out []origin
	for _, name := range slices.Sorted(maps.Keys(s.T.section("Resources"))) {
		r := s.T.resource(name)
		if str(r["Type"]) != "AWS::EFS::MountTarget" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		if !sameResource(s.resolve(props["FileSystemId"]), fsys) {
			continue
		}
		for _, g := range s.resolveList(props["SecurityGroups"]) {
			if g.res != "" {
				out = append(out, g)
			}
		}
	}
	return dedupeOrigins(out)
}

// admitsAny reports whether one of groups admits port from one of sources.
func (s *Stack) admitsAny(groups, sources []origin, port int) bool {
	for _, g := range groups {
		for _, r := range rulesOf(g, s.stacks()) {
			src := r.s.resolve(r.rule["SourceSecurityGroupId"])
			if slices.ContainsFunc(sources, func(o origin) bool { return sameResource(o, src) }) && r.covers(port) {
				return true
			}
		}
	}
	return false
}

func (s *Stack) checkPortAdmission(service, p string, props map[string]any, sgs []origin) []*Finding {
	lbs, _ := props["LoadBalancers"].([]any)
	var fs []*Finding
	for i, lb := range lbs {
		m, _ := lb.(map[string]any)
		po := s.resolve(m["ContainerPort"])
		port, err := strconv.Atoi(po.lit)
		if !po.isLit || err != nil {
			continue
		}
		for _, g := range dedupeOrigins(sgs) {
			if g.res == "" || str(g.resource()["Type"]) != "AWS::EC2::SecurityGroup" {
				continue
			}
			rules := rulesOf(g, s.stacks())
			if slices.ContainsFunc(rules, func(r rule) bool { return r.covers(port) }) {
				continue
			}
			fs = append(fs, s.T.problem(cfn.Index(p+".LoadBalancers", i)+".ContainerPort",
				fmt.Sprintf("use the port %s admits (%s), or admit TCP %d from the load balancer's security group", g.res, admittedPorts(rules), port),
				"service %s's container port %d is not admitted by its security group %s (%s); the load balancer's health checks would time out (Target.Timeout)",
				service, port, g.res, g.s.T.Path))
		}
	}
	return fs
}

func admittedPorts(rules []rule) string {
	var out []string
	for _, r := range rules {
		from, ok1 := r.port("FromPort")
		to, ok2 := r.port("ToPort")
		switch {
		case !ok1 || !ok2:
		case from == to:
			out = append(out, strconv.Itoa(from))
		default:
			out = append(out, fmt.Sprintf("%d-%d", from, to))
		}
	}
	if len(out) == 0 {
		return "no TCP port"
	}
	return "TCP " + strings.Join(out, ", ")
}

func names(os []origin) string {
	var out []string
	for _, o := range os {
		out = append(out, o.res)
	}
	return strings.Join(out, ", ")
}

func describeAll(os []origin) string {
	var out []string
	for _, o := range os {
		out = append(out, o.describe())
	}
	return "[" + strings.Join(out, ", ") + "]"
}
