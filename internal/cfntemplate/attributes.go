package cfntemplate

import (
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfnspec"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// checkAttribute reports an attribute Fn::GetAtt (or ${Resource.Attribute}
// in Fn::Sub) asks of a resource whose type does not have it, as
// CloudFormation would refuse the template ("Template error: resource ...
// does not support attribute type ... in Fn::GetAtt").
func (t *Template) checkAttribute(p, resource, attr string) []Finding {
	r, _ := t.section("Resources")[resource].(map[string]any)
	typ, _ := r["Type"].(string)
	if !cfnspec.Unsupported(typ, attr) {
		return nil
	}
	known, _ := cfnspec.Attributes(typ)
	hint := ""
	if c := suggest.Closest(attr, known); c != "" {
		hint = "; did you mean " + c + "?"
	}
	return []Finding{t.finding(p, "%s (%s) has no attribute %q for Fn::GetAtt%s (attributes: %s)",
		resource, typ, attr, hint, strings.Join(known, ", "))}
}
