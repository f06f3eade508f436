package awsfake

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// linkStacks makes cf create ECS services, target groups, listeners and
// listener rules in e and l as its stacks deploy them, as CloudFormation
// creates them in the account's services: a service (re)deploys
// when its stack resource completes, every target group of a stack sits
// behind its services, and a ListenerRule resource holds its priority on
// its listener until it is deleted.
func linkStacks(cf *CloudFormation, e *ECS, l *ELB) {
	cf.OnResourceDeleted = func(stackName string, r types.StackResource) {
		l.StackRuleDeleted(stackName, aws.ToString(r.LogicalResourceId))
	}
	cf.OnResource = func(stackName string, r types.StackResource) {
		switch aws.ToString(r.ResourceType) {
		case "AWS::ElasticLoadBalancingV2::Listener":
			l.AddListener(aws.ToString(r.PhysicalResourceId))
		case "AWS::ElasticLoadBalancingV2::ListenerRule":
			id := aws.ToString(r.LogicalResourceId)
			prio, _ := strconv.Atoi(cf.ResourceProperty(stackName, id, "Priority"))
			spec := ruleSpec(cf.ResourceValue(stackName, id, "Conditions"), cf.ResourceValue(stackName, id, "Actions"))
			l.StackRuleCreated(stackName, id, cf.ResourceProperty(stackName, id, "ListenerArn"), prio, spec)
		case "AWS::ECS::Service":
			e.Register(stackName, aws.ToString(r.PhysicalResourceId))
			for tg := range l.StackGroups(stackName) {
				e.AttachTargetGroup(stackName, tg)
			}
		case "AWS::ElasticLoadBalancingV2::TargetGroup":
			tg := aws.ToString(r.PhysicalResourceId)
			l.RegisterForStack(stackName, tg)
			e.AttachTargetGroup(stackName, tg)
		}
	}
}

// ruleSpec reads what a ListenerRule resource matches and forwards to, from
// its Conditions (host-header and path-pattern, as Values or in
// HostHeaderConfig / PathPatternConfig) and the first forward action
// (TargetGroupArn, or ForwardConfig's first target group).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listenerrule.html
func ruleSpec(conditions, actions any) RuleSpec {
	var spec RuleSpec
	conds, _ := conditions.([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		values := stringList(m["Values"])
		switch m["Field"] {
		case "host-header":
			cfg, _ := m["HostHeaderConfig"].(map[string]any)
			spec.Hosts = append(append(spec.Hosts, values...), stringList(cfg["Values"])...)
		case "path-pattern":
			cfg, _ := m["PathPatternConfig"].(map[string]any)
			spec.Paths = append(append(spec.Paths, values...), stringList(cfg["Values"])...)
		}
	}
	acts, _ := actions.([]any)
	for _, a := range acts {
		m, _ := a.(map[string]any)
		if m["Type"] != "forward" || spec.TargetGroup != "" {
			continue
		}
		spec.TargetGroup, _ = m["TargetGroupArn"].(string)
		if fc, ok := m["ForwardConfig"].(map[string]any); ok && spec.TargetGroup == "" {
			if tgs, _ := fc["TargetGroups"].([]any); len(tgs) > 0 {
				first, _ := tgs[0].(map[string]any)
				spec.TargetGroup, _ = first["TargetGroupArn"].(string)
			}
		}
	}
	return spec
}

func stringList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
