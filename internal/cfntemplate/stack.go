package cfntemplate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// Stack is a template as one environment deploys it: its stack name, its
// parameter values, and the stack it joins, whose resources its values may
// come from (through Fn::ImportValue of an export, or through a parameter
// named like one of the base's outputs, which mlops fills from that
// output).
type Stack struct {
	T    *Template
	Name string
	// Values are the parameter values the stack gets: the parameter file
	// and what mlops sets (the image, a preview's host and priority).
	Values map[string]string
	// Base is the stack this one joins (nil for a stack that joins none).
	Base *Stack
	// FromBase says parameters without a value are filled from the
	// base's outputs of the same name, as mlops deploy and mlops preview do.
	FromBase bool
}

// origin is what an expression comes down to: a resource of some stack's
// template (attr "" for Ref, else the Fn::GetAtt attribute), a literal, or
// unknown (neither field set).
type origin struct {
	s     *Stack
	res   string
	attr  string
	lit   string
	isLit bool
}

func (o origin) known() bool { return o.res != "" || o.isLit }

// resource returns the resource the origin names, or nil.
func (o origin) resource() map[string]any {
	if o.res == "" {
		return nil
	}
	return o.s.T.resource(o.res)
}

func literal(s string) origin { return origin{lit: s, isLit: true} }

// value returns parameter name's value: the stack's values, else the
// base's output of that name, else the default.
func (s *Stack) param(name string) (origin, bool) {
	if v, ok := s.Values[name]; ok {
		return literal(v), true
	}
	if s.FromBase && s.Base != nil {
		if o, ok := s.Base.T.section("Outputs")[name].(map[string]any); ok {
			return s.Base.resolve(o["Value"]), true
		}
	}
	p, _ := s.T.section("Parameters")[name].(map[string]any)
	if d, ok := p["Default"]; ok {
		return literal(scalar(d)), true
	}
	return origin{}, false
}

// resolve follows v through parameters, imports and the base's outputs.
func (s *Stack) resolve(v any) origin {
	switch x := v.(type) {
	case string, int64, float64, bool, uint64:
		return literal(scalar(x))
	}
	fn, arg, ok := cfn.Intrinsic(v)
	if !ok {
		return origin{}
	}
	switch fn {
	case "Ref":
		name := str(arg)
		if s.T.resource(name) != nil {
			return origin{s: s, res: name}
		}
		if name == "AWS::StackName" {
			return literal(s.Name)
		}
		o, _ := s.param(name)
		return o
	case "Fn::GetAtt":
		if l, ok := arg.([]any); ok && len(l) == 2 && s.T.resource(str(l[0])) != nil {
			return origin{s: s, res: str(l[0]), attr: str(l[1])}
		}
	case "Fn::ImportValue":
		return s.imported(arg)
	case "Fn::Sub":
		if n, err := s.T.evalName(v, s.Name, s.withDefaults()); err == nil {
			return literal(n)
		}
	}
	return origin{}
}

// imported resolves an Fn::ImportValue to the base's exported value.
func (s *Stack) imported(arg any) origin {
	if s.Base == nil {
		return origin{}
	}
	name, err := s.T.evalName(arg, s.Name, s.withDefaults())
	if err != nil {
		return origin{}
	}
	if out, ok := s.Base.exportedOutput(name); ok {
		return s.Base.resolve(out["Value"])
	}
	return origin{}
}

// exportedOutput returns the output exported under name.
func (s *Stack) exportedOutput(name string) (map[string]any, bool) {
	outs := s.T.section("Outputs")
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		o, _ := outs[k].(map[string]any)
		e, _ := o["Export"].(map[string]any)
		if e == nil {
			continue
		}
		if n, err := s.T.evalName(e["Name"], s.Name, s.withDefaults()); err == nil && n == name {
			return o, true
		}
	}
	return nil, false
}

// resolveList resolves a list-valued property: a list of expressions, a
// comma-separated literal, or an Fn::Split of a Join (possibly behind a
// parameter, an import or the base's output).
func (s *Stack) resolveList(v any) []origin {
	if l, ok := v.([]any); ok {
		var out []origin
		for _, e := range l {
			out = append(out, s.resolveList(e)...)
		}
		return out
	}
	fn, arg, ok := cfn.Intrinsic(v)
	switch {
	case ok && fn == "Fn::Split":
		l, _ := arg.([]any)
		if len(l) == 2 {
			return s.joined(l[1])
		}
		return []origin{{}}
	case ok && fn == "Ref" && s.T.resource(str(arg)) == nil:
		return s.joined(v)
	}
	return []origin{s.resolve(v)}
}

