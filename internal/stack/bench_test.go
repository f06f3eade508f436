package stack_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// Targets for the deploy engine, reported next to the measured figures.
const (
	targetDetect     = 2 * time.Second // terminal event → noticed
	targetNoopCalls  = 3               // API calls of a deploy without changes, besides polling the change set
	targetDescribeRM = 30              // Describe calls a minute during a long wait
	cliWaiterDelay   = 30 * time.Second
)

// detectReport notes, on the fake clock, when the stack's own terminal
// event is printed: that is when the engine knows the stack is done; and
// how long the change set phase took.
type detectReport struct {
	clk       *clock.Fake
	stack     string
	latency   time.Duration
	changeSet time.Duration
}

func (r *detectReport) Phase(title string) func() {
	if title != "Change set" {
		return func() {}
	}
	start := r.clk.Now()
	return func() { r.changeSet = r.clk.Now().Sub(start) }
}
func (r *detectReport) Printf(_ string, args ...any) {
	if len(args) == 0 {
		return
	}
	if e, ok := args[0].(stack.Event); ok && e.LogicalID == r.stack && cfn.IsTerminal(types.StackStatus(e.Status)) {
		r.latency = r.clk.Now().Sub(e.Time)
	}
}

// scenario seeds ep-a and gives its resources random durations, so the
// terminal event falls anywhere between two polls, and its change set a
// random time to compute (1–10 s, as CloudFormation takes for a stack of
// this size).
func scenario(b *testing.B, seed uint64) (*clock.Fake, *awsfake.CloudFormation, stack.Request) {
	clk := clock.NewFake(epoch)
	cf := awsfake.NewCloudFormation(clk)
	req := request(b, "ProjectName=renamed")
	base := request(b)
	cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusUpdateComplete, Template: base.Template, Params: base.Params.Values, Tags: base.Tags})
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cf.ChangeSetDelay = time.Duration(1000+r.IntN(9000)) * time.Millisecond
	for _, id := range base.Template.ResourceIDs() {
		cf.Durations[id] = time.Duration(1+r.IntN(120)) * time.Second
	}
	return clk, cf, req
}

// cliWait is the baseline: what `aws cloudformation deploy` does after
// executing, DescribeStacks every 30 s until the status is terminal.
func cliWait(ctx context.Context, clk *clock.Fake, cf *awsfake.CloudFormation, name string) time.Time {
	for {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err == nil && cfn.IsTerminal(out.Stacks[0].StackStatus) {
			return clk.Now()
		}
		_ = clk.Sleep(ctx, cliWaiterDelay)
	}
}

func terminalEventTime(ctx context.Context, cf *awsfake.CloudFormation, name string) time.Time {
	out, _ := cf.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	return aws.ToTime(out.StackEvents[0].Timestamp)
}

// BenchmarkDeployDetection measures how long after the stack's terminal
// event the engine notices it, against the AWS CLI's 30 s waiter on the
// same scenarios; and how long after its change set is computed it
// notices that, with how many DescribeChangeSet calls.
func BenchmarkDeployDetection(b *testing.B) {
	ctx := context.Background()
	var sum, worst, cliSum, csSum, csWorst time.Duration
	csCalls := 0
	for i := 0; b.Loop(); i++ {
		clk, cf, req := scenario(b, uint64(i))
		rep := &detectReport{clk: clk, stack: "ep-a"}
		d := &stack.Deployer{CFN: cf, Clock: clk, Report: rep}
		if _, err := d.Deploy(ctx, req); err != nil {
			b.Fatal(err)
		}
		sum += rep.latency
		worst = max(worst, rep.latency)
		csLate := rep.changeSet - cf.ChangeSetDelay
		csSum += csLate
		csWorst = max(csWorst, csLate)
		csCalls += count(cf.Calls(), "DescribeChangeSet")

		clk2, cf2, req2 := scenario(b, uint64(i))
		cliSum += cliDeploy(ctx, b, clk2, cf2, req2)
	}
	n := time.Duration(b.N)
	mean, cliMean := sum/n, cliSum/n
	b.ReportMetric(mean.Seconds(), "detect-s")
	b.ReportMetric(worst.Seconds(), "detect-max-s")
	b.ReportMetric(targetDetect.Seconds(), "target-detect-s")
	b.ReportMetric(cliMean.Seconds(), "cli-detect-s")
	b.ReportMetric(mean.Seconds()/cliMean.Seconds(), "detect/cli")
	b.ReportMetric((csSum / n).Seconds(), "changeset-late-s")
	b.ReportMetric(csWorst.Seconds(), "changeset-late-max-s")
	b.ReportMetric(float64(csCalls)/float64(b.N), "changeset-describes")
}

