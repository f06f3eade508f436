// Package remotetest is the AWS side of a remote weight sync for tests: an
// ECS fake with the cluster and the sync task definition (its container
// logging to CloudWatch Logs), the Logs fake, and endpoint A's stack with
// the outputs remote mode reads.
package remotetest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/service/servicetest"
	"github.com/ecs-mlops/ecs-mlops/internal/stack/stacktest"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// The names the world is built with.
const (
	Stack          = "ecs-mlops-ep-a"
	Cluster        = "ecs-mlops"
	TaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/ecs-mlops-weights-sync:4"
	Container      = "weights-sync"
	LogGroup       = "/ecs/ecs-mlops/weights-sync"
	SecurityGroup  = "sg-0c1d2e3f"
)

// Subnets are the private subnets the stack outputs, in order.
var Subnets = []string{"subnet-0a1b2c3d", "subnet-0e1f2a3b"}

// World holds the fakes.
type World struct {
	ECS    *servicetest.ECS
	Logs   *awsfake.Logs
	Stacks *stacktest.Fake
}

// New builds the world on clk.
func New(clk clock.Clock) *World {
	w := &World{ECS: servicetest.NewECS(clk), Logs: awsfake.NewLogs(), Stacks: stacktest.New(clk)}
	w.ECS.AddCluster(Cluster)
	w.ECS.SetLogs(w.Logs)
	w.ECS.AddTaskDefinition(ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(TaskDefinition),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String(Container),
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": LogGroup, "awslogs-stream-prefix": "sync",
			}},
		}},
	})
	w.Stacks.Put(stacktest.Seed{Name: Stack, Outputs: Outputs()})
	return w
}

// Outputs are the outputs of endpoint A's stack that remote mode reads.
func Outputs() map[string]string {
	return map[string]string{
		weights.OutputTaskDefinition: TaskDefinition,
		weights.OutputCluster:        Cluster,
		weights.OutputSubnets:        Subnets[0] + ", " + Subnets[1],
		weights.OutputSecurityGroup:  SecurityGroup,
	}
}
