package awsfake

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedECS is the ECS fake as a role with IAM policies sees it: each call
// is authorized on its resource's ARN (the service, the task, the task
// definition RunTask starts; "*" for DescribeTaskDefinition and ListTasks,
// which name none), and a denial is ECS's AccessDeniedException with IAM's
// "User: … is not authorized to perform: ecs:… on resource: …" message.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
type GatedECS struct {
	*ECS
	Gate *iampolicy.Gate
}

func (g *GatedECS) authorize(action, arn string) error {
	err := g.Gate.Authorize("ecs:"+action, arn, nil)
	var api smithy.APIError
	if errors.As(err, &api) {
		return apiError("AccessDeniedException", api.ErrorMessage())
	}
	return err
}

// arn returns nameOrARN as an ARN of kind (service, task, task-definition)
// in cluster; ECS takes names and ARNs alike.
func (g *GatedECS) arn(kind, cluster, nameOrARN string) string {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	if i := strings.LastIndex(cluster, "/"); i >= 0 {
		cluster = cluster[i+1:]
	}
	if cluster == "" {
		cluster = "default"
	}
	prefix := g.arnPrefix() + kind + "/"
	if kind == "task-definition" {
		return prefix + nameOrARN
	}
	return prefix + cluster + "/" + nameOrARN
}

// DescribeServices authorizes ecs:DescribeServices on each service.
func (g *GatedECS) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	for _, s := range in.Services {
		if err := g.authorize("DescribeServices", g.arn("service", aws.ToString(in.Cluster), s)); err != nil {
			return nil, err
		}
	}
	return g.ECS.DescribeServices(ctx, in, o...)
}

// ListTasks authorizes ecs:ListTasks.
func (g *GatedECS) ListTasks(ctx context.Context, in *ecs.ListTasksInput, o ...func(*ecs.Options)) (*ecs.ListTasksOutput, error) {
	if err := g.authorize("ListTasks", "*"); err != nil {
		return nil, err
	}
	return g.ECS.ListTasks(ctx, in, o...)
}

// DescribeTasks authorizes ecs:DescribeTasks on each task.
func (g *GatedECS) DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, o ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	for _, t := range in.Tasks {
		if err := g.authorize("DescribeTasks", g.arn("task", aws.ToString(in.Cluster), t)); err != nil {
			return nil, err
		}
	}
	return g.ECS.DescribeTasks(ctx, in, o...)
}

// DescribeTaskDefinition authorizes ecs:DescribeTaskDefinition on "*".
func (g *GatedECS) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, o ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	if err := g.authorize("DescribeTaskDefinition", "*"); err != nil {
		return nil, err
	}
	return g.ECS.DescribeTaskDefinition(ctx, in, o...)
}

// RunTask authorizes ecs:RunTask on the task definition.
func (g *GatedECS) RunTask(ctx context.Context, in *ecs.RunTaskInput, o ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	if err := g.authorize("RunTask", g.arn("task-definition", "", aws.ToString(in.TaskDefinition))); err != nil {
		return nil, err
	}
	return g.ECS.RunTask(ctx, in, o...)
}

// StopTask authorizes ecs:StopTask on the task.
func (g *GatedECS) StopTask(ctx context.Context, in *ecs.StopTaskInput, o ...func(*ecs.Options)) (*ecs.StopTaskOutput, error) {
	if err := g.authorize("StopTask", g.arn("task", aws.ToString(in.Cluster), aws.ToString(in.Task))); err != nil {
		return nil, err
	}
	return g.ECS.StopTask(ctx, in, o...)
}
