package weights

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Stack outputs the remote sync reads from the environment's stack.
const (
	OutputTaskDefinition = "WeightsSyncTaskDefinition" // ARN of the task definition that mounts the EFS volume and runs mlops
	OutputCluster        = "ClusterName"
	OutputSubnets        = "PrivateSubnets"       // comma-separated subnet IDs
	OutputSecurityGroup  = "ServiceSecurityGroup" // the group the EFS mount targets admit on 2049
)

// ECSAPI is the part of the ECS client the remote sync uses.
type ECSAPI interface {
	RunTask(ctx context.Context, in *ecs.RunTaskInput, optFns ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	StopTask(ctx context.Context, in *ecs.StopTaskInput, optFns ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
}

// LogsAPI is the part of the CloudWatch Logs client the remote sync uses.
type LogsAPI interface {
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

// StackAPI reads the environment's stack outputs.
type StackAPI interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Remote runs `mlops sync-weights` as a one-off ECS task next to the EFS
// volume, so weight files never pass through the machine that asked.
type Remote struct {
	ECS    ECSAPI
	Logs   LogsAPI
	Stacks StackAPI
	Clock  clock.Clock
	// Log receives the task's log messages as they arrive, one call per
	// page read. A message is text the task printed, S3 key names
	// included: it may hold line ends and workflow commands, so print it
	// with action.Relay.
	Log func(messages []string)
	// Poll is the wait between status checks (default 3 s); Timeout bounds
	// the whole run (default 2 h), after which the task is stopped.
	Poll, Timeout time.Duration
}

// RemoteOptions say which stack to take the task from and what to run.
type RemoteOptions struct {
	Stack   string
	Command []string // the container command: mlops arguments
}

// RemoteResult is how the task ended.
type RemoteResult struct {
	TaskARN  string
	ExitCode int
	Duration time.Duration
}

// task is what the stack and task definition say about the sync task.
type task struct {
	cluster, definition, container string
	image                          string // the container's image, as the task definition names it
	subnets, groups                []string
	logGroup, logStream            string // logStream is the prefix; the task ID completes it
}

// Run starts the task, streams its log, waits for it to stop and returns
// an error carrying the container's exit code when it did not succeed.
func (r *Remote) Run(ctx context.Context, o RemoteOptions) (*RemoteResult, error) {
	start := r.Clock.Now()
	t, err := r.describe(ctx, o.Stack)
	if err != nil {
		return nil, err
	}
	arn, err := r.start(ctx, t, o.Command)
	if err != nil {
		return nil, err
	}
	res := &RemoteResult{TaskARN: arn}
	stopped, err := r.wait(ctx, t, arn)
	if err != nil {
		return res, err
	}
	res.Duration = r.Clock.Now().Sub(start)
	res.ExitCode, err = outcome(stopped, t)
	return res, err
}

// describe reads the stack outputs and the task definition.
func (r *Remote) describe(ctx context.Context, stack string) (*task, error) {
	outputs, err := cfn.StackOutputs(ctx, r.Stacks, stack)
	if errors.Is(err, cfn.ErrNoStack) {
		return nil, fault.WithHint(fault.Usage(err), "deploy the environment first (mlops deploy --env NAME)")
	}
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, k := range []string{OutputTaskDefinition, OutputCluster, OutputSubnets, OutputSecurityGroup} {
		if outputs[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fault.WithHint(fault.Usagef("stack %q has no output %s", stack, strings.Join(missing, ", ")),
			"deploy the environment with a template that defines the weights-sync task (cf_templates/create-ep-a.yaml)")
	}
	t := &task{cluster: outputs[OutputCluster], definition: outputs[OutputTaskDefinition],
		subnets: splitList(outputs[OutputSubnets]), groups: splitList(outputs[OutputSecurityGroup])}
	td, err := r.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(t.definition)})
	if err != nil {
		return nil, fmt.Errorf("describe task definition %s: %w", t.definition, err)
	}
	if td.TaskDefinition == nil || len(td.TaskDefinition.ContainerDefinitions) == 0 {
		return nil, fmt.Errorf("task definition %s has no container", t.definition)
	}
	c := td.TaskDefinition.ContainerDefinitions[0]
	t.container, t.image = aws.ToString(c.Name), aws.ToString(c.Image)
	if lc := c.LogConfiguration; lc != nil && lc.LogDriver == ecstypes.LogDriverAwslogs {
		t.logGroup = lc.Options["awslogs-group"]
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			t.logStream = p + "/" + t.container + "/"
		}
	}
	return t, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// start runs the task. RunTask answers HTTP 200 with failures[] when ECS
// could not place it (no Fargate capacity, missing cluster): that is a failure.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/api_failures_messages.html
func (r *Remote) start(ctx context.Context, t *task, command []string) (string, error) {
	out, err := r.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster:        aws.String(t.cluster),
		TaskDefinition: aws.String(t.definition),
		LaunchType:     ecstypes.LaunchTypeFargate,
		Count:          aws.Int32(1),
		StartedBy:      aws.String("mlops-sync-weights"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: t.subnets, SecurityGroups: t.groups, AssignPublicIp: ecstypes.AssignPublicIpDisabled,
		}},
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{
			Name: aws.String(t.container), Command: command,
		}}},
	})
	if err != nil {
		return "", fmt.Errorf("run weights sync task %s in cluster %s: %w", t.definition, t.cluster, err)
	}
	if len(out.Failures) > 0 {
		var reasons []string
		for _, f := range out.Failures {
			reasons = append(reasons, strings.TrimSpace(aws.ToString(f.Reason)+" "+aws.ToString(f.Detail)+" "+aws.ToString(f.Arn)))
		}
		return "", fmt.Errorf("weights sync task %s failed to start in cluster %s: %s", t.definition, t.cluster, strings.Join(reasons, "; "))
	}
	if len(out.Tasks) == 0 {
		return "", fmt.Errorf("weights sync task %s: RunTask started no task", t.definition)
	}
	return aws.ToString(out.Tasks[0].TaskArn), nil
}