// cliDeploy creates and executes a change set directly and waits like the
// AWS CLI; it returns the latency after the terminal event.
func cliDeploy(ctx context.Context, b *testing.B, clk *clock.Fake, cf *awsfake.CloudFormation, req stack.Request) time.Duration {
	var params []types.Parameter
	for _, k := range req.Params.Keys() {
		params = append(params, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(req.Params.Values[k])})
	}
	var tags []types.Tag
	for k, v := range req.Tags {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := cf.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cli"),
		ChangeSetType: types.ChangeSetTypeUpdate, TemplateBody: aws.String(string(req.Template.Body)), Parameters: params, Tags: tags})
	if err != nil {
		b.Fatal(err)
	}
	// The CLI waits for the change set polling every 5 s.
	for {
		_ = clk.Sleep(ctx, 5*time.Second)
		out, err := cf.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cli")})
		if err != nil {
			b.Fatal(err)
		}
		if out.Status == types.ChangeSetStatusCreateComplete {
			break
		}
	}
	if _, err := cf.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("ep-a"), ChangeSetName: aws.String("cli")}); err != nil {
		b.Fatal(err)
	}
	seen := cliWait(ctx, clk, cf, "ep-a")
	return seen.Sub(terminalEventTime(ctx, cf, "ep-a"))
}

// BenchmarkNoopDeploy counts the API calls of a deploy that changes
// nothing: DescribeStacks, CreateChangeSet and DeleteChangeSet, plus the
// DescribeChangeSet polls of a change set taking the fake's 2 s.
func BenchmarkNoopDeploy(b *testing.B) {
	ctx := context.Background()
	calls, polls := 0, 0
	for b.Loop() {
		clk := clock.NewFake(epoch)
		cf := awsfake.NewCloudFormation(clk)
		req := request(b)
		cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusUpdateComplete, Template: req.Template, Params: req.Params.Values, Tags: req.Tags})
		d := &stack.Deployer{CFN: cf, Clock: clk}
		res, err := d.Deploy(ctx, req)
		if err != nil || !res.NoChanges {
			b.Fatalf("no-op deploy: %v", err)
		}
		calls, polls = len(cf.Calls()), count(cf.Calls(), "DescribeChangeSet")
	}
	b.ReportMetric(float64(calls), "api-calls")
	b.ReportMetric(float64(calls-polls), "api-calls-besides-polls")
	b.ReportMetric(targetNoopCalls, "target-api-calls-besides-polls")
}

// BenchmarkLongWait counts Describe calls a minute while an ECS service
// takes 20 minutes to update, against the CLI waiter's 2 a minute.
func BenchmarkLongWait(b *testing.B) {
	ctx := context.Background()
	var perMin float64
	for b.Loop() {
		clk := clock.NewFake(epoch)
		cf := awsfake.NewCloudFormation(clk)
		base := request(b)
		cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusUpdateComplete, Template: base.Template, Params: base.Params.Values, Tags: base.Tags})
		cf.Durations["Service"] = 20 * time.Minute
		d := &stack.Deployer{CFN: cf, Clock: clk}
		if _, err := d.Deploy(ctx, request(b, "DesiredCount=3")); err != nil {
			b.Fatal(err)
		}
		describes := 0
		for _, c := range cf.Calls() {
			if strings.HasPrefix(c, "Describe") {
				describes++
			}
		}
		perMin = float64(describes) / clk.Now().Sub(epoch).Minutes()
	}
	b.ReportMetric(perMin, "describes/min")
	b.ReportMetric(targetDescribeRM, "target-describes/min")
	b.ReportMetric(perMin/(time.Minute.Seconds()/cliWaiterDelay.Seconds()), "describes/cli")
}
