// Package remotetest is the AWS side of a remote weight sync for tests: an
// ECS fake with the cluster, the sync task definition (its container
// running /mlops from SyncImage and logging to CloudWatch Logs) and a
// registry holding SyncImage and a model server's EndpointImage without
// mlops, the Logs fake, and endpoint A's stack with the outputs remote
// mode reads.
package remotetest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
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
	// SyncImage is the weight-sync image (mlops.Dockerfile): /mlops only.
	SyncImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint-sync@sha256:5d1c7a0e3b2f4a6c8e9d0b1a2c3d4e5f60718293a4b5c6d7e8f9012345678901"
	// EndpointImage is a user's model server: Python, no mlops.
	EndpointImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79881a2b3c4d5e6f708192a3b4c5d6e7f801"
)

// Images are the registry's images.
func Images() map[string]awsfake.ContainerImage {
	return map[string]awsfake.ContainerImage{
		SyncImage:     {Files: []string{"/mlops"}},
		EndpointImage: {Files: []string{"/usr/local/bin/python", "/usr/local/bin/python3"}, Entrypoint: []string{"python", "-m", "model_server"}},
	}
}

// Subnets are the private subnets the stack outputs, in order.
var Subnets = []string{"subnet-0a1b2c3d", "subnet-0e1f2a3b"}

// World holds the fakes.
type World struct {
	ECS    *awsfake.ECS
	Logs   *awsfake.Logs
	Stacks *awsfake.CloudFormation
}

// New builds the world on clk.
func New(clk clock.Clock) *World {
	w := &World{ECS: awsfake.NewECS(clk), Logs: awsfake.NewLogs(), Stacks: awsfake.NewCloudFormation(clk)}
	w.ECS.AddCluster(Cluster)
	w.ECS.SetLogs(w.Logs)
	for ref, img := range Images() {
		w.ECS.AddImage(ref, img)
	}
	w.ECS.AddTaskDefinition(SyncTaskDefinition(SyncImage))
	w.Stacks.Put(awsfake.StackSeed{Name: Stack, Outputs: Outputs()})
	return w
}

// SyncTaskDefinition is the weight-sync task definition of
// cf_templates/create-ep-a.yaml with its container running image.
func SyncTaskDefinition(image string) ecstypes.TaskDefinition {
	return ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(TaskDefinition),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String(Container), Image: aws.String(image), EntryPoint: []string{"/mlops"},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": LogGroup, "awslogs-stream-prefix": "sync",
			}},
		}},
	}
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
