package awsfake

// The ECS fake: services roll out (or trip the deployment circuit breaker)
// over the clock as their Rollout scripts say, their stopped and running
// tasks are described as ECS describes them, and one-off tasks run as
// their TaskScript says (ecstasks.go, ecsimages.go).

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Rollout scripts one service's deployment.
type Rollout struct {
	After  time.Duration // until the deployment ends (default 30s)
	Fail   string        // circuit-breaker reason; the rollout FAILED at After
	Stuck  bool          // stays IN_PROGRESS
	Stops  []string      // stoppedReason of tasks that stopped during the rollout
	Exit   *int32        // exit code of the stopped tasks' container
	Desire int32         // desired count (default 1)
	// RunningAt, when set, is when all the new tasks run: from then on
	// the deployment shows running == desired while its rolloutState is
	// still IN_PROGRESS (ECS waits for a steady state) until After.
	RunningAt time.Duration
	// Old is how many tasks of the previous deployment (ACTIVE, at
	// OldTaskIP addresses) still run beside the new one.
	Old int32
	// NoPrimary lists the service without a PRIMARY deployment.
	NoPrimary bool
	// Missing is how many of the desired tasks do not run once the others
	// do (stopped and not yet replaced).
	Missing int32
	// TaskDefinition is the ARN the new deployment runs (default
	// task-definition/<service>:<start in Unix seconds>).
	TaskDefinition string
	// Subnets and SecurityGroups are the service's awsvpc network
	// configuration; with neither the service shows none.
	Subnets, SecurityGroups []string
}

// TaskIP is the private address of the new deployment's task i, the id
// of its target in an ip target group.
func TaskIP(i int) string { return fmt.Sprintf("10.0.1.%d", 23+i) }

// OldTaskIP is the private address of the previous deployment's task i.
func OldTaskIP(i int) string { return fmt.Sprintf("10.0.0.%d", 23+i) }

// ECS is an in-memory ECS with services registered by Register or Wire
// and one-off tasks started by RunTask.
type ECS struct {
	Clock clock.Clock
	// Region and Account are those of the ARNs it makes (task definitions
	// and tasks); DefaultRegion and DefaultAccount unless set.
	Region, Account string
	Default         Rollout            // for services without an entry in Rollouts
	Rollout         map[string]Rollout // by service name
	// Skew is how far AWS's clock is behind the caller's: services'
	// deployment, event and task times are that much earlier.
	Skew time.Duration

	mu        sync.Mutex
	services  map[string]*fakeService // by ARN
	calls     []string
	throttles int

	logs       *Logs // receives one-off tasks' log lines (may be nil)
	defs       map[string]ecstypes.TaskDefinition
	clusters   map[string]bool
	scripts    []TaskScript
	tasks      map[string]*fakeTask      // one-off tasks by ARN
	images     map[string]ContainerImage // the registry one-off tasks pull from, by reference
	n          int
	runInputs  []*ecs.RunTaskInput
	stopInputs []*ecs.StopTaskInput
}

// now is AWS's time for the services: the clock less Skew.
func (e *ECS) now() time.Time { return e.Clock.Now().Add(-e.Skew) }

// Throttle makes the next n calls fail with ThrottlingException: Rate exceeded.
func (e *ECS) Throttle(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttles = n
}

// call records op and applies throttling; the caller holds the lock.
func (e *ECS) call(op string) error {
	e.calls = append(e.calls, op)
	if e.throttles > 0 {
		e.throttles--
		return apiError("ThrottlingException", "Rate exceeded")
	}
	return nil
}

type fakeService struct {
	arn, cluster, name, stack string
	prefix                    string // arn:aws:ecs:<region>:<account>:
	since                     time.Time
	rollout                   Rollout
	targetGroups              []string
}

// NewECS returns an ECS fake on clk.
func NewECS(clk clock.Clock) *ECS {
	return &ECS{Clock: clk, Region: DefaultRegion, Account: DefaultAccount, Rollout: map[string]Rollout{}, services: map[string]*fakeService{},
		defs: map[string]ecstypes.TaskDefinition{}, clusters: map[string]bool{}, tasks: map[string]*fakeTask{}, images: map[string]ContainerImage{}}
}

// Register adds (or redeploys) the service with ARN arn for stack; its
// rollout starts now.
func (e *ECS) Register(stackName, arn string, targetGroups ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	parts := strings.Split(arn, "/")
	s := e.services[arn]
	if s == nil {
		s = &fakeService{arn: arn, cluster: parts[len(parts)-2], name: parts[len(parts)-1], stack: stackName, prefix: e.arnPrefix()}
		e.services[arn] = s
	}
	s.since = e.now()
	r, ok := e.Rollout[s.name]
	if !ok {
		r = e.Default
	}
	s.rollout = r
	s.targetGroups = append(s.targetGroups, targetGroups...)
}

// arnPrefix is the start of every ARN the fake makes.
func (e *ECS) arnPrefix() string { return "arn:aws:ecs:" + e.Region + ":" + e.Account + ":" }

