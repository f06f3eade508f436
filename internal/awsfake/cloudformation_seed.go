package awsfake

import (
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// StackSeed describes a stack that exists before a test starts.
type StackSeed struct {
	Name      string
	Status    types.StackStatus
	Template  *cfn.Template
	Params    map[string]string
	Tags      map[string]string
	Protected bool
	// FinishAfter, for an *_IN_PROGRESS status, ends the operation after
	// this long with the matching *_COMPLETE status.
	FinishAfter time.Duration
	// Outputs, when set, are the stack's outputs instead of those derived
	// from the template (a stack seeded without a template has only these).
	Outputs map[string]string
	// OnDelete runs (without the lock) when the stack reaches
	// DELETE_COMPLETE, e.g. to remove what its resources held elsewhere.
	OnDelete func()
	// Created and LastUpdated, when set, are the stack's CreationTime
	// (default: now) and LastUpdatedTime (default: never updated).
	Created, LastUpdated time.Time
	// Exports, when set, are the stack's exports (name → value) instead
	// of those its template's outputs declare.
	Exports map[string]string
	// Imports are export names the stack imports, besides those of its
	// template (a stack seeded without a template imports only these).
	Imports []string
}

// Put creates a stack in the given state, its resources already in place.
func (f *CloudFormation) Put(s StackSeed) {
	f.mu.Lock()
	defer f.unlock()
	st := f.newStack(s.Name)
	st.status, st.protect, st.onDelete = s.Status, s.Protected, s.OnDelete
	if st.status == "" {
		st.status = types.StackStatusCreateComplete
	}
	st.params, st.tags = maps.Clone(s.Params), toTags(s.Tags)
	st.seeded(s)
	if s.Template != nil {
		st.template, st.params = s.Template, withDefaults(s.Template, s.Params)
		for _, id := range f.activeIDs(st) {
			f.ensureResource(st, id, s.Template.Resources[id].Type, "CREATE_COMPLETE")
		}
		st.outputs = f.evalOutputs(st)
	}
	if s.Outputs != nil {
		st.outputs = nil
		for _, k := range slices.Sorted(maps.Keys(s.Outputs)) {
			st.outputs = append(st.outputs, types.Output{OutputKey: aws.String(k), OutputValue: aws.String(s.Outputs[k])})
		}
	}
	st.exports, st.imports = f.evalExports(st), union(f.importNames(st), s.Imports)
	if s.Exports != nil {
		st.exports = maps.Clone(s.Exports)
	}
	f.stacks[s.Name] = st
	if s.FinishAfter > 0 {
		end := completeOf(s.Status)
		gen := st.gen
		f.at(f.Clock.Now().Add(s.FinishAfter), func() {
			if st.gen == gen {
				f.stackEvent(st, end, "", "")
			}
		})
	}
}

func completeOf(s types.StackStatus) types.StackStatus {
	switch s {
	case types.StackStatusCreateInProgress:
		return types.StackStatusCreateComplete
	case types.StackStatusDeleteInProgress:
		return types.StackStatusDeleteComplete
	case types.StackStatusUpdateRollbackInProgress:
		return types.StackStatusUpdateRollbackComplete
	case types.StackStatusRollbackInProgress:
		return types.StackStatusRollbackComplete
	}
	return types.StackStatusUpdateComplete
}
