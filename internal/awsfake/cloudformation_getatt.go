package awsfake

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// checkGetAtt refuses a template that asks a resource for an attribute its
// type does not have, as CloudFormation does when it validates the template
// on CreateChangeSet, before any stack exists. Types cfn does not list
// are let through.
func checkGetAtt(t *cfn.Template) error {
	for _, g := range t.GetAtts() {
		if cfn.Unsupported(t.Resources[g.Resource].Type, g.Attribute) {
			return validation("Template error: resource %s does not support attribute type %s in Fn::GetAtt", g.Resource, g.Attribute)
		}
	}
	return nil
}

// dependencyOrder orders the resource changes so that every resource comes
// after the resources it references (Ref, Fn::GetAtt, Fn::Sub, DependsOn),
// as CloudFormation orders creation and update; among those ready at the
// same time, ECS services go last and the rest keep their order. (The fake
// works one resource at a time where CloudFormation works in parallel.)
func dependencyOrder(t *cfn.Template, work []types.ResourceChange) []types.ResourceChange {
	if t == nil {
		return work
	}
	pending := map[string]bool{}
	for _, rc := range work {
		pending[aws.ToString(rc.LogicalResourceId)] = true
	}
	refs := map[string][]string{}
	for id := range pending {
		refs[id] = t.References(id)
	}
	rest := slices.Clone(work)
	out := make([]types.ResourceChange, 0, len(work))
	for len(rest) > 0 {
		pick := -1
		for i, rc := range rest {
			id := aws.ToString(rc.LogicalResourceId)
			if slices.ContainsFunc(refs[id], func(d string) bool { return d != id && pending[d] }) {
				continue
			}
			if pick < 0 || (aws.ToString(rest[pick].ResourceType) == "AWS::ECS::Service" && aws.ToString(rc.ResourceType) != "AWS::ECS::Service") {
				pick = i
			}
		}
		if pick < 0 { // a cycle, which CloudFormation refuses: keep the given order
			return append(out, rest...)
		}
		delete(pending, aws.ToString(rest[pick].LogicalResourceId))
		out = append(out, rest[pick])
		rest = slices.Delete(rest, pick, pick+1)
	}
	return out
}
