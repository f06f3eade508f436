package awsfake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// TestTaskRunsItsProcess: a scripted process gets the override's command;
// its output is the task's log and its exit code the container's.
func TestTaskRunsItsProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logs := awsfake.NewLogs()
	e := awsfake.NewECS(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	e.AddCluster("c")
	e.SetLogs(logs)
	e.AddImage("mlops:1", awsfake.ContainerImage{Files: []string{"/mlops"}})
	e.AddTaskDefinition(types.TaskDefinition{TaskDefinitionArn: aws.String("td"), ContainerDefinitions: []types.ContainerDefinition{{
		Name: aws.String("sync"), Image: aws.String("mlops:1"), EntryPoint: []string{"/mlops"}, Command: []string{"version"},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "g", "awslogs-stream-prefix": "p"}},
	}}})
	var ran []string
	e.Script(awsfake.TaskScript{Run: func(command []string) ([]string, int32) {
		ran = command
		return []string{"copied 1 file", "switched current"}, 3
	}})
	out, err := e.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("c"), TaskDefinition: aws.String("td"),
		Overrides: &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("sync"), Command: []string{"sync-weights", "--dry-run"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	task := stoppedTask(t, e, out)
	if diff := cmp.Diff([]string{"sync-weights", "--dry-run"}, ran); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if aws.ToString(task.LastStatus) != "STOPPED" || aws.ToInt32(task.Containers[0].ExitCode) != 3 {
		t.Errorf("task %s, exit %v; want STOPPED with exit code 3", aws.ToString(task.LastStatus), task.Containers[0].ExitCode)
	}
	arn := aws.ToString(task.TaskArn)
	ev, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("p/sync/" + arn[len(arn)-32:]), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ev.Events {
		got = append(got, aws.ToString(x.Message))
	}
	if diff := cmp.Diff([]string{"copied 1 file", "switched current"}, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestTaskNeedsItsImageAndExecutable: a task whose image is not in the
// registry, or whose entry point or command the image does not hold,
// stops from PENDING with ECS's reason on the task and the container,
// without an exit code and without running its process.
func TestTaskNeedsItsImageAndExecutable(t *testing.T) {
	t.Parallel()
	const (
		fargateExec = "CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: "
		ec2Exec     = "CannotStartContainerError: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: "
	)
	python := awsfake.ContainerImage{Files: []string{"/usr/local/bin/python", "/usr/local/bin/gunicorn"}, Entrypoint: []string{"gunicorn"}, Cmd: []string{"app:server"}}
	for _, tc := range []struct {
		name       string
		image      string
		entryPoint []string
		command    []string
		launch     types.LaunchType
		wantReason string // "" means the process runs
		wantArgs   []string
	}{
		{name: "image not in the registry", image: "missing:1", entryPoint: []string{"/mlops"},
			wantReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref missing:1: missing:1: not found"},
		{name: "entry point missing (Fargate)", image: "python:3", entryPoint: []string{"/mlops"}, command: []string{"sync-weights"},
			wantReason: fargateExec + `exec: "/mlops": stat /mlops: no such file or directory: unknown`},
		{name: "entry point missing (EC2)", image: "python:3", entryPoint: []string{"/mlops"}, launch: types.LaunchTypeEc2,
			wantReason: ec2Exec + `exec: "/mlops": stat /mlops: no such file or directory: unknown`},
		{name: "command not in PATH", image: "mlops:1", command: []string{"mlops", "sync-weights"},
			wantReason: fargateExec + `exec: "mlops": executable file not found in $PATH: unknown`},
		{name: "image entry point in PATH, override command", image: "python:3", command: []string{"app:other"}, wantArgs: []string{"app:other"}},
		{name: "absolute entry point present", image: "mlops:1", entryPoint: []string{"/mlops"}, command: []string{"version"}, wantArgs: []string{"version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := awsfake.NewECS(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
			e.AddCluster("c")
			e.AddImage("mlops:1", awsfake.ContainerImage{Files: []string{"/mlops"}})
			e.AddImage("python:3", python)
			e.AddTaskDefinition(types.TaskDefinition{TaskDefinitionArn: aws.String("td"), ContainerDefinitions: []types.ContainerDefinition{{
				Name: aws.String("sync"), Image: aws.String(tc.image), EntryPoint: tc.entryPoint,
			}}})
			var ran []string
			e.Script(awsfake.TaskScript{Run: func(command []string) ([]string, int32) { ran = command; return nil, 0 }})
			launch := tc.launch
			if launch == "" {
				launch = types.LaunchTypeFargate
			}
			out, err := e.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("c"), TaskDefinition: aws.String("td"), LaunchType: launch,
				NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-0a1b2c3d"}}},
				Overrides:            &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("sync"), Command: tc.command}}}})
			if err != nil {
				t.Fatal(err)
			}
			task := stoppedTask(t, e, out)
			c := task.Containers[0]
			if tc.wantReason == "" {
				if diff := cmp.Diff(tc.wantArgs, ran); diff != "" || aws.ToInt32(c.ExitCode) != 0 || c.ExitCode == nil {
					t.Errorf("process ran with %q (want %q), exit %v, reason %q", ran, tc.wantArgs, c.ExitCode, aws.ToString(task.StoppedReason))
				}
				return
			}
			got := []string{aws.ToString(task.LastStatus), string(task.StopCode), aws.ToString(task.StoppedReason), aws.ToString(c.Reason), fmt.Sprint(c.ExitCode == nil), fmt.Sprint(ran == nil)}
			want := []string{"STOPPED", "TaskFailedToStart", tc.wantReason, tc.wantReason, "true", "true"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stopped task: status, stop code, stoppedReason, container reason, no exit code, not run (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTaskARNsAreOfTheFakesRegionAndAccount: the ARNs ECS makes name the
// region and account it was given, so a gate built on the account's ARNs
// authorizes the same resources the fake answers with.
func TestTaskARNsAreOfTheFakesRegionAndAccount(t *testing.T) {
	t.Parallel()
	e := awsfake.NewECS(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	e.Region, e.Account = "us-east-2", "210987654321"
	e.AddCluster("c")
	e.AddImage("mlops:1", awsfake.ContainerImage{Files: []string{"/mlops"}})
	e.AddTaskDefinition(types.TaskDefinition{TaskDefinitionArn: aws.String("td"), ContainerDefinitions: []types.ContainerDefinition{{
		Name: aws.String("sync"), Image: aws.String("mlops:1"), EntryPoint: []string{"/mlops"}}}})
	e.Script(awsfake.TaskScript{Run: func([]string) ([]string, int32) { return nil, 0 }})
	out, err := e.RunTask(context.Background(), &ecs.RunTaskInput{Cluster: aws.String("c"), TaskDefinition: aws.String("td")})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("RunTask = %+v, %v", out, err)
	}
	if got, want := aws.ToString(out.Tasks[0].TaskArn), "arn:aws:ecs:us-east-2:210987654321:task/c/"; len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("task ARN %s, want one starting %s", got, want)
	}
}

// stoppedTask describes the task RunTask started in cluster c until it has
// STOPPED (a one-off task moves on each describe).
func stoppedTask(t *testing.T, e *awsfake.ECS, out *ecs.RunTaskOutput) types.Task {
	t.Helper()
	arn := aws.ToString(out.Tasks[0].TaskArn)
	var task types.Task
	for i := 0; i < 10 && aws.ToString(task.LastStatus) != "STOPPED"; i++ {
		d, err := e.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("c"), Tasks: []string{arn}})
		if err != nil {
			t.Fatal(err)
		}
		task = d.Tasks[0]
	}
	return task
}
