package awsfake

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// One-off tasks (RunTask, as the weights sync runs) move PROVISIONING →
// PENDING → RUNNING → STOPPED, one step per DescribeTasks, as TaskScript
// says; their containers' lines go to the ECS fake's Logs under their
// awslogs stream names. A task whose image is not in the fake's registry
// (AddImage), or whose command's executable the image lacks, stops from
// PENDING without running, as ECS stops it.

// AddCluster creates a cluster RunTask may start tasks in.
func (e *ECS) AddCluster(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clusters[name] = true
}

// SetLogs makes one-off tasks write their log lines to l.
func (e *ECS) SetLogs(l *Logs) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logs = l
}

// RunInputs returns every RunTask input, in order.
func (e *ECS) RunInputs() []*ecs.RunTaskInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*ecs.RunTaskInput(nil), e.runInputs...)
}

// StopInputs returns every StopTask input, in order.
func (e *ECS) StopInputs() []*ecs.StopTaskInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*ecs.StopTaskInput(nil), e.stopInputs...)
}

// subnetID and groupID are the shapes of EC2's IDs; anything else names
// no subnet or group, and ECS says so when it resolves them.
var (
	subnetID = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	groupID  = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// checkNetwork refuses what ECS refuses of a Fargate task's network: no
// awsvpc configuration, or a subnet or security group that cannot exist.
func checkNetwork(in *ecs.RunTaskInput) error {
	if in.LaunchType != ecstypes.LaunchTypeFargate {
		return nil
	}
	if in.NetworkConfiguration == nil || in.NetworkConfiguration.AwsvpcConfiguration == nil {
		return apiError("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	c := in.NetworkConfiguration.AwsvpcConfiguration
	if len(c.Subnets) == 0 {
		return apiError("InvalidParameterException", "subnets can not be empty.")
	}
	for _, id := range c.Subnets {
		if !subnetID.MatchString(id) {
			return apiError("InvalidParameterException", fmt.Sprintf("Error retrieving subnet information for [%s]: The subnet ID '%s' does not exist (ErrorCode: InvalidSubnetID.NotFound)", id, id))
		}
	}
	for _, id := range c.SecurityGroups {
		if !groupID.MatchString(id) {
			return apiError("InvalidParameterException", fmt.Sprintf("Error retrieving security group information for [%s]: The security group '%s' does not exist (ErrorCode: InvalidGroup.NotFound)", id, id))
		}
	}
	return nil
}

// describeOneOff moves a one-off task one step along and returns it; the
// caller holds the lock.
func (e *ECS) describeOneOff(arn string) (ecstypes.Task, bool) {
	ft, ok := e.tasks[arn]
	if !ok {
		return ecstypes.Task{}, false
	}
	e.advance(ft)
	return ft.task, true
}

// TaskScript says how the next task run on the fake ECS behaves.
type TaskScript struct {
	// RunFailure, when set, makes RunTask answer HTTP 200 with this reason
	// in failures[] and no task, as ECS does when it cannot place a task.
	RunFailure string
	// Logs are written to the task's log stream while it runs, one per poll.
	Logs []string
	// ExitCode of the container; nil means the container never started
	// (stopCode TaskFailedToStart).
	ExitCode *int32
	// ContainerReason and StoppedReason are ECS's texts, e.g.
	// "Essential container in task exited" or "ResourceInitializationError: ...".
	ContainerReason, StoppedReason string
	// Run, when set, is the container's process: it runs once the task is
	// RUNNING, with the command of the RunTask override (else the task
	// definition's; the entry point is not part of it); its output lines
	// become the log and its exit code the container's, replacing Logs and
	// ExitCode. It runs only when the image holds the executable.
	Run func(command []string) (logs []string, exitCode int32)
}

type fakeTask struct {
	task    ecstypes.Task
	script  TaskScript
	command []string
	// cannotStart is ECS's reason when the image or its executable is
	// missing; the task stops without running.
	cannotStart string
	polls       int
	stream      string
	group       string
}

// AddTaskDefinition registers td under its ARN.
func (e *ECS) AddTaskDefinition(td ecstypes.TaskDefinition) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.defs[aws.ToString(td.TaskDefinitionArn)] = td
}

// Script queues the behaviour of the next RunTask.
func (e *ECS) Script(s TaskScript) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.scripts = append(e.scripts, s)
}

// DescribeTaskDefinition answers ClientException "Unable to describe task
// definition." for an unknown one, as ECS does.
func (e *ECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("DescribeTaskDefinition"); err != nil {
		return nil, err
	}
	td, ok := e.taskDefinition(aws.ToString(in.TaskDefinition))
	if !ok {
		return nil, apiError("ClientException", "Unable to describe task definition.")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &td}, nil
}

// taskDefinition finds a task definition by its ARN or by family:revision,
// as ECS takes either; the caller holds the lock.
func (e *ECS) taskDefinition(ref string) (ecstypes.TaskDefinition, bool) {
	if td, ok := e.defs[ref]; ok {
		return td, true
	}
	for arn, td := range e.defs {
		if strings.HasSuffix(arn, ":task-definition/"+ref) {
			return td, true
		}
	}
	return ecstypes.TaskDefinition{}, false
}

// RunTask starts a task, or reports the scripted failure in failures[].
// An unknown cluster is ClusterNotFoundException "Cluster not found.".
func (e *ECS) RunTask(_ context.Context, in *ecs.RunTaskInput, _ ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("RunTask"); err != nil {
		return nil, err
	}
	e.runInputs = append(e.runInputs, in)
	if !e.clusters[aws.ToString(in.Cluster)] {
		return nil, apiError("ClusterNotFoundException", "Cluster not found.")
	}
	td, ok := e.defs[aws.ToString(in.TaskDefinition)]
	if !ok {
		return nil, apiError("InvalidParameterException", "TaskDefinition not found.")
	}
	if err := checkNetwork(in); err != nil {
		return nil, err
	}
	var s TaskScript
	if len(e.scripts) > 0 {
		s, e.scripts = e.scripts[0], e.scripts[1:]
	}
	if s.RunFailure != "" {
		return &ecs.RunTaskOutput{Failures: []ecstypes.Failure{{Reason: aws.String(s.RunFailure)}}}, nil
	}
	e.n++
	id := fmt.Sprintf("%032x", e.n)
	arn := e.arnPrefix() + "task/" + aws.ToString(in.Cluster) + "/" + id
	c := td.ContainerDefinitions[0]
	ft := &fakeTask{script: s, task: ecstypes.Task{
		TaskArn: aws.String(arn), LastStatus: aws.String("PROVISIONING"), DesiredStatus: aws.String("RUNNING"),
		TaskDefinitionArn: td.TaskDefinitionArn, ClusterArn: in.Cluster,
		Containers: []ecstypes.Container{{Name: c.Name, LastStatus: aws.String("PENDING")}},
	}}
	if lc := c.LogConfiguration; lc != nil {
		ft.group = lc.Options["awslogs-group"]
		ft.stream = lc.Options["awslogs-stream-prefix"] + "/" + aws.ToString(c.Name) + "/" + id
	}
	ft.command = c.Command
	if in.Overrides != nil {
		for _, o := range in.Overrides.ContainerOverrides {
			if aws.ToString(o.Name) == aws.ToString(c.Name) && o.Command != nil {
				ft.command = o.Command
			}
		}
	}
	ft.cannotStart = e.startFailure(in, c, ft.command)
	e.tasks[arn] = ft
	return &ecs.RunTaskOutput{Tasks: []ecstypes.Task{ft.task}}, nil
}

func (e *ECS) advance(ft *fakeTask) {
	ft.polls++
	t := &ft.task
	switch status := aws.ToString(t.LastStatus); {
	case status == "PROVISIONING":
		t.LastStatus = aws.String("PENDING")
	case status == "PENDING" && ft.cannotStart != "":
		// The container never starts: no exit code; the container's
		// reason and the task's stoppedReason both carry ECS's error.
		t.Containers[0].Reason = aws.String(ft.cannotStart)
		e.stopTask(ft, ecstypes.TaskStopCodeTaskFailedToStart, ft.cannotStart)
	case status == "PENDING" && ft.script.Run != nil:
		logs, code := ft.script.Run(ft.command)
		ft.script.Run, ft.script.Logs, ft.script.ExitCode = nil, logs, &code
		t.LastStatus = aws.String("RUNNING")
		t.Containers[0].LastStatus = aws.String("RUNNING")
	case status == "PENDING" && ft.script.ExitCode == nil:
		e.stopTask(ft, ecstypes.TaskStopCodeTaskFailedToStart, ft.script.StoppedReason)
	case status == "PENDING":
		t.LastStatus = aws.String("RUNNING")
		t.Containers[0].LastStatus = aws.String("RUNNING")
	case status == "RUNNING" && len(ft.script.Logs) > 0:
		if e.logs != nil {
			e.logs.Put(ft.group, ft.stream, ft.script.Logs[0])
		}
		ft.script.Logs = ft.script.Logs[1:]
	case status == "RUNNING":
		t.Containers[0].ExitCode = ft.script.ExitCode
		t.Containers[0].Reason = nonEmpty(ft.script.ContainerReason)
		reason := ft.script.StoppedReason
		if reason == "" {
			reason = "Essential container in task exited"
		}
		e.stopTask(ft, ecstypes.TaskStopCodeEssentialContainerExited, reason)
	}
}

func (e *ECS) stopTask(ft *fakeTask, code ecstypes.TaskStopCode, reason string) {
	ft.task.LastStatus = aws.String("STOPPED")
	ft.task.DesiredStatus = aws.String("STOPPED")
	ft.task.StopCode = code
	ft.task.StoppedReason = nonEmpty(reason)
	ft.task.Containers[0].LastStatus = aws.String("STOPPED")
}

// StopTask stops a task as a user would (stopCode UserInitiated).
func (e *ECS) StopTask(_ context.Context, in *ecs.StopTaskInput, _ ...func(*ecs.Options)) (*ecs.StopTaskOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.call("StopTask"); err != nil {
		return nil, err
	}
	e.stopInputs = append(e.stopInputs, in)
	ft, ok := e.tasks[aws.ToString(in.Task)]
	if !ok {
		return nil, apiError("InvalidParameterException", "The referenced task was not found.")
	}
	e.stopTask(ft, ecstypes.TaskStopCodeUserInitiated, aws.ToString(in.Reason))
	return &ecs.StopTaskOutput{Task: &ft.task}, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
