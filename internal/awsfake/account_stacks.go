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
			l.StackRuleCreated(stackName, id, cf.ResourceProperty(stackName, id, "ListenerArn"), prio)
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
