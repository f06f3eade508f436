package stacktest

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfnspec"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// checkGetAtt refuses a template that asks a resource for an attribute its
// type does not have, as CloudFormation does when it validates the template
// on CreateChangeSet, before any stack exists. Types cfnspec does not list
// are let through.
func checkGetAtt(t *stack.Template) error {
	for _, g := range t.GetAtts() {
		if cfnspec.Unsupported(t.Resources[g.Resource].Type, g.Attribute) {
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
func dependencyOrder(t *stack.Template, work []types.ResourceChange) []types.ResourceChange {
	if t == nil {
		return work
	}
	pending := map[string]bool{}
	for _, rc := range work {
		pending[aws.ToString(rc.LogicalResourceId)] = true
	}
	deps := map[string][]string{}
	for _, rc := range work {
		id := aws.ToString(rc.LogicalResourceId)
		r := t.Resources[id]
		seen := map[string]bool{}
		add := func(name string) {
			if name != id && pending[name] && !seen[name] {
				seen[name] = true
				deps[id] = append(deps[id], name)
			}
		}
		for _, d := range r.DependsOn {
			add(d)
		}
		walkRefs(r.Properties, add)
	}
	rest := slices.Clone(work)
	out := make([]types.ResourceChange, 0, len(work))
	for len(rest) > 0 {
		pick := -1
		for i, rc := range rest {
			id := aws.ToString(rc.LogicalResourceId)
			if slices.ContainsFunc(deps[id], func(d string) bool { return pending[d] }) {
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

// walkRefs calls visit with every resource or parameter name v refers to.
func walkRefs(v any, visit func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			switch k {
			case "Ref":
				if s, ok := x[k].(string); ok {
					visit(s)
				}
			case "Fn::GetAtt":
				if l, ok := x[k].([]any); ok && len(l) == 2 {
					if s, ok := l[0].(string); ok {
						visit(s)
					}
				}
			case "Fn::Sub":
				s, _ := x[k].(string)
				if l, ok := x[k].([]any); ok && len(l) > 0 {
					s, _ = l[0].(string)
				}
				for _, m := range subVar.FindAllStringSubmatch(s, -1) {
					res, _, _ := strings.Cut(m[1], ".")
					visit(res)
				}
			}
			walkRefs(x[k], visit)
		}
	case []any:
		for _, e := range x {
			walkRefs(e, visit)
		}
	}
}
