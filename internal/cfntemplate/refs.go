package cfntemplate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// pseudoParameters are the names Ref and Fn::Sub resolve without a
// declaration (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html).
func pseudoParameters() map[string]bool {
	return map[string]bool{
		"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true, "AWS::Partition": true,
		"AWS::Region": true, "AWS::StackId": true, "AWS::StackName": true, "AWS::URLSuffix": true,
	}
}

// refContext is what a reference may name in one part of the template.
type refContext struct {
	params, resources, conditions, pseudo map[string]bool
}

// CheckReferences reports every Ref, Fn::GetAtt, Fn::Sub variable,
// condition name and DependsOn that does not resolve, and every parameter no
// one uses. Fn::ImportValue names are checked by CheckImports.
func (t *Template) CheckReferences() []*fault.Problem {
	ctx := refContext{
		params:     keySet(t.section("Parameters")),
		resources:  keySet(t.section("Resources")),
		conditions: keySet(t.section("Conditions")),
		pseudo:     pseudoParameters(),
	}
	used := map[string]bool{}
	var fs []*fault.Problem
	for _, sec := range []string{"Rules", "Conditions", "Resources", "Outputs"} {
		s, ok := t.Doc[sec]
		if !ok {
			continue
		}
		// Rules and Conditions are evaluated before any resource exists.
		c := ctx
		if sec == "Rules" || sec == "Conditions" {
			c.resources = nil
		}
		cfn.Walk(s, sec, func(fn string, arg any, p string) {
			fs = append(fs, t.checkRef(c, fn, arg, p, used)...)
		})
	}
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		fs = append(fs, t.checkAttributes(ctx, name)...)
	}
	for _, name := range slices.Sorted(maps.Keys(t.section("Outputs"))) {
		o, _ := t.section("Outputs")[name].(map[string]any)
		if c, ok := o["Condition"].(string); ok && !ctx.conditions[c] {
			fs = append(fs, t.finding("Outputs."+name+".Condition", "condition %q is not defined in Conditions", c))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(t.section("Parameters"))) {
		if !used[p] {
			fs = append(fs, t.warning("Parameters."+p, "remove it or use it", "parameter %q is never used", p))
		}
	}
	return fs
}

func (t *Template) checkRef(c refContext, fn string, arg any, p string, used map[string]bool) []*fault.Problem {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		used[name] = true
		if c.params[name] || c.resources[name] || c.pseudo[name] {
			return nil
		}
		return []*fault.Problem{t.finding(p, "Ref %q names no parameter%s or pseudo parameter", name, ifResources(c))}
	case "Fn::GetAtt":
		l, _ := arg.([]any)
		if len(l) != 2 {
			return []*fault.Problem{t.finding(p, "Fn::GetAtt needs [Resource, Attribute]")}
		}
		name, _ := l[0].(string)
		switch {
		case c.resources == nil:
			return []*fault.Problem{t.finding(p, "Fn::GetAtt %q: resources cannot be referenced here", name)}
		case !c.resources[name]:
			return []*fault.Problem{t.finding(p, "Fn::GetAtt %q names no resource", name)}
		}
		attr, _ := l[1].(string)
		return t.checkAttribute(p, name, attr)
	case "Fn::Sub":
		return t.checkSub(c, arg, p, used)
	case "Condition":
		name, _ := arg.(string)
		if !c.conditions[name] {
			return []*fault.Problem{t.finding(p, "condition %q is not defined in Conditions", name)}
		}
	case "Fn::If":
		l, _ := arg.([]any)
		if len(l) != 3 {
			return []*fault.Problem{t.finding(p, "Fn::If needs [Condition, ValueIfTrue, ValueIfFalse]")}
		}
		if name, _ := l[0].(string); !c.conditions[name] {
			return []*fault.Problem{t.finding(p, "condition %q is not defined in Conditions", name)}
		}
	}
	return nil
}

func ifResources(c refContext) string {
	if c.resources == nil {
		return " (resources cannot be referenced here)"
	}
	return ", resource"
}

