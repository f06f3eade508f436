package cfntemplate

import "github.com/ecs-mlops/ecs-mlops/internal/cfn"

// checkAttribute reports an attribute Fn::GetAtt (or ${Resource.Attribute}
// in Fn::Sub) asks of a resource whose type does not have it, as
// CloudFormation would refuse the template ("Template error: resource ...
// does not support attribute type ... in Fn::GetAtt").
func (t *Template) checkAttribute(p, resource, attr string) []*Finding {
	r, _ := t.section("Resources")[resource].(map[string]any)
	typ, _ := r["Type"].(string)
	if !cfn.Unsupported(typ, attr) {
		return nil
	}
	return []*Finding{t.finding(p, "%s", cfn.Explain(resource, typ, attr))}
}
