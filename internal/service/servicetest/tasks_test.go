package servicetest

import (
	"context"
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
	e := NewECS(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
	e.AddCluster("c")
	e.SetLogs(logs)
	e.AddTaskDefinition(types.TaskDefinition{TaskDefinitionArn: aws.String("td"), ContainerDefinitions: []types.ContainerDefinition{{
		Name: aws.String("sync"), Command: []string{"version"},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "g", "awslogs-stream-prefix": "p"}},
	}}})
	var ran []string
	e.Script(TaskScript{Run: func(command []string) ([]string, int32) {
		ran = command
		return []string{"copied 1 file", "switched current"}, 3
	}})
	out, err := e.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("c"), TaskDefinition: aws.String("td"),
		Overrides: &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("sync"), Command: []string{"sync-weights", "--dry-run"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	var task types.Task
	for i := 0; i < 10 && aws.ToString(task.LastStatus) != "STOPPED"; i++ {
		d, err := e.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("c"), Tasks: []string{arn}})
		if err != nil {
			t.Fatal(err)
		}
		task = d.Tasks[0]
	}
	if diff := cmp.Diff([]string{"sync-weights", "--dry-run"}, ran); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if aws.ToString(task.LastStatus) != "STOPPED" || aws.ToInt32(task.Containers[0].ExitCode) != 3 {
		t.Errorf("task %s, exit %v; want STOPPED with exit code 3", aws.ToString(task.LastStatus), task.Containers[0].ExitCode)
	}
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
