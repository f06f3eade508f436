package awsfake

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

type fakeStack struct {
	name, id   string
	created    time.Time
	status     types.StackStatus
	reason     string
	template   *cfn.Template
	params     map[string]string
	tags       []types.Tag
	protect    bool
	resources  map[string]*types.StackResource
	events     []types.StackEvent
	outputs    []types.Output
	changeSets map[string]*fakeChangeSet
	exports    map[string]string // export name → value
	imports    []string          // export names its template imports
	gen        int               // bumped by every new operation; stale steps check it
	updated    time.Time         // LastUpdatedTime: start of the last update
	deletedAt  time.Time         // DeletionTime: start of the deletion
	op         *operation
	onDelete   func()
}

// operation is the execution in flight.
type operation struct {
	token   string
	create  bool
	before  snapshot
	touched []string // resources created or updated so far, in order
	current string   // resource in progress
	removes []string
}

type snapshot struct {
	template  *cfn.Template
	params    map[string]string
	tags      []types.Tag
	resources map[string]*types.StackResource
	outputs   []types.Output
	exports   map[string]string
	imports   []string
}

func (f *CloudFormation) newStack(name string) *fakeStack {
	return &fakeStack{name: name, created: f.Clock.Now(), changeSets: map[string]*fakeChangeSet{}, resources: map[string]*types.StackResource{},
		id: fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", f.Region, f.Account, name, uuid(f.nextSeq()))}
}

func (f *CloudFormation) nextSeq() int { f.seq++; return f.seq }

// now is the time of the step being run, so events carry their scheduled
// time however late the fake is asked.
func (f *CloudFormation) now() time.Time {
	if !f.runAt.IsZero() {
		return f.runAt
	}
	return f.Clock.Now()
}

func (f *CloudFormation) stackEvent(st *fakeStack, status types.StackStatus, reason, token string) {
	st.status, st.reason = status, reason
	f.stamp(st, status)
	if f.LoseFinalEvent && cfn.IsTerminal(status) && status != types.StackStatusReviewInProgress {
		return
	}
	f.event(st, st.name, st.id, "AWS::CloudFormation::Stack", string(status), reason, token)
	if status == types.StackStatusDeleteComplete && f.stacks[st.name] == st {
		delete(f.stacks, st.name)
	}
}

func (f *CloudFormation) event(st *fakeStack, logical, physical, typ, status, reason, token string) {
	e := types.StackEvent{
		EventId: aws.String(uuid(f.nextSeq())), StackId: aws.String(st.id), StackName: aws.String(st.name),
		LogicalResourceId: aws.String(logical), PhysicalResourceId: aws.String(physical), ResourceType: aws.String(typ),
		ResourceStatus: types.ResourceStatus(status), Timestamp: aws.Time(f.now().Add(-f.Skew)),
	}
	if reason != "" {
		e.ResourceStatusReason = aws.String(reason)
	}
	if token != "" {
		e.ClientRequestToken = aws.String(token)
	}
	st.events = append(st.events, e)
}

func (f *CloudFormation) resourceEvent(st *fakeStack, id, typ, status, reason string) {
	r := f.ensureResource(st, id, typ, status)
	token := ""
	if st.op != nil {
		token = st.op.token
	}
	f.event(st, id, aws.ToString(r.PhysicalResourceId), typ, status, reason, token)
	if status == "DELETE_COMPLETE" {
		delete(st.resources, id)
	}
}

func (f *CloudFormation) ensureResource(st *fakeStack, id, typ, status string) *types.StackResource {
	r := st.resources[id]
	if r == nil {
		r = &types.StackResource{LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), StackName: aws.String(st.name), StackId: aws.String(st.id),
			PhysicalResourceId: aws.String(f.physicalID(st, id, typ)), Timestamp: aws.Time(f.now())}
		st.resources[id] = r
	}
	r.ResourceStatus = types.ResourceStatus(status)
	r.ResourceType = aws.String(typ)
	return r
}

func (st *fakeStack) snapshot() snapshot {
	res := map[string]*types.StackResource{}
	for k, v := range st.resources {
		c := *v
		res[k] = &c
	}
	return snapshot{template: st.template, params: maps.Clone(st.params), tags: st.tags, resources: res, outputs: st.outputs,
		exports: maps.Clone(st.exports), imports: slices.Clone(st.imports)}
}

func (f *CloudFormation) duration(id, typ string) time.Duration {
	if d, ok := f.Durations[id]; ok {
		return d
	}
	switch typ {
	case "AWS::ECS::Service":
		return 60 * time.Second
	case "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EFS::FileSystem":
		return 30 * time.Second
	}
	return 2 * time.Second
}

