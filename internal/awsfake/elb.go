package awsfake

// The Elastic Load Balancing v2 fake: target groups whose targets turn
// healthy (or fail health checks) over the clock as their Health scripts
// say, and listeners with their rules (elbrules.go).

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Health scripts one target group: its single target (TaskIP(0), the new
// deployment's first task) is initial until After (default 10s), then
// healthy, or unhealthy with Reason/Description. Targets, when set,
// replaces that one target.
type Health struct {
	After       time.Duration
	Reason      elbtypes.TargetHealthReasonEnum // e.g. Target.ResponseCodeMismatch
	Description string                          // e.g. Health checks failed with these codes: [404]
	Path        string                          // health check path (default /ping)
	Targets     []Target
	// NoTargets leaves the group without any registered target, as when
	// the service runs no task.
	NoTargets bool
}

// Target is one registered target of a scripted group: initial until
// Health.After, then in State; a Settled one is in State from the start
// (an older deployment's target, healthy or draining).
type Target struct {
	IP          string
	Port        int32 // default 8080
	State       elbtypes.TargetHealthStateEnum
	Reason      elbtypes.TargetHealthReasonEnum
	Description string
	Settled     bool
}

// ELB is an in-memory Elastic Load Balancing v2 with target groups and
// listener rules.
type ELB struct {
	Clock   clock.Clock
	Default Health

	mu       sync.Mutex
	groups   map[string]*group
	rules    map[string]map[int]*elbRule // listener ARN → priority → rule
	nextRule int
	rulePage int
	clashes  int
	// stackRules maps "stack/logical id" to the rule a stack's
	// ListenerRule resource holds; refused lists the rules refused.
	stackRules map[string]string
	refused    []error
}

type group struct {
	since  time.Time
	health Health
	stack  string
}

// NewELB returns an ELB fake on clk.
func NewELB(clk clock.Clock) *ELB {
	return &ELB{Clock: clk, groups: map[string]*group{}, rules: map[string]map[int]*elbRule{}, stackRules: map[string]string{}}
}

// Register adds target group tg (ARN) with h; targets register now.
func (l *ELB) Register(tg string, h Health) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.groups[tg] = &group{since: l.Clock.Now(), health: h}
}

// DescribeTargetHealth answers as ELBv2.
func (l *ELB) DescribeTargetHealth(_ context.Context, in *elb.DescribeTargetHealthInput, _ ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.groups[aws.ToString(in.TargetGroupArn)]
	if g == nil {
		return nil, targetGroupNotFound()
	}
	after := g.health.After
	if after == 0 {
		after = 10 * time.Second
	}
	settled := !l.Clock.Now().Before(g.since.Add(after))
	targets := g.health.Targets
	if len(targets) == 0 && !g.health.NoTargets {
		t := Target{IP: TaskIP(0), State: elbtypes.TargetHealthStateEnumHealthy}
		if g.health.Reason != "" {
			t = Target{IP: TaskIP(0), State: elbtypes.TargetHealthStateEnumUnhealthy, Reason: g.health.Reason, Description: g.health.Description}
		}
		targets = []Target{t}
	}
	out := &elb.DescribeTargetHealthOutput{}
	for _, t := range targets {
		th := &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumInitial, Reason: elbtypes.TargetHealthReasonEnumRegistrationInProgress, Description: aws.String("Target registration is in progress")}
		if settled || t.Settled {
			th = &elbtypes.TargetHealth{State: t.State, Reason: t.Reason}
			if t.Description != "" {
				th.Description = aws.String(t.Description)
			}
		}
		port := t.Port
		if port == 0 {
			port = 8080
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, elbtypes.TargetHealthDescription{
			Target: &elbtypes.TargetDescription{Id: aws.String(t.IP), Port: aws.Int32(port)}, HealthCheckPort: aws.String(strconv.Itoa(int(port))), TargetHealth: th})
	}
	return out, nil
}

// DescribeTargetGroups answers as ELBv2.
func (l *ELB) DescribeTargetGroups(_ context.Context, in *elb.DescribeTargetGroupsInput, _ ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := &elb.DescribeTargetGroupsOutput{}
	for _, arn := range in.TargetGroupArns {
		g := l.groups[arn]
		if g == nil {
			return nil, targetGroupNotFound()
		}
		path := g.health.Path
		if path == "" {
			path = "/ping"
		}
		parts := strings.Split(arn, "/")
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(arn), TargetGroupName: aws.String(parts[len(parts)-2]),
			HealthCheckProtocol: elbtypes.ProtocolEnumHttp, HealthCheckPath: aws.String(path), HealthCheckPort: aws.String("traffic-port"), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200")}})
	}
	return out, nil
}

func targetGroupNotFound() error {
	return &smithy.GenericAPIError{Code: "TargetGroupNotFound", Message: "One or more target groups not found", Fault: smithy.FaultClient}
}

// RegisterForStack registers tg for stackName with the default health
// unless it is already known (a redeploy keeps its targets).
func (l *ELB) RegisterForStack(stackName, tg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g := l.groups[tg]; g != nil {
		g.since = l.Clock.Now()
		return
	}
	l.groups[tg] = &group{since: l.Clock.Now(), health: l.Default, stack: stackName}
}

// StackGroups returns the target groups registered for stackName.
func (l *ELB) StackGroups(stackName string) map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]bool{}
	for arn, g := range l.groups {
		if g.stack == stackName {
			out[arn] = true
		}
	}
	return out
}
