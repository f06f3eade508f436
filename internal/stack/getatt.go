package stack

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfnspec"
)

// GetAtt is one attribute a template asks of a resource, by Fn::GetAtt or
// as ${Resource.Attribute} in an Fn::Sub, with where it is asked.
type GetAtt struct {
	Path, Resource, Attribute string
}

// subVar matches ${Name} in Fn::Sub strings; ${!Literal} is an escape.
var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// GetAtts lists every attribute the template's resources and outputs ask
// of a resource it declares, in a stable order.
func (t *Template) GetAtts() []GetAtt {
	var out []GetAtt
	visit := func(path, name, attr string) {
		if _, ok := t.Resources[name]; ok && attr != "" {
			out = append(out, GetAtt{Path: path, Resource: name, Attribute: attr})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		walkRefs(t.Resources[id].Properties, "Resources."+id+".Properties", visit)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Outputs)) {
		walkRefs(t.Outputs[k].Value, "Outputs."+k+".Value", visit)
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
	walkRefs(r.Properties, "", func(_, name, _ string) { add(name) })
	return out
}

// walkRefs calls visit for every reference in v, with its path: a Ref
// (attr ""), an Fn::GetAtt, and each ${Name} or ${Name.Attribute} of an
// Fn::Sub.
func walkRefs(v any, path string, visit func(path, name, attr string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			switch k {
			case "Ref":
				if name, ok := x[k].(string); ok {
					visit(path, name, "")
				}
			case "Fn::GetAtt":
				if l, ok := x[k].([]any); ok && len(l) == 2 {
					name, _ := l[0].(string)
					attr, _ := l[1].(string)
					visit(path, name, attr)
				}
			case "Fn::Sub":
				s, _ := x[k].(string)
				if l, ok := x[k].([]any); ok && len(l) > 0 {
					s, _ = l[0].(string)
				}
				for _, m := range subVar.FindAllStringSubmatch(s, -1) {
					name, attr, _ := strings.Cut(m[1], ".")
					visit(path, name, attr)
				}
			}
			walkRefs(x[k], path+"."+k, visit)
		}
	case []any:
		for i, e := range x {
			walkRefs(e, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	}
}

// CheckAttributes refuses, before any AWS call, an attribute Fn::GetAtt
// asks of a resource whose type does not return it (CloudFormation would
// refuse the change set: "Template error: resource X does not support
// attribute type Y in Fn::GetAtt"), naming the nearest real one.
func (t *Template) CheckAttributes() error {
	var msgs []string
	for _, g := range t.GetAtts() {
		typ := t.Resources[g.Resource].Type
		if !cfnspec.Unsupported(typ, g.Attribute) {
			continue
		}
		msgs = append(msgs, t.Path+": "+g.Path+": "+cfnspec.Explain(g.Resource, typ, g.Attribute))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}
