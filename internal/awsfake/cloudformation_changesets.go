package awsfake

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

type fakeChangeSet struct {
	name, id string
	typ      types.ChangeSetType
	status   types.ChangeSetStatus
	reason   string
	template *cfn.Template
	params   map[string]string
	tags     []types.Tag
	changes  []types.Change
}

func busy(st *fakeStack) error {
	return validation("Stack:%s is in %s state and can not be updated.", st.id, st.status)
}

// CreateChangeSet is CloudFormation's CreateChangeSet.
func (f *CloudFormation) CreateChangeSet(_ context.Context, in *cloudformation.CreateChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	if err := f.begin("CreateChangeSet"); err != nil {
		return nil, err
	}
	defer f.unlock()
	name := aws.ToString(in.StackName)
	st := f.stacks[name]
	switch {
	case in.ChangeSetType == types.ChangeSetTypeCreate && st != nil && st.status != types.StackStatusReviewInProgress:
		return nil, &smithy.GenericAPIError{Code: "AlreadyExistsException", Message: "Stack [" + name + "] already exists and cannot be created again with the changeSet [" + aws.ToString(in.ChangeSetName) + "].", Fault: smithy.FaultClient}
	case in.ChangeSetType != types.ChangeSetTypeCreate && (st == nil || st.status == types.StackStatusReviewInProgress):
		return nil, validation("Stack [%s] does not exist", name)
	case st != nil && (strings.HasSuffix(string(st.status), "_IN_PROGRESS") && st.status != types.StackStatusReviewInProgress || st.status == types.StackStatusRollbackComplete || st.status == types.StackStatusUpdateRollbackFailed):
		return nil, busy(st)
	}
	body, err := f.templateBody(in)
	if err != nil {
		return nil, err
	}
	tpl, err := cfn.ParseTemplate("template", body)
	if err != nil {
		return nil, validation("Template format error: %v", err)
	}
	if err := checkGetAtt(tpl); err != nil {
		return nil, err
	}
	if st == nil {
		st = f.newStack(name)
		st.status = types.StackStatusReviewInProgress
		f.stacks[name] = st
		f.stackEvent(st, types.StackStatusReviewInProgress, "User Initiated", "")
	}
	params := map[string]string{}
	for _, p := range in.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	for k := range params {
		if _, ok := tpl.Parameters[k]; !ok {
			return nil, validation("Parameters: [%s] do not exist in the template", k)
		}
	}
	cs := &fakeChangeSet{name: aws.ToString(in.ChangeSetName), typ: in.ChangeSetType, status: types.ChangeSetStatusCreatePending,
		template: tpl, params: withDefaults(tpl, params), tags: in.Tags}
	for _, p := range tpl.ParamNames() {
		if _, ok := cs.params[p]; !ok {
			return nil, validation("Parameters: [%s] must have values", p)
		}
	}
	cs.id = "arn:aws:cloudformation:" + f.Region + ":" + f.Account + ":changeSet/" + cs.name + "/" + uuid(f.nextSeq())
	st.changeSets[cs.name] = cs
	delay := f.ChangeSetDelay
	if delay == 0 {
		delay = 2 * time.Second
	}
	f.at(f.Clock.Now().Add(delay), func() { f.computeChangeSet(st, cs) })
	return &cloudformation.CreateChangeSetOutput{Id: aws.String(cs.id), StackId: aws.String(st.id)}, nil
}

func (f *CloudFormation) templateBody(in *cloudformation.CreateChangeSetInput) ([]byte, error) {
	if in.TemplateBody != nil {
		if len(*in.TemplateBody) > cfn.MaxTemplateBody {
			return nil, validation("1 validation error detected: Value '[...]' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", cfn.MaxTemplateBody)
		}
		return []byte(*in.TemplateBody), nil
	}
	url := aws.ToString(in.TemplateURL)
	if body, ok := f.Objects[url]; ok {
		return body, nil
	}
	if f.FetchTemplate != nil {
		if body, err := f.FetchTemplate(url); err == nil {
			return body, nil
		}
	}
	return nil, validation("TemplateURL must be a supported URL.")
}

func (f *CloudFormation) computeChangeSet(st *fakeStack, cs *fakeChangeSet) {
	cs.changes = f.diff(st, cs)
	if f.ChangeSetFail != "" {
		cs.status, cs.reason = types.ChangeSetStatusFailed, f.ChangeSetFail
		return
	}
	if len(cs.changes) == 0 {
		cs.status = types.ChangeSetStatusFailed
		cs.reason = f.EmptyReason
		if cs.reason == "" {
			cs.reason = EmptyChangeSetReasonNew
		}
		return
	}
	cs.status = types.ChangeSetStatusCreateComplete
}