// AttachTargetGroup puts tg behind every service of stackName.
func (e *ECS) AttachTargetGroup(stackName, tg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.services {
		if s.stack == stackName && !contains(s.targetGroups, tg) {
			s.targetGroups = append(s.targetGroups, tg)
		}
	}
}

// Calls returns the operations called so far.
func (e *ECS) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

func (s *fakeService) view(now time.Time) ecstypes.Service {
	r := s.rollout
	desired := s.desired()
	done := !r.Stuck && !now.Before(s.since.Add(s.after()))
	dep := ecstypes.Deployment{Id: aws.String(s.deploymentID()), Status: aws.String("PRIMARY"), DesiredCount: desired, TaskDefinition: aws.String(s.taskDefinition()),
		CreatedAt: aws.Time(s.since), UpdatedAt: aws.Time(s.since), RolloutState: ecstypes.DeploymentRolloutStateInProgress, RunningCount: s.running(now)}
	events := []ecstypes.ServiceEvent{{Id: aws.String("e1"), CreatedAt: aws.Time(s.since.Add(time.Second)), Message: aws.String(fmt.Sprintf("(service %s) has started %d tasks: (task 0a1b2c3d).", s.name, desired))}}
	switch {
	case done && r.Fail != "":
		dep.RolloutState, dep.RolloutStateReason, dep.FailedTasks = ecstypes.DeploymentRolloutStateFailed, aws.String("ECS deployment circuit breaker: "+r.Fail), int32(max(len(r.Stops), 1))
		dep.UpdatedAt = aws.Time(s.since.Add(s.after()))
		events = append(events, ecstypes.ServiceEvent{Id: aws.String("e2"), CreatedAt: aws.Time(s.since.Add(s.after())), Message: aws.String(fmt.Sprintf("(service %s) (deployment %s) deployment failed: %s", s.name, aws.ToString(dep.Id), r.Fail))})
	case done:
		dep.RolloutState = ecstypes.DeploymentRolloutStateCompleted
		dep.UpdatedAt = aws.Time(s.since.Add(s.after()))
		events = append(events, ecstypes.ServiceEvent{Id: aws.String("e2"), CreatedAt: aws.Time(s.since.Add(s.after())), Message: aws.String(fmt.Sprintf("(service %s) has reached a steady state.", s.name))})
	}
	sort.Slice(events, func(i, j int) bool { return aws.ToTime(events[i].CreatedAt).After(aws.ToTime(events[j].CreatedAt)) })
	deps := []ecstypes.Deployment{dep}
	if r.Old > 0 {
		deps = append(deps, ecstypes.Deployment{Id: aws.String(s.oldDeploymentID()), Status: aws.String("ACTIVE"), DesiredCount: r.Old, RunningCount: r.Old,
			TaskDefinition: aws.String(s.taskDefinition() + "-old"), RolloutState: ecstypes.DeploymentRolloutStateCompleted})
	}
	if r.NoPrimary {
		deps = nil
	}
	svc := ecstypes.Service{ServiceArn: aws.String(s.arn), ServiceName: aws.String(s.name), ClusterArn: aws.String(s.cluster), Status: aws.String("ACTIVE"),
		DesiredCount: desired, RunningCount: dep.RunningCount + r.Old, Deployments: deps, Events: events, TaskDefinition: aws.String(s.taskDefinition())}
	if len(r.Subnets)+len(r.SecurityGroups) > 0 {
		svc.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: slices.Clone(r.Subnets), SecurityGroups: slices.Clone(r.SecurityGroups), AssignPublicIp: ecstypes.AssignPublicIpDisabled}}
		for i := range svc.Deployments {
			svc.Deployments[i].NetworkConfiguration = svc.NetworkConfiguration
		}
	}
	for _, tg := range s.targetGroups {
		svc.LoadBalancers = append(svc.LoadBalancers, ecstypes.LoadBalancer{TargetGroupArn: aws.String(tg), ContainerName: aws.String("endpoint"), ContainerPort: aws.Int32(8080)})
	}
	return svc
}

func (s *fakeService) after() time.Duration {
	if s.rollout.After == 0 {
		return 30 * time.Second
	}
	return s.rollout.After
}

func (s *fakeService) desired() int32 {
	if s.rollout.Desire == 0 {
		return 1
	}
	return s.rollout.Desire
}

// running is how many of the new deployment's tasks run at now: all but
// Missing once RunningAt passed, else once a rollout that does not fail is
// done.
func (s *fakeService) running(now time.Time) int32 {
	r := s.rollout
	switch {
	case r.RunningAt > 0 && !now.Before(s.since.Add(r.RunningAt)):
		return max(s.desired()-r.Missing, 0)
	case r.RunningAt == 0 && !r.Stuck && r.Fail == "" && !now.Before(s.since.Add(s.after())):
		return max(s.desired()-r.Missing, 0)
	}
	return 0
}

func (s *fakeService) deploymentID() string    { return "ecs-svc/" + fmt.Sprint(s.since.Unix()) }
func (s *fakeService) oldDeploymentID() string { return "ecs-svc/" + fmt.Sprint(s.since.Unix()-3600) }
func (s *fakeService) taskDefinition() string {
	if s.rollout.TaskDefinition != "" {
		return s.rollout.TaskDefinition
	}
	return s.prefix + "task-definition/" + s.name + ":" + fmt.Sprint(s.since.Unix())
}