// outcome turns a stopped task into an exit code and, unless it is 0, an
// error naming the code and ECS's reasons.
func outcome(tk ecstypes.Task, t *task) (int, error) {
	id, container := taskID(aws.ToString(tk.TaskArn)), t.container
	for _, c := range tk.Containers {
		if aws.ToString(c.Name) != container || c.ExitCode == nil {
			continue
		}
		code := int(aws.ToInt32(c.ExitCode))
		if code == 0 {
			return 0, nil
		}
		err := fmt.Errorf("weights sync task %s: container %s exited with code %d%s", id, container, code, reasons(aws.ToString(c.Reason), aws.ToString(tk.StoppedReason)))
		return code, fault.WithExitCode(err, code)
	}
	err := fmt.Errorf("weights sync task %s stopped before its container ran (%s)%s", id, tk.StopCode, reasons(aws.ToString(tk.StoppedReason)))
	return 1, withStartHint(err, aws.ToString(tk.StoppedReason), t.image)
}

// withStartHint says what to do about the reasons ECS gives for a task
// that never ran: an EFS mount the network refuses, an image the
// execution role cannot pull, or an image without /mlops (the sync must
// run the weight-sync image, never the endpoint image).
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
func withStartHint(err error, reason, image string) error {
	const build = "build the weight-sync image with mlops build --sync-image --push and deploy with WeightsSyncImageUri set to its digest URI (deploy.yml does both)"
	switch {
	case strings.Contains(reason, "EFS"):
		return fault.WithHint(err, "the EFS mount targets' security group must admit "+OutputSecurityGroup+" on TCP 2049; run mlops doctor --env NAME")
	case strings.HasPrefix(reason, "CannotStartContainerError") && (strings.Contains(reason, "no such file or directory") || strings.Contains(reason, "executable file not found")):
		return fault.WithHint(err, fmt.Sprintf("image %s has no /mlops, so it is not the weight-sync image; %s", image, build))
	case strings.HasPrefix(reason, "CannotPullContainerError"):
		return fault.WithHint(err, fmt.Sprintf("ECS cannot pull image %s: check that it is in the weight-sync repository and that the stack's ExecutionRole may pull from it, or %s", image, build))
	}
	return err
}

func reasons(rs ...string) string {
	var parts []string
	for _, r := range rs {
		if r != "" {
			parts = append(parts, r)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

func taskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
