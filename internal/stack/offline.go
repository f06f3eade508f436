package stack

import (
	"fmt"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// offlineEval evaluates the template expressions that need no resource:
// literals, parameters, pseudo parameters, Fn::Sub and Fn::Join over them.
// Export names are always of this kind (CloudFormation refuses an
// Export.Name that depends on a resource); values often are not.
type offlineEval struct {
	t               *cfn.Template
	stack           string
	params          map[string]string
	region, account string
}

// eval returns the expression's value and whether it is known offline.
func (e offlineEval) eval(v any) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) != 1 {
			return "", false
		}
		for fn, arg := range x {
			return e.evalFn(fn, arg)
		}
	case []any, nil:
		return "", false
	}
	return cfn.ScalarString(v), true
}

func (e offlineEval) evalFn(fn string, arg any) (string, bool) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return e.ref(name)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::Join":
		l, _ := arg.([]any)
		if len(l) != 2 {
			return "", false
		}
		sep, ok := e.eval(l[0])
		items, isList := l[1].([]any)
		if !ok || !isList {
			return "", false
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if parts[i], ok = e.eval(it); !ok {
				return "", false
			}
		}
		return strings.Join(parts, sep), true
	}
	return "", false
}

func (e offlineEval) ref(name string) (string, bool) {
	switch name {
	case "AWS::StackName":
		return e.stack, true
	case "AWS::Region":
		return e.region, e.region != ""
	case "AWS::AccountId":
		return e.account, e.account != ""
	case "AWS::Partition":
		return "aws", true
	case "AWS::URLSuffix":
		return "amazonaws.com", true
	}
	v, ok := e.params[name]
	return v, ok
}

func (e offlineEval) sub(arg any) (string, bool) {
	s, vars, ok := cfn.SubArgs(arg)
	if !ok {
		return "", false
	}
	return cfn.Substitute(s, func(name string) (string, bool) {
		if expr, isVar := vars[name]; isVar {
			return e.eval(expr)
		}
		if strings.Contains(name, ".") {
			return "", false
		}
		return e.ref(name)
	})
}

// exportChange says what the new template does to the live export name
// (value value) of output key, "" when it stays as it is or no offline
// clue says otherwise: removed, renamed, a known new value, or a value
// built from a resource the change set replaces, adds or removes.
func (e offlineEval) exportChange(key, name, value string, changes []Change) string {
	spec, ok := e.t.Outputs[key]
	if !ok || spec.ExportName == nil {
		return "would be removed"
	}
	if n, known := e.eval(spec.ExportName); known && n != name {
		return fmt.Sprintf("would be removed (the output would be exported as %s)", n)
	}
	if v, known := e.eval(spec.Value); known {
		if v != value {
			return fmt.Sprintf("would change from %q to %q", value, v)
		}
		return ""
	}
	var why string
	for _, ref := range cfn.Refs(spec.Value, "") {
		for _, c := range changes {
			if why == "" && c.LogicalID == ref.Name && (c.Action == "Add" || c.Action == "Remove" || c.Replacement == "True" || c.Replacement == "Conditional") {
				why = fmt.Sprintf("may change (%s %s is %s)", c.Type, c.LogicalID, map[string]string{"Add": "added", "Remove": "removed"}[c.Action]+replacedWord(c))
			}
		}
	}
	return why
}

func replacedWord(c Change) string {
	switch {
	case c.Action != "Modify":
		return ""
	case c.Replacement == "Conditional":
		return "possibly replaced"
	}
	return "replaced"
}
