package cfntemplate

import (
	"maps"
	"slices"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// CheckRetain reports resources of the types that hold data
// (cfn.Stateful: EFS, ECR, S3, log groups ...) whose DeletionPolicy
// or UpdateReplacePolicy is not written down. CloudFormation's default for
// both is Delete, so deleting the stack, dropping the resource from the
// template or an update that replaces it destroys the data. Retain,
// RetainExceptOnCreate and, where the type supports it, Snapshot keep it;
// an explicit Delete is a decision and accepted.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
func (t *Template) CheckRetain() []*Finding {
	var fs []*Finding
	for _, name := range slices.Sorted(maps.Keys(t.section("Resources"))) {
		r := t.resource(name)
		typ := str(r["Type"])
		if !cfn.Stateful(typ) {
			continue
		}
		p := "Resources." + name
		allowed := map[string][]string{
			"DeletionPolicy":      {"Retain", "RetainExceptOnCreate", "Delete"},
			"UpdateReplacePolicy": {"Retain", "Delete"},
		}
		if cfn.Snapshots(typ) {
			for k := range allowed {
				allowed[k] = append(allowed[k], "Snapshot")
			}
		}
		for _, pol := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			v, set := r[pol]
			switch {
			case !set:
				fs = append(fs, t.problem(p, "add "+pol+": Retain"+alsoExceptOnCreate(pol)+", or "+pol+": Delete if losing the data is intended",
					"%s %s holds data and has no %s, so CloudFormation deletes it %s", typ, name, pol, when(pol)))
			case !slices.Contains(allowed[pol], str(v)):
				fs = append(fs, t.problem(cfn.Key(p, pol), "use one of "+joinWords(allowed[pol]),
					"%s %q is not a policy CloudFormation knows for %s", pol, v, typ))
			}
		}
	}
	return fs
}

func alsoExceptOnCreate(pol string) string {
	if pol == "DeletionPolicy" {
		return " (RetainExceptOnCreate also cleans up after a failed first create)"
	}
	return ""
}

func when(pol string) string {
	if pol == "DeletionPolicy" {
		return "with the stack or when it leaves the template"
	}
	return "when an update replaces it"
}

func joinWords(ws []string) string {
	out := ""
	for i, w := range ws {
		switch {
		case i == 0:
		case i == len(ws)-1:
			out += " or "
		default:
			out += ", "
		}
		out += w
	}
	return out
}
