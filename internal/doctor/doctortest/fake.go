// Package doctortest is an environment for the doctor checks: one
// in-memory account (internal/awsfake) seeded as a healthy deployment,
// with helpers that break one thing at a time.
package doctortest

import (
	"context"
	"sync"
	"time"

	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
)

// Fake is the account doctor examines, with the endpoint's stack and its
// outputs in the account's CloudFormation.
type Fake struct {
	Account *awsfake.Account
	*awsfake.EFS
	*awsfake.EC2

	mu sync.Mutex
	// rollout is the service's script; Redeploy changes it.
	rollout awsfake.Rollout
}

// Clients are doctor's clients on the account: every service as the
// account's owner sees it.
func (f *Fake) Clients() doctor.Clients {
	a := f.Account
	return doctor.Clients{CloudFormation: a.CloudFormation, EFS: a.EFS, EC2: a.EC2, ELB: a.ELB, ECS: a.ECS, ECR: a.ECR}
}

// DropOutput removes an output from the endpoint's stack, as a template
// that no longer declares it leaves the stack after an update.
func (f *Fake) DropOutput(key string) {
	outs, err := cfn.StackOutputs(context.Background(), f.Account.CloudFormation, Stack)
	must(err)
	delete(outs, key)
	f.putStack(outs)
}

func (f *Fake) putStack(outputs map[string]string) {
	f.Account.CloudFormation.Put(awsfake.StackSeed{Name: Stack, Status: cfntypes.StackStatusUpdateComplete, Outputs: outputs})
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
