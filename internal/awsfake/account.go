package awsfake

import (
	"fmt"
	"sync"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// The account and region every fake answers for unless a test picks others.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "eu-west-1"
)

// Account is one in-memory AWS account on one fake clock: every service
// fake of the account is built here, shares the clock and sees the others
// where AWS services see each other (EFS checks security groups in EC2).
// Tests build one Account and seed it; nothing in it knows the code under
// test.
type Account struct {
	ID, Region string
	Clock      *clock.Fake
	Logs       *Logs
	EFS        *EFS
	EC2        *EC2
	ECR        *ECR
	// ECS and ELB read the clock when asked: a rollout's or a target's
	// state is a function of the time since it began, so they need no
	// tick.
	ECS *ECS
	ELB *ELB
	// CloudFormation reads the clock when called too: it runs every step
	// of its stacks that is due by then, at the step's own time, so it
	// needs no tick either.
	CloudFormation *CloudFormation

	mu    sync.Mutex
	ticks []func(now time.Time)
}

// NewAccount returns an empty account in DefaultRegion on clk. It takes
// the clock's one sleep hook and hands every sleep to the services that
// asked with OnTick, so statuses move on a single time line.
func NewAccount(clk *clock.Fake) *Account {
	a := NewAccountOn(clk)
	a.Clock = clk
	return a
}

// NewAccountOn is NewAccount on any clock whose sleeps can be hooked, such
// as the demo's, which adds the wall time to a fake one so latencies
// measured against a real endpoint are real. Clock is left nil.
func NewAccountOn(clk interface {
	clock.Clock
	OnSleep(func(now time.Time))
}) *Account {
	a := &Account{ID: DefaultAccount, Region: DefaultRegion, Logs: NewLogs(), EC2: NewEC2(DefaultAccount)}
	a.EFS = NewEFS(a.Region, a.ID, a.EC2.HasSecurityGroup)
	a.ECR = NewECR(a.Region, a.ID)
	a.ECS, a.ELB = NewECS(clk), NewELB(clk)
	a.ECS.Region, a.ECS.Account = a.Region, a.ID
	a.ECS.SetLogs(a.Logs)
	a.CloudFormation = NewCloudFormation(clk)
	a.CloudFormation.Region, a.CloudFormation.Account = a.Region, a.ID
	linkStacks(a.CloudFormation, a.ECS, a.ELB)
	clk.OnSleep(a.tick)
	return a
}

// OnTick registers f to run after every sleep on the account's clock, in
// registration order; a fake uses it to move its resources along in time.
func (a *Account) OnTick(f func(now time.Time)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ticks = append(a.ticks, f)
}

func (a *Account) tick(now time.Time) {
	a.mu.Lock()
	ticks := append([]func(time.Time){}, a.ticks...)
	a.mu.Unlock()
	for _, f := range ticks {
		f(now)
	}
}

// Network is the part of an environment that lives in EC2 and EFS: a VPC
// with subnets, the service's and the load balancer's security groups, and
// the weights file system with a mount target per subnet whose security
// group admits the service on NFS (what create-ep-a.yaml builds).
type Network struct {
	VPC     string
	Subnets []string
	// ServiceGroup runs the tasks, LoadBalancerGroup fronts them and
	// EFSGroup guards the mount targets, admitting ServiceGroup on 2049.
	ServiceGroup, LoadBalancerGroup, EFSGroup string
	FileSystem                                string
}

// SeedNetwork creates n in the account. Mount targets are named
// fsmt-1, fsmt-2 ... in the order of n.Subnets.
func (a *Account) SeedNetwork(n Network) error {
	a.EC2.AddSecurityGroup(n.LoadBalancerGroup, n.VPC)
	a.EC2.AddSecurityGroup(n.ServiceGroup, n.VPC)
	a.EC2.AddSecurityGroup(n.EFSGroup, n.VPC, NFSFrom(n.ServiceGroup))
	a.EFS.AddFileSystem(n.FileSystem, "weights")
	for i, s := range n.Subnets {
		a.EC2.AddSubnet(s, n.VPC, fmt.Sprintf("%s%c", a.Region, 'a'+i%3), fmt.Sprintf("10.0.%d.0/24", i+1))
		if err := a.EFS.AddMountTarget(fmt.Sprintf("fsmt-%d", i+1), n.FileSystem, s, n.EFSGroup); err != nil {
			return fmt.Errorf("seed network: %w", err)
		}
	}
	return nil
}

// Role is the account as one principal sees it: every service behind the
// principal's IAM gate, so each call is authorized on its resource's ARN
// and a denial has the service's own shape.
type Role struct {
	Logs *GatedLogs
	EFS  *GatedEFS
	EC2  *GatedEC2
	ECR  *GatedECR
	ECS  *GatedECS
	ELB  *GatedELB
	// CloudFormation authorizes each call on the stack's ARN and denies
	// with CloudFormation's AccessDenied.
	CloudFormation *GatedCloudFormation
}

// As returns the account's services as the principal of gate sees them.
func (a *Account) As(gate *iampolicy.Gate) Role {
	return Role{
		Logs: &GatedLogs{Logs: a.Logs, Gate: gate, Region: a.Region, Account: a.ID},
		EFS:  &GatedEFS{EFS: a.EFS, Gate: gate},
		EC2:  &GatedEC2{EC2: a.EC2, Gate: gate, Region: a.Region},
		ECR:  &GatedECR{ECR: a.ECR, Gate: gate},
		ECS:  &GatedECS{ECS: a.ECS, Gate: gate},
		ELB:  &GatedELB{ELB: a.ELB, Gate: gate},

		CloudFormation: &GatedCloudFormation{CloudFormation: a.CloudFormation, Gate: gate},
	}
}
