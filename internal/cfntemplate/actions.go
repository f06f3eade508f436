package cfntemplate

import (
	"maps"
	"slices"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/iamactions"
)

// CheckActions reports every Action and NotAction of every policy document
// in the template (role and user policies, managed policies, trust
// policies, resource policies such as an EFS FileSystemPolicy) that names
// no IAM action: IAM accepts such a policy and the permission is simply
// never granted, so a misspelt ecr:BatchGetImage shows up only as
// CannotPullContainerError when the task starts.
func (t *Template) CheckActions() []*Finding {
	var fs []*Finding
	table := iamactions.Default()
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		forStatements(t.resource(name)["Properties"], "Resources."+name+".Properties", func(p string, st map[string]any) {
			for _, key := range []string{"Action", "NotAction"} {
				for _, a := range actionList(st[key], cfn.Key(p, key)) {
					if msg := table.Check(a.name); msg != "" {
						fs = append(fs, t.problem(a.path, "write the action as the Service Authorization Reference names it", "%s", msg))
					}
				}
			}
		})
	}
	return fs
}

type action struct{ name, path string }

func actionList(v any, p string) []action {
	switch x := v.(type) {
	case string:
		return []action{{x, p}}
	case []any:
		var out []action
		for i, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, action{s, cfn.Index(p, i)})
			}
		}
		return out
	}
	return nil
}

// forStatements calls visit for each statement of each policy document
// (a mapping with a Statement key) inside v.
func forStatements(v any, p string, visit func(p string, st map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if stmts, ok := x["Statement"]; ok {
			switch s := stmts.(type) {
			case []any:
				for i, e := range s {
					if m, ok := e.(map[string]any); ok {
						visit(cfn.Index(p+".Statement", i), m)
					}
				}
			case map[string]any:
				visit(p+".Statement", s)
			}
			return
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			forStatements(x[k], cfn.Key(p, k), visit)
		}
	case []any:
		for i, e := range x {
			forStatements(e, cfn.Index(p, i), visit)
		}
	}
}