func (t *Template) checkSub(c refContext, arg any, p string, used map[string]bool) []*fault.Problem {
	if l, isList := arg.([]any); isList && len(l) != 2 {
		return []*fault.Problem{t.finding(p, "Fn::Sub needs a string or [String, {Variables}]")}
	}
	s, vars, _ := cfn.SubArgs(arg)
	var fs []*fault.Problem
	for _, name := range cfn.SubVars(s) {
		if _, local := vars[name]; local || c.pseudo[name] {
			continue
		}
		used[name] = true
		res, attr, isAttr := strings.Cut(name, ".")
		switch {
		case c.params[name] || c.resources[name]:
		case isAttr && c.resources[res]:
			fs = append(fs, t.checkAttribute(p, res, attr)...)
		default:
			fs = append(fs, t.finding(p, "Fn::Sub variable ${%s} names no parameter%s or pseudo parameter", name, ifResources(c)))
		}
	}
	return fs
}

// checkAttributes checks a resource's DependsOn and Condition.
func (t *Template) checkAttributes(c refContext, name string) []*fault.Problem {
	r, _ := t.section("Resources")[name].(map[string]any)
	p := "Resources." + name
	var fs []*fault.Problem
	var deps []any
	switch d := r["DependsOn"].(type) {
	case string:
		deps = []any{d}
	case []any:
		deps = d
	}
	for _, d := range deps {
		if s, _ := d.(string); !c.resources[s] {
			fs = append(fs, t.finding(p+".DependsOn", "DependsOn %q names no resource", d))
		}
	}
	if cond, ok := r["Condition"].(string); ok && !c.conditions[cond] {
		fs = append(fs, t.finding(p+".Condition", "condition %q is not defined in Conditions", cond))
	}
	return fs
}

func (t *Template) section(name string) map[string]any {
	m, _ := t.Doc[name].(map[string]any)
	return m
}

func keySet(m map[string]any) map[string]bool {
	s := make(map[string]bool, len(m))
	for k := range m {
		s[k] = true
	}
	return s
}

// Exports returns the export names of the template's outputs when deployed
// as stack with the given parameter values (defaults fill the rest).
func (t *Template) Exports(stack string, values map[string]string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(t.section("Outputs"))) {
		o, _ := t.section("Outputs")[name].(map[string]any)
		e, _ := o["Export"].(map[string]any)
		if e == nil {
			continue
		}
		n, err := t.evalName(e["Name"], stack, values)
		if err != nil {
			return nil, fmt.Errorf("%s: Outputs.%s.Export.Name: %w", t.Path, name, err)
		}
		out[n] = true
	}
	return out, nil
}

// CheckImports reports every Fn::ImportValue whose name, evaluated for the
// stack with the given parameter values, is not among exports.
func (t *Template) CheckImports(stack string, values map[string]string, exports map[string]bool) []*fault.Problem {
	var fs []*fault.Problem
	cfn.Walk(t.Doc, "", func(fn string, arg any, p string) {
		if fn != "Fn::ImportValue" {
			return
		}
		n, err := t.evalName(arg, stack, values)
		switch {
		case err != nil:
			fs = append(fs, t.finding(p, "cannot evaluate the import name: %v", err))
		case !exports[n]:
			fs = append(fs, t.finding(p, "imports %q, which the base stack does not export", n))
		}
	})
	return fs
}

// evalName evaluates an export or import name for stack with the given
// parameter values (the template's defaults fill the rest), as cfn.Offline
// does for the deploy engine.
func (t *Template) evalName(v any, stack string, values map[string]string) (string, error) {
	params := t.defaults()
	maps.Copy(params, values)
	return cfn.Offline{Stack: stack, Params: params}.Eval(v)
}

// defaults returns the parameters' Default values.
func (t *Template) defaults() map[string]string {
	out := map[string]string{}
	for k, p := range t.section("Parameters") {
		if m, ok := p.(map[string]any); ok {
			if d, ok := m["Default"]; ok {
				out[k] = scalar(d)
			}
		}
	}
	return out
}