// run executes a change set: resources one after another, removals in the
// cleanup phase, rollback on an injected failure.
func (f *CloudFormation) run(st *fakeStack, cs *fakeChangeSet, token string) {
	st.gen++
	st.op = &operation{token: token, create: cs.typ == types.ChangeSetTypeCreate, before: st.snapshot()}
	status := types.StackStatusUpdateInProgress
	if st.op.create {
		status = types.StackStatusCreateInProgress
	}
	f.stackEvent(st, status, "User Initiated", token)
	st.template, st.params, st.tags = cs.template, cs.params, cs.tags
	if reason := f.refuseStart(st); reason != "" {
		gen := st.gen
		f.at(f.now().Add(time.Second), func() {
			if st.gen == gen {
				f.rollback(st, reason)
			}
		})
		return
	}
	st.imports = union(st.op.before.imports, f.importNames(st))
	var work []types.ResourceChange
	for _, c := range cs.changes {
		rc := *c.ResourceChange
		if rc.Action == types.ChangeActionRemove {
			st.op.removes = append(st.op.removes, aws.ToString(rc.LogicalResourceId))
			continue
		}
		work = append(work, rc)
	}
	f.next(st, st.gen, dependencyOrder(st.template, work), f.now().Add(time.Second))
}

func (f *CloudFormation) next(st *fakeStack, gen int, work []types.ResourceChange, t time.Time) {
	f.at(t, func() {
		if st.gen != gen {
			return
		}
		if len(work) == 0 {
			f.finish(st, gen)
			return
		}
		rc := work[0]
		id, typ := aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType)
		verb := "UPDATE"
		if rc.Action == types.ChangeActionAdd {
			verb = "CREATE"
		}
		st.op.current = id
		st.op.touched = append(st.op.touched, id)
		f.resourceEvent(st, id, typ, verb+"_IN_PROGRESS", "")
		f.resourceEvent(st, id, typ, verb+"_IN_PROGRESS", "Resource "+map[string]string{"CREATE": "creation", "UPDATE": "update"}[verb]+" Initiated")
		if f.Hang[id] {
			return
		}
		f.at(f.now().Add(f.duration(id, typ)), func() {
			if st.gen != gen {
				return
			}
			if reason, ok := f.Fail[id]; ok {
				f.resourceEvent(st, id, typ, verb+"_FAILED", reason)
				f.rollback(st, fmt.Sprintf("The following resource(s) failed to %s: [%s]. ", map[string]string{"CREATE": "create", "UPDATE": "update"}[verb], id))
				return
			}
			f.resourceEvent(st, id, typ, verb+"_COMPLETE", "")
			st.op.current = ""
			f.notify(st, id)
			f.next(st, gen, work[1:], f.now())
		})
	})
}

func (f *CloudFormation) notify(st *fakeStack, id string) {
	if f.OnResource == nil {
		return
	}
	r := *st.resources[id]
	hook, name := f.OnResource, st.name
	f.hooks = append(f.hooks, func() { hook(name, r) })
}

// notifyDeleted queues OnResourceDeleted for resource id of st.
func (f *CloudFormation) notifyDeleted(st *fakeStack, id string) {
	if f.OnResourceDeleted == nil || st.resources[id] == nil {
		return
	}
	r := *st.resources[id]
	r.ResourceStatus = types.ResourceStatusDeleteComplete
	hook, name := f.OnResourceDeleted, st.name
	f.hooks = append(f.hooks, func() { hook(name, r) })
}

// deleteResources schedules the deletion of resources ids of st, one a
// second from now, while st is still on generation gen; it returns the time
// of the last deletion.
func (f *CloudFormation) deleteResources(st *fakeStack, gen int, ids []string) time.Time {
	t := f.now()
	for _, id := range ids {
		typ := aws.ToString(st.resources[id].ResourceType)
		t = t.Add(time.Second)
		f.at(t, func() {
			if st.gen == gen {
				f.resourceEvent(st, id, typ, "DELETE_IN_PROGRESS", "")
				f.notifyDeleted(st, id)
				f.resourceEvent(st, id, typ, "DELETE_COMPLETE", "")
			}
		})
	}
	return t
}

