package stack

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// GetAtt is one attribute a template asks of a resource, by Fn::GetAtt or
// as ${Resource.Attribute} in an Fn::Sub, with where it is asked.
type GetAtt struct {
	Path, Resource, Attribute string
}

// GetAtts lists every attribute the template's resources and outputs ask
// of a resource it declares, in a stable order.
func (t *Template) GetAtts() []GetAtt {
	var out []GetAtt
	visit := func(refs []cfn.Ref) {
		for _, r := range refs {
			if _, ok := t.Resources[r.Name]; ok && r.Attr != "" {
				// The path of the expression, not of its function key.
				out = append(out, GetAtt{Path: cfn.Parent(r.Path), Resource: r.Name, Attribute: r.Attr})
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		visit(cfn.Refs(t.Resources[id].Properties, "Resources."+id+".Properties"))
	}
	for _, k := range slices.Sorted(maps.Keys(t.Outputs)) {
		visit(cfn.Refs(t.Outputs[k].Value, "Outputs."+k+".Value"))
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
	for _, ref := range cfn.Refs(r.Properties, "") {
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
		if !cfn.Unsupported(typ, g.Attribute) {
			continue
		}
		msgs = append(msgs, t.Path+": "+g.Path+": "+cfn.Explain(g.Resource, typ, g.Attribute))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}
