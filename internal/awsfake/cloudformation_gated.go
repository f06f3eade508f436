package awsfake

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedCloudFormation is the fake as a role with IAM policies sees it: every call is
// first authorized by Gate on the stack's ARN, with the request's tags
// (aws:RequestTag) and the stack's (aws:ResourceTag) in the context, and
// fails with CloudFormation's AccessDenied when the policies do not allow
// it. A call without a stack name (DescribeStacks listing every stack) is
// authorized on stack/*/*, as IAM evaluates it.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html
type GatedCloudFormation struct {
	*CloudFormation
	Gate *iampolicy.Gate
}

// authorize checks one call on the stack named (a name or an ARN).
func (g *GatedCloudFormation) authorize(op string, name *string, requestTags []types.Tag) error {
	ctx := map[string][]string{}
	for _, t := range requestTags {
		ctx["aws:RequestTag/"+aws.ToString(t.Key)] = []string{aws.ToString(t.Value)}
	}
	return g.Gate.Authorize("cloudformation:"+op, g.stackARN(aws.ToString(name), ctx), ctx)
}

// stackARN returns the ARN IAM sees for a stack and adds the stack's own
// tags to ctx; a stack that does not exist yet is stack/<name>/*.
func (g *GatedCloudFormation) stackARN(name string, ctx map[string][]string) string {
	prefix := "arn:aws:cloudformation:" + g.Region + ":" + g.Account + ":stack/"
	switch {
	case name == "":
		return prefix + "*/*"
	case strings.HasPrefix(name, "arn:"):
		return name
	}
	st, ok := g.Stack(name)
	if !ok {
		return prefix + name + "/*"
	}
	for _, t := range st.Tags {
		ctx["aws:ResourceTag/"+aws.ToString(t.Key)] = []string{aws.ToString(t.Value)}
	}
	return aws.ToString(st.StackId)
}

// DescribeStacks authorizes cloudformation:DescribeStacks on the stack.
func (g *GatedCloudFormation) DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if err := g.authorize("DescribeStacks", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DescribeStacks(ctx, in, o...)
}

// DescribeStackEvents authorizes cloudformation:DescribeStackEvents on the stack.
func (g *GatedCloudFormation) DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	if err := g.authorize("DescribeStackEvents", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DescribeStackEvents(ctx, in, o...)
}

// DescribeStackResources authorizes cloudformation:DescribeStackResources on the stack.
func (g *GatedCloudFormation) DescribeStackResources(ctx context.Context, in *cloudformation.DescribeStackResourcesInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error) {
	if err := g.authorize("DescribeStackResources", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DescribeStackResources(ctx, in, o...)
}

// CreateChangeSet authorizes cloudformation:CreateChangeSet on the stack.
func (g *GatedCloudFormation) CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	if err := g.authorize("CreateChangeSet", in.StackName, in.Tags); err != nil {
		return nil, err
	}
	return g.CloudFormation.CreateChangeSet(ctx, in, o...)
}

// DescribeChangeSet authorizes cloudformation:DescribeChangeSet on the stack.
func (g *GatedCloudFormation) DescribeChangeSet(ctx context.Context, in *cloudformation.DescribeChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	if err := g.authorize("DescribeChangeSet", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DescribeChangeSet(ctx, in, o...)
}

// ExecuteChangeSet authorizes cloudformation:ExecuteChangeSet on the stack.
func (g *GatedCloudFormation) ExecuteChangeSet(ctx context.Context, in *cloudformation.ExecuteChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	if err := g.authorize("ExecuteChangeSet", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.ExecuteChangeSet(ctx, in, o...)
}

// DeleteChangeSet authorizes cloudformation:DeleteChangeSet on the stack.
func (g *GatedCloudFormation) DeleteChangeSet(ctx context.Context, in *cloudformation.DeleteChangeSetInput, o ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	if err := g.authorize("DeleteChangeSet", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DeleteChangeSet(ctx, in, o...)
}

// DeleteStack authorizes cloudformation:DeleteStack on the stack.
func (g *GatedCloudFormation) DeleteStack(ctx context.Context, in *cloudformation.DeleteStackInput, o ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	if err := g.authorize("DeleteStack", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.DeleteStack(ctx, in, o...)
}

// ContinueUpdateRollback authorizes cloudformation:ContinueUpdateRollback on the stack.
func (g *GatedCloudFormation) ContinueUpdateRollback(ctx context.Context, in *cloudformation.ContinueUpdateRollbackInput, o ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	if err := g.authorize("ContinueUpdateRollback", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.ContinueUpdateRollback(ctx, in, o...)
}

// CancelUpdateStack authorizes cloudformation:CancelUpdateStack on the stack.
func (g *GatedCloudFormation) CancelUpdateStack(ctx context.Context, in *cloudformation.CancelUpdateStackInput, o ...func(*cloudformation.Options)) (*cloudformation.CancelUpdateStackOutput, error) {
	if err := g.authorize("CancelUpdateStack", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.CancelUpdateStack(ctx, in, o...)
}

// UpdateTerminationProtection authorizes cloudformation:UpdateTerminationProtection on the stack.
func (g *GatedCloudFormation) UpdateTerminationProtection(ctx context.Context, in *cloudformation.UpdateTerminationProtectionInput, o ...func(*cloudformation.Options)) (*cloudformation.UpdateTerminationProtectionOutput, error) {
	if err := g.authorize("UpdateTerminationProtection", in.StackName, nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.UpdateTerminationProtection(ctx, in, o...)
}

// ListStacks authorizes on "*": ListStacks has no resource-level
// permissions.
func (g *GatedCloudFormation) ListStacks(ctx context.Context, in *cloudformation.ListStacksInput, o ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error) {
	if err := g.Gate.Authorize("cloudformation:ListStacks", "*", nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.ListStacks(ctx, in, o...)
}

// ListImports authorizes on "*": ListImports has no resource-level
// permissions.
func (g *GatedCloudFormation) ListImports(ctx context.Context, in *cloudformation.ListImportsInput, o ...func(*cloudformation.Options)) (*cloudformation.ListImportsOutput, error) {
	if err := g.Gate.Authorize("cloudformation:ListImports", "*", nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.ListImports(ctx, in, o...)
}

// ListExports has no resource-level permissions.
func (g *GatedCloudFormation) ListExports(ctx context.Context, in *cloudformation.ListExportsInput, o ...func(*cloudformation.Options)) (*cloudformation.ListExportsOutput, error) {
	if err := g.Gate.Authorize("cloudformation:ListExports", "*", nil); err != nil {
		return nil, err
	}
	return g.CloudFormation.ListExports(ctx, in, o...)
}
