package cfntemplate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// takesRoleName lists the properties whose name ends in Arn but whose
// service also accepts a role's name: ECS takes "the short name or full
// ARN" for a task role, but only an ARN for the execution role
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
func takesRoleName(resourceType, prop string) bool {
	return resourceType == "AWS::ECS::TaskDefinition" && prop == "TaskRoleArn"
}

// CheckRoleArns reports a property that takes an ARN (its name ends in Arn
// or ARN) given an IAM role's name: Ref of an AWS::IAM::Role returns the
// role's name, and Fn::GetAtt Role.Arn its ARN. The value is followed
// through parameters and imports into the base stack, so an export of
// !Ref Role imported as ExecutionRoleArn is caught too.
func (s *Stack) CheckRoleArns() []*fault.Problem {
	var fs []*fault.Problem
	for _, name := range slices.Sorted(maps.Keys(s.T.section("Resources"))) {
		r := s.T.resource(name)
		typ := str(r["Type"])
		props, _ := r["Properties"].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if !strings.HasSuffix(k, "Arn") && !strings.HasSuffix(k, "ARN") || takesRoleName(typ, k) {
				continue
			}
			o := s.resolve(props[k])
			if str(o.resource()["Type"]) != "AWS::IAM::Role" || o.attr == "Arn" {
				continue
			}
			fs = append(fs, s.T.problem("Resources."+name+".Properties."+k, roleArnFix(s, o),
				"%s takes an ARN, but the value is %s of role %s (%s), which is the role's %s; %s would fail with an invalid ARN",
				k, refOrAttr(o), o.res, o.s.T.Path, map[bool]string{true: "name", false: o.attr}[o.attr == ""], typ))
		}
	}
	return fs
}

func refOrAttr(o origin) string {
	if o.attr == "" {
		return "Ref"
	}
	return "Fn::GetAtt " + o.attr
}

func roleArnFix(s *Stack, o origin) string {
	if o.s == s {
		return fmt.Sprintf("use !GetAtt %s.Arn", o.res)
	}
	return fmt.Sprintf("make the output of %s that carries the role give !GetAtt %s.Arn", o.s.T.Path, o.res)
}
