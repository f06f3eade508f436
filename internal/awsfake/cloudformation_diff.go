package awsfake

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// diff compares the change set with the stack: resources added, removed or
// modified (their definition changed or a parameter they use changed; all
// of them when the stack tags changed).
func (f *CloudFormation) diff(st *fakeStack, cs *fakeChangeSet) []types.Change {
	var out []types.Change
	add := func(action types.ChangeAction, id, typ, repl string) {
		rc := &types.ResourceChange{Action: action, LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), Replacement: types.Replacement(repl)}
		if r := st.resources[id]; r != nil {
			rc.PhysicalResourceId = r.PhysicalResourceId
		}
		out = append(out, types.Change{Type: types.ChangeTypeResource, ResourceChange: rc})
	}
	old := st.template
	tagsChanged := old != nil && !sameTags(st.tags, cs.tags)
	oldIDs := map[string]bool{}
	for _, id := range f.activeIDs(st) {
		oldIDs[id] = true
	}
	newIDs := f.activeIDs(proposed(st, cs.template, cs.params))
	for _, id := range newIDs {
		nr := cs.template.Resources[id]
		if old == nil || st.status == types.StackStatusReviewInProgress {
			add(types.ChangeActionAdd, id, nr.Type, "")
			continue
		}
		or, ok := old.Resources[id]
		ok = ok && oldIDs[id]
		switch {
		case !ok:
			add(types.ChangeActionAdd, id, nr.Type, "")
		case or.Type != nr.Type:
			add(types.ChangeActionModify, id, nr.Type, "True")
		case !sameJSON(or, nr) || usesChanged(nr, st.params, cs.params) || tagsChanged:
			add(types.ChangeActionModify, id, nr.Type, f.replacement(id, nr.Type))
		}
	}
	for deps := dependents(cs.template, newIDs, out); old != nil && len(deps) > 0; deps = dependents(cs.template, newIDs, out) {
		for _, id := range deps {
			add(types.ChangeActionModify, id, cs.template.Resources[id].Type, f.replacement(id, cs.template.Resources[id].Type))
		}
	}
	if old != nil && st.status != types.StackStatusReviewInProgress {
		for _, id := range f.activeIDs(st) {
			if !slices.Contains(newIDs, id) {
				add(types.ChangeActionRemove, id, old.Resources[id].Type, "")
			}
		}
	}
	return out
}

// replacement is how a Modify of the resource is carried out: as the test
// says, else True for immutable task definitions, else False.
func (f *CloudFormation) replacement(id, typ string) string {
	if r := f.Replacement[id]; r != "" {
		return r
	}
	if typ == "AWS::ECS::TaskDefinition" {
		return "True"
	}
	return "False"
}

// dependents returns the unchanged resources that refer to a replaced
// one: its new physical id changes their properties.
func dependents(t *cfn.Template, ids []string, out []types.Change) []string {
	changed, replaced := map[string]bool{}, []string{}
	for _, c := range out {
		id := aws.ToString(c.ResourceChange.LogicalResourceId)
		changed[id] = true
		if c.ResourceChange.Replacement == types.ReplacementTrue {
			replaced = append(replaced, id)
		}
	}
	var deps []string
	for _, id := range ids {
		if changed[id] {
			continue
		}
		body, _ := json.Marshal(t.Resources[id].Properties)
		for _, ref := range replaced {
			if strings.Contains(string(body), `"Ref":"`+ref+`"`) || strings.Contains(string(body), `"Fn::GetAtt":["`+ref+`"`) {
				deps = append(deps, id)
				break
			}
		}
	}
	return deps
}

func sameJSON(a, b cfn.Resource) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func usesChanged(r cfn.Resource, before, after map[string]string) bool {
	body, _ := json.Marshal(r.Properties)
	for k, v := range after {
		if before[k] == v {
			continue
		}
		if strings.Contains(string(body), `"Ref":"`+k+`"`) || strings.Contains(string(body), "${"+k+"}") {
			return true
		}
	}
	return false
}

func sameTags(a, b []types.Tag) bool {
	m := func(ts []types.Tag) map[string]string {
		out := map[string]string{}
		for _, t := range ts {
			out[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return out
	}
	x, _ := json.Marshal(m(a))
	y, _ := json.Marshal(m(b))
	return string(x) == string(y)
}