// DescribeServices answers as ECS; unknown services come back
// as failures with reason MISSING, as ECS answers.
func (e *ECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("DescribeServices"); err != nil {
		return nil, err
	}
	if len(in.Services) > 10 {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterException", Message: "services can have at most 10 items."}
	}
	out := &ecs.DescribeServicesOutput{}
	for _, name := range in.Services {
		s := e.find(name)
		if s == nil {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(name), Reason: aws.String("MISSING")})
			continue
		}
		out.Services = append(out.Services, s.view(e.now()))
	}
	return out, nil
}

func (e *ECS) find(nameOrARN string) *fakeService {
	if s := e.services[nameOrARN]; s != nil {
		return s
	}
	for _, s := range e.services {
		if s.name == nameOrARN {
			return s
		}
	}
	return nil
}

// ListTasks answers as ECS: STOPPED tasks of a service.
func (e *ECS) ListTasks(_ context.Context, in *ecs.ListTasksInput, _ ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("ListTasks"); err != nil {
		return nil, err
	}
	s := e.find(aws.ToString(in.ServiceName))
	out := &ecs.ListTasksOutput{}
	switch {
	case s == nil:
	case in.DesiredStatus == ecstypes.DesiredStatusStopped:
		for i := range s.rollout.Stops {
			out.TaskArns = append(out.TaskArns, s.taskARN(i))
		}
	case in.DesiredStatus == "" || in.DesiredStatus == ecstypes.DesiredStatusRunning:
		for _, t := range s.runningTasks(e.now()) {
			out.TaskArns = append(out.TaskArns, aws.ToString(t.TaskArn))
		}
	}
	return out, nil
}

// runningTasks are the service's RUNNING tasks: the new deployment's and
// the previous one's, each started by its deployment's ID and reachable
// at its ENI's private address, as Fargate tasks are.
func (s *fakeService) runningTasks(now time.Time) []ecstypes.Task {
	var out []ecstypes.Task
	task := func(n int, startedBy, def, ip string) ecstypes.Task {
		return ecstypes.Task{TaskArn: aws.String(fmt.Sprintf("%stask/%s/%032x", s.prefix, s.cluster, n)), LastStatus: aws.String("RUNNING"),
			DesiredStatus: aws.String("RUNNING"), StartedBy: aws.String(startedBy), TaskDefinitionArn: aws.String(def), LaunchType: ecstypes.LaunchTypeFargate,
			Attachments: []ecstypes.Attachment{{Type: aws.String("ElasticNetworkInterface"), Status: aws.String("ATTACHED"), Details: []ecstypes.KeyValuePair{
				{Name: aws.String("subnetId"), Value: aws.String("subnet-0123456789abcdef0")}, {Name: aws.String("privateIPv4Address"), Value: aws.String(ip)}}}}}
	}
	for i := range int(s.running(now)) {
		out = append(out, task(0x100+i, s.deploymentID(), s.taskDefinition(), TaskIP(i)))
	}
	for i := range int(s.rollout.Old) {
		out = append(out, task(0x200+i, s.oldDeploymentID(), s.taskDefinition()+"-old", OldTaskIP(i)))
	}
	return out
}

func (s *fakeService) taskARN(i int) string {
	return fmt.Sprintf("%stask/%s/%032x", s.prefix, s.cluster, i+1)
}

// DescribeTasks answers as ECS: one-off tasks move one step
// along; services' stopped tasks are as their rollout says; unknown tasks
// come back in failures[] with reason MISSING.
func (e *ECS) DescribeTasks(_ context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("DescribeTasks"); err != nil {
		return nil, err
	}
	out := &ecs.DescribeTasksOutput{}
	found := map[string]bool{}
	for _, arn := range in.Tasks {
		if t, ok := e.describeOneOff(arn); ok {
			out.Tasks = append(out.Tasks, t)
			found[arn] = true
		}
	}
	for _, s := range e.services {
		for _, t := range s.runningTasks(e.now()) {
			if arn := aws.ToString(t.TaskArn); contains(in.Tasks, arn) {
				out.Tasks = append(out.Tasks, t)
				found[arn] = true
			}
		}
		for i, reason := range s.rollout.Stops {
			arn := s.taskARN(i)
			if !contains(in.Tasks, arn) {
				continue
			}
			c := ecstypes.Container{Name: aws.String("endpoint"), ExitCode: s.rollout.Exit}
			if strings.HasPrefix(reason, "CannotPullContainerError") {
				c.Reason = aws.String(reason)
			}
			out.Tasks = append(out.Tasks, ecstypes.Task{TaskArn: aws.String(arn), LastStatus: aws.String("STOPPED"), StoppedReason: aws.String(reason),
				StoppedAt: aws.Time(s.since.Add(time.Duration(i+1) * 5 * time.Second)), Containers: []ecstypes.Container{c}})
			found[arn] = true
		}
	}
	for _, arn := range in.Tasks {
		if !found[arn] {
			out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(arn), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
