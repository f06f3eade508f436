package stack

import (
	"fmt"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// offlineEval is cfn.Offline with the template whose outputs it reads.
type offlineEval struct {
	t *cfn.Template
	cfn.Offline
}

// eval returns the expression's value and whether it is known offline.
func (e offlineEval) eval(v any) (string, bool) {
	out, err := e.Eval(v)
	return out, err == nil
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
