package awsfake

import "github.com/ecs-mlops/ecs-mlops/internal/cfn"

// Template conditions decide which resources CloudFormation creates: a
// resource whose Condition is false is not part of the stack, and Fn::If
// picks its branch by condition.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/conditions-section-structure.html

// holds evaluates the named condition of st's template with st's parameters.
func (f *CloudFormation) holds(st *fakeStack, name string) bool {
	if st.template == nil {
		return true
	}
	expr, ok := st.template.Conditions[name]
	if !ok {
		return false
	}
	return f.truth(st, expr, 0)
}

// truth evaluates a condition expression; depth guards against a condition
// that names itself.
func (f *CloudFormation) truth(st *fakeStack, v any, depth int) bool {
	if depth > 32 {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return f.eval(st, v) == "true"
	}
	for fn, arg := range m {
		args, _ := arg.([]any)
		switch fn {
		case "Fn::Equals":
			return len(args) == 2 && f.eval(st, args[0]) == f.eval(st, args[1])
		case "Fn::Not":
			return len(args) == 1 && !f.truth(st, args[0], depth+1)
		case "Fn::And":
			for _, a := range args {
				if !f.truth(st, a, depth+1) {
					return false
				}
			}
			return len(args) > 0
		case "Fn::Or":
			for _, a := range args {
				if f.truth(st, a, depth+1) {
					return true
				}
			}
			return false
		case "Condition":
			name, _ := arg.(string)
			expr, ok := st.template.Conditions[name]
			return ok && f.truth(st, expr, depth+1)
		}
	}
	return f.eval(st, v) == "true"
}

// activeIDs returns the sorted logical ids of st's template whose
// Condition holds under st's parameters.
func (f *CloudFormation) activeIDs(st *fakeStack) []string {
	if st.template == nil {
		return nil
	}
	var ids []string
	for _, id := range st.template.ResourceIDs() {
		if c := st.template.Resources[id].Condition; c == "" || f.holds(st, c) {
			ids = append(ids, id)
		}
	}
	return ids
}

// proposed is st as the change set would leave it, for evaluating the new
// template's conditions with the new parameters.
func proposed(st *fakeStack, t *cfn.Template, params map[string]string) *fakeStack {
	v := *st
	v.template, v.params = t, params
	return &v
}