func (f *CloudFormation) finish(st *fakeStack, gen int) {
	op := st.op
	st.outputs = f.evalOutputs(st)
	exports := f.evalExports(st)
	if reason := f.changedInUse(st, op.before.exports, exports); reason != "" {
		f.rollback(st, reason)
		return
	}
	st.exports, st.imports = exports, f.importNames(st)
	if op.create {
		f.stackEvent(st, types.StackStatusCreateComplete, "", op.token)
		st.op = nil
		return
	}
	f.stackEvent(st, types.StackStatusUpdateCompleteCleanupInProgress, "", op.token)
	t := f.deleteResources(st, gen, op.removes)
	f.at(t.Add(time.Second), func() {
		if st.gen == gen {
			f.stackEvent(st, types.StackStatusUpdateComplete, "", op.token)
			st.op = nil
		}
	})
}

// cancel stops an update in flight: the resource in progress fails as
// cancelled and the stack rolls back.
func (f *CloudFormation) cancel(st *fakeStack) {
	op := st.op
	if op != nil && op.current != "" {
		typ := aws.ToString(st.resources[op.current].ResourceType)
		f.resourceEvent(st, op.current, typ, "UPDATE_FAILED", "Resource update cancelled")
	}
	f.rollback(st, "Stack update cancelled")
}

// rollback undoes the operation in flight: a failed create deletes what it
// made (ROLLBACK_COMPLETE); a failed update restores the previous state
// (UPDATE_ROLLBACK_COMPLETE).
func (f *CloudFormation) rollback(st *fakeStack, reason string) {
	st.gen++
	gen, op := st.gen, st.op
	touched := slices.Clone(op.touched)
	slices.Reverse(touched)
	t := f.now()
	if op.create {
		f.stackEvent(st, types.StackStatusRollbackInProgress, reason+"Rollback requested by user.", op.token)
	} else {
		f.stackEvent(st, types.StackStatusUpdateRollbackInProgress, reason, op.token)
	}
	for _, id := range touched {
		t = t.Add(time.Second)
		f.at(t, func() {
			if st.gen != gen || st.resources[id] == nil {
				return
			}
			typ := aws.ToString(st.resources[id].ResourceType)
			if _, existed := op.before.resources[id]; existed && !op.create {
				f.resourceEvent(st, id, typ, "UPDATE_IN_PROGRESS", "")
				f.resourceEvent(st, id, typ, "UPDATE_COMPLETE", "")
				return
			}
			f.resourceEvent(st, id, typ, "DELETE_IN_PROGRESS", "")
			f.resourceEvent(st, id, typ, "DELETE_COMPLETE", "")
		})
	}
	f.at(t.Add(time.Second), func() {
		if st.gen != gen {
			return
		}
		if op.create {
			st.outputs, st.exports, st.imports = nil, nil, nil
			f.stackEvent(st, types.StackStatusRollbackComplete, "", op.token)
		} else {
			b := op.before
			st.template, st.params, st.tags, st.resources, st.outputs = b.template, b.params, b.tags, b.resources, b.outputs
			st.exports, st.imports = b.exports, b.imports
			f.stackEvent(st, types.StackStatusUpdateRollbackCompleteCleanupInProgress, "", op.token)
			f.stackEvent(st, types.StackStatusUpdateRollbackComplete, "", op.token)
		}
		st.op = nil
	})
}

// deleteStack removes every resource, then the stack. A stack whose
// export another stack imports goes back to its status, untouched.
func (f *CloudFormation) deleteStack(st *fakeStack, token string) {
	st.gen++
	gen, was := st.gen, st.status
	st.op = &operation{token: token}
	f.stackEvent(st, types.StackStatusDeleteInProgress, "User Initiated", token)
	if reason := f.deleteInUse(st); reason != "" {
		f.at(f.now().Add(time.Second), func() {
			if st.gen == gen {
				f.stackEvent(st, was, reason, token)
				st.op = nil
			}
		})
		return
	}
	t := f.deleteResources(st, gen, sortedResourceIDs(st.resources))
	f.at(t.Add(time.Second), func() {
		if st.gen != gen {
			return
		}
		if f.FailDelete != "" {
			f.stackEvent(st, types.StackStatusDeleteFailed, f.FailDelete, token)
			return
		}
		f.stackEvent(st, types.StackStatusDeleteComplete, "", token)
		if st.onDelete != nil {
			f.hooks = append(f.hooks, st.onDelete)
		}
	})
}

// refuseStart returns why an execution fails before any resource changes
// (an import without its export, or an imported export dropped), as the
// reason of the rollback; "" lets it start.
func (f *CloudFormation) refuseStart(st *fakeStack) string {
	reason := f.missingImport(st)
	if reason != "" {
		if st.op.create {
			return reason + " " // rollback adds "Rollback requested by user."
		}
		return reason + " Rollback requested by user."
	}
	return f.removedInUse(st, st.op.before.exports)
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