// joined resolves what an Fn::Split splits.
func (s *Stack) joined(v any) []origin {
	if fn, arg, ok := cfn.Intrinsic(v); ok {
		switch fn {
		case "Fn::Join":
			if l, ok := arg.([]any); ok && len(l) == 2 {
				return s.resolveList(l[1])
			}
		case "Ref":
			name := str(arg)
			if val, ok := s.Values[name]; ok {
				return splitLiteral(val)
			}
			if s.FromBase && s.Base != nil {
				if o, ok := s.Base.T.section("Outputs")[name].(map[string]any); ok {
					return s.Base.joined(o["Value"])
				}
			}
		case "Fn::ImportValue":
			if s.Base != nil {
				if n, err := s.T.evalName(arg, s.Name, s.withDefaults()); err == nil {
					if out, ok := s.Base.exportedOutput(n); ok {
						return s.Base.joined(out["Value"])
					}
				}
			}
		}
	}
	o := s.resolve(v)
	if o.isLit {
		return splitLiteral(o.lit)
	}
	return []origin{o}
}

func splitLiteral(v string) []origin {
	var out []origin
	for _, p := range strings.Split(v, ",") {
		out = append(out, literal(strings.TrimSpace(p)))
	}
	return out
}

// withDefaults returns the stack's values with the template's defaults
// filling the rest.
func (s *Stack) withDefaults() map[string]string {
	out := s.T.defaults()
	maps.Copy(out, s.Values)
	return out
}

// stacks returns s and its base, the templates whose resources s's
// values may name.
func (s *Stack) stacks() []*Stack {
	if s.Base != nil {
		return []*Stack{s, s.Base}
	}
	return []*Stack{s}
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalar(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// CheckImports reports every Fn::ImportValue whose name, evaluated with
// the stack's parameter values, is no export of the base stack:
// CloudFormation refuses such a change set ("No export named … found").
// The finding names the parameters the import's name is built from and the
// nearest export, since the usual cause is a parameter (ProjectName) set
// differently from the base's.
func (s *Stack) CheckImports() []*fault.Problem {
	var fs []*fault.Problem
	var exports []string
	if s.Base != nil {
		ex, err := s.Base.T.Exports(s.Base.Name, s.Base.withDefaults())
		if err != nil {
			return []*fault.Problem{{File: s.Base.T.Path, Msg: err.Error()}}
		}
		exports = slices.Sorted(maps.Keys(ex))
	}
	cfn.Walk(s.T.Doc, "", func(fn string, arg any, p string) {
		if fn != "Fn::ImportValue" {
			return
		}
		n, err := s.T.evalName(arg, s.Name, s.withDefaults())
		switch {
		case err != nil:
			fs = append(fs, s.T.problem(p, "build the name from literals, parameters and AWS::StackName with Fn::Sub", "cannot evaluate the import name: %v", err))
		case s.Base == nil:
			fs = append(fs, s.T.warning(p, "name the environment this stack joins (preview.base, or make it protected)", "imports %q, but no other environment of the config exports anything to check it against", n))
		case !slices.Contains(exports, n):
			fs = append(fs, s.T.problem(p, s.importFix(arg, n, exports),
				"imports %q, which stack %s (%s) does not export; CloudFormation would refuse the change set (No export named %s found)", n, s.Base.Name, s.Base.T.Path, n))
		}
	})
	return fs
}

func (s *Stack) importFix(arg any, name string, exports []string) string {
	mine, theirs := s.withDefaults(), s.Base.withDefaults()
	var differ []string
	merged := maps.Clone(mine)
	cfn.Walk(map[string]any{"x": arg}, "", func(fn string, a any, _ string) {
		if fn != "Fn::Sub" {
			return
		}
		s, _, _ := cfn.SubArgs(a)
		for _, k := range cfn.SubVars(s) {
			if v, ok := theirs[k]; ok && v != mine[k] && !slices.Contains(differ, k) {
				differ = append(differ, k)
				merged[k] = v
			}
		}
	})
	if n, err := s.T.evalName(arg, s.Name, merged); err == nil && len(differ) > 0 && slices.Contains(exports, n) {
		var sets []string
		for _, k := range differ {
			sets = append(sets, fmt.Sprintf("%s=%q", k, theirs[k]))
		}
		return fmt.Sprintf("the name is built from %s, which this stack has as %q; with %s, as %s has it, the import is %q, which it exports: set that in this stack's parameter file",
			strings.Join(differ, ", "), mine[differ[0]], strings.Join(sets, ", "), s.Base.Name, n)
	}
	if c := suggest.Closest(name, exports); c != "" {
		return fmt.Sprintf("the nearest export is %q", c)
	}
	return "export it from " + s.Base.T.Path + " or import one of its exports"
}