// DescribeChangeSet is CloudFormation's DescribeChangeSet; changes come 100 a page.
func (f *CloudFormation) DescribeChangeSet(_ context.Context, in *cloudformation.DescribeChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	if err := f.begin("DescribeChangeSet"); err != nil {
		return nil, err
	}
	defer f.unlock()
	cs, err := f.changeSet(in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	out := &cloudformation.DescribeChangeSetOutput{ChangeSetName: aws.String(cs.name), ChangeSetId: aws.String(cs.id), StackName: in.StackName,
		Status: cs.status, ExecutionStatus: types.ExecutionStatusUnavailable}
	if cs.reason != "" {
		out.StatusReason = aws.String(cs.reason)
	}
	if cs.status != types.ChangeSetStatusCreateComplete {
		return out, nil
	}
	out.ExecutionStatus = types.ExecutionStatusAvailable
	off := 0
	if in.NextToken != nil {
		off = atoi(*in.NextToken)
	}
	end := min(off+100, len(cs.changes))
	out.Changes = cs.changes[off:end]
	if end < len(cs.changes) {
		out.NextToken = aws.String(itoa(end))
	}
	return out, nil
}

func (f *CloudFormation) changeSet(stackName, name *string) (*fakeChangeSet, error) {
	st := f.stacks[aws.ToString(stackName)]
	if st != nil {
		if cs := st.changeSets[aws.ToString(name)]; cs != nil {
			return cs, nil
		}
	}
	return nil, &smithy.GenericAPIError{Code: "ChangeSetNotFound", Message: "ChangeSet [" + aws.ToString(name) + "] does not exist", Fault: smithy.FaultClient}
}

// ExecuteChangeSet is CloudFormation's ExecuteChangeSet.
func (f *CloudFormation) ExecuteChangeSet(_ context.Context, in *cloudformation.ExecuteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	if err := f.begin("ExecuteChangeSet"); err != nil {
		return nil, err
	}
	defer f.unlock()
	cs, err := f.changeSet(in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	if cs.status != types.ChangeSetStatusCreateComplete {
		return nil, &smithy.GenericAPIError{Code: "InvalidChangeSetStatus", Message: "ChangeSet [" + cs.id + "] cannot be executed in its current status of [" + string(cs.status) + "]", Fault: smithy.FaultClient}
	}
	st := f.stacks[aws.ToString(in.StackName)]
	if strings.HasSuffix(string(st.status), "_IN_PROGRESS") && st.status != types.StackStatusReviewInProgress {
		return nil, busy(st)
	}
	st.changeSets = map[string]*fakeChangeSet{}
	f.run(st, cs, aws.ToString(in.ClientRequestToken))
	return &cloudformation.ExecuteChangeSetOutput{}, nil
}

// DeleteChangeSet is CloudFormation's DeleteChangeSet.
func (f *CloudFormation) DeleteChangeSet(_ context.Context, in *cloudformation.DeleteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	if err := f.begin("DeleteChangeSet"); err != nil {
		return nil, err
	}
	defer f.unlock()
	cs, err := f.changeSet(in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	delete(f.stacks[aws.ToString(in.StackName)].changeSets, cs.name)
	return &cloudformation.DeleteChangeSetOutput{}, nil
}

// DeleteStack is CloudFormation's DeleteStack; protected stacks refuse.
func (f *CloudFormation) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	if err := f.begin("DeleteStack"); err != nil {
		return nil, err
	}
	defer f.unlock()
	f.deleted = append(f.deleted, aws.ToString(in.StackName))
	st := f.stacks[aws.ToString(in.StackName)]
	if st == nil || st.status == types.StackStatusDeleteComplete {
		return &cloudformation.DeleteStackOutput{}, nil // deleting an absent stack succeeds
	}
	if st.protect {
		return nil, validation("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.name)
	}
	if st.status == types.StackStatusDeleteInProgress {
		return &cloudformation.DeleteStackOutput{}, nil
	}
	f.deleteStack(st, aws.ToString(in.ClientRequestToken))
	return &cloudformation.DeleteStackOutput{}, nil
}

// ContinueUpdateRollback is CloudFormation's ContinueUpdateRollback.
func (f *CloudFormation) ContinueUpdateRollback(_ context.Context, in *cloudformation.ContinueUpdateRollbackInput, _ ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	st, err := f.beginOn("ContinueUpdateRollback", in.StackName)
	if err != nil {
		return nil, err
	}
	defer f.unlock()
	if st.status != types.StackStatusUpdateRollbackFailed {
		return nil, validation("Stack %s is in %s state and can not continue update rollback.", st.id, st.status)
	}
	token := aws.ToString(in.ClientRequestToken)
	st.gen++
	f.stackEvent(st, types.StackStatusUpdateRollbackInProgress, "User Initiated", token)
	gen := st.gen
	f.at(f.Clock.Now().Add(3*time.Second), func() {
		if st.gen == gen {
			f.stackEvent(st, types.StackStatusUpdateRollbackComplete, "", token)
		}
	})
	return &cloudformation.ContinueUpdateRollbackOutput{}, nil
}

// CancelUpdateStack is CloudFormation's CancelUpdateStack: the update in progress
// stops and rolls back.
func (f *CloudFormation) CancelUpdateStack(_ context.Context, in *cloudformation.CancelUpdateStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.CancelUpdateStackOutput, error) {
	st, err := f.beginOn("CancelUpdateStack", in.StackName)
	if err != nil {
		return nil, err
	}
	defer f.unlock()
	if st.status != types.StackStatusUpdateInProgress {
		return nil, validation("CancelUpdateStack cannot be called from current stack status.")
	}
	f.cancel(st)
	return &cloudformation.CancelUpdateStackOutput{}, nil
}

// UpdateTerminationProtection is CloudFormation's UpdateTerminationProtection.
func (f *CloudFormation) UpdateTerminationProtection(_ context.Context, in *cloudformation.UpdateTerminationProtectionInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateTerminationProtectionOutput, error) {
	st, err := f.beginOn("UpdateTerminationProtection", in.StackName)
	if err != nil {
		return nil, err
	}
	defer f.unlock()
	st.protect = aws.ToBool(in.EnableTerminationProtection)
	return &cloudformation.UpdateTerminationProtectionOutput{StackId: aws.String(st.id)}, nil
}
