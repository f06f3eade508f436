// Package doctortest is an environment for the doctor checks: one
// in-memory account (internal/awsfake) seeded as a healthy deployment, and
// the stack outputs doctor reads, with helpers that break one thing at a
// time.
package doctortest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
)

// Fake is the account doctor examines. EFS, EC2, ECS, ELBv2 and ECR are the
// account's fakes; CloudFormation is a map of stack outputs answered by
// DescribeStacks, until the CloudFormation fake joins the account.
type Fake struct {
	Account *awsfake.Account
	*awsfake.EFS
	*awsfake.EC2

	mu     sync.Mutex
	Stacks map[string]map[string]string // stack name → outputs
	// rollout is the service's script; Redeploy changes it.
	rollout awsfake.Rollout
}

var _ doctor.CloudFormationAPI = (*Fake)(nil)

// Clients are doctor's clients on the account: every service as the
// account's owner sees it.
func (f *Fake) Clients() doctor.Clients {
	a := f.Account
	return doctor.Clients{CloudFormation: f, EFS: a.EFS, EC2: a.EC2, ELB: a.ELB, ECS: a.ECS, ECR: a.ECR}
}

// DescribeStacks answers a stack's outputs, or CloudFormation's
// ValidationError for a stack that does not exist.
func (f *Fake) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	outs, ok := f.Stacks[aws.ToString(in.StackName)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", aws.ToString(in.StackName))}
	}
	s := cfntypes.Stack{StackName: in.StackName, StackStatus: cfntypes.StackStatusUpdateComplete}
	for k, v := range outs {
		s.Outputs = append(s.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{s}}, nil
}

// Redeploy changes the service's rollout script with change and deploys
// the service again; the clock then moves a minute on, past the rollout's
// end.
func (f *Fake) Redeploy(change func(*awsfake.Rollout)) {
	f.mu.Lock()
	change(&f.rollout)
	r := f.rollout
	f.mu.Unlock()
	f.deploy(r)
}

func (f *Fake) deploy(r awsfake.Rollout) {
	f.Account.ECS.Rollout[ServiceName] = r
	f.Account.ECS.Register(Stack, ServiceARN)
	f.Account.Clock.Advance(time.Minute)
}
