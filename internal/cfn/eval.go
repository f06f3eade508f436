package cfn

import (
	"fmt"
	"strings"
)

// Offline evaluates the template expressions that need no resource:
// literals, parameters, pseudo parameters, Fn::Sub and Fn::Join over them.
// Export and import names are always of this kind (CloudFormation refuses
// an Export.Name that depends on a resource); output values often are not.
// The deploy engine (which exports a change would break) and the template
// checks (which imports resolve) both evaluate through it.
type Offline struct {
	Stack string
	// Params are the stack's parameter values, defaults included.
	Params map[string]string
	// Region and Account are known when a live stack is at hand; an
	// expression that needs one and does not have it is not evaluated.
	Region, Account string
}

// Eval returns the expression's value, or why it cannot be known offline.
func (e Offline) Eval(v any) (string, error) {
	switch x := v.(type) {
	case map[string]any:
		fn, arg, ok := Intrinsic(x)
		if !ok {
			return "", fmt.Errorf("want a string or an intrinsic function, got %v", v)
		}
		return e.fn(fn, arg)
	case []any, nil:
		return "", fmt.Errorf("want a string, got %v", v)
	}
	return ScalarString(v), nil
}

func (e Offline) fn(fn string, arg any) (string, error) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return e.ref(name)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::Join":
		return e.join(arg)
	}
	return "", fmt.Errorf("%s is not evaluated offline", fn)
}

func (e Offline) join(arg any) (string, error) {
	l, _ := arg.([]any)
	items, isList := []any(nil), false
	if len(l) == 2 {
		items, isList = l[1].([]any)
	}
	if !isList {
		return "", fmt.Errorf("Fn::Join needs [delimiter, [values]]")
	}
	sep, err := e.Eval(l[0])
	if err != nil {
		return "", err
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if parts[i], err = e.Eval(it); err != nil {
			return "", err
		}
	}
	return strings.Join(parts, sep), nil
}

func (e Offline) ref(name string) (string, error) {
	pseudo := map[string]string{"AWS::StackName": e.Stack, "AWS::Region": e.Region, "AWS::AccountId": e.Account,
		"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
	if v := pseudo[name]; v != "" {
		return v, nil
	}
	if v, ok := e.Params[name]; ok {
		return v, nil
	}
	if _, ok := pseudo[name]; ok {
		return "", fmt.Errorf("%s is not known before the stack exists", name)
	}
	return "", fmt.Errorf("%q is not a parameter with a value or default, nor a pseudo parameter", name)
}

func (e Offline) sub(arg any) (string, error) {
	s, vars, ok := SubArgs(arg)
	if !ok {
		return "", fmt.Errorf("Fn::Sub needs a string or [String, {Variables}]")
	}
	var err error
	out, _ := Substitute(s, func(name string) (string, bool) {
		var v string
		var e2 error
		switch expr, isVar := vars[name]; {
		case isVar:
			v, e2 = e.Eval(expr)
		case strings.Contains(name, "."):
			e2 = fmt.Errorf("${%s} is an attribute of a resource", name)
		default:
			v, e2 = e.ref(name)
		}
		if e2 != nil && err == nil {
			err = e2
		}
		return v, e2 == nil
	})
	return out, err
}
