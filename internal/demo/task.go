package demo

import (
	"bytes"
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cli"
)

// weightsTask makes the ECS stand-in able to run the weights-sync task of
// a deployed stack: the task definition CloudFormation registered (read from
// the stack's outputs; its image is the stack's WeightsSyncImageUri, with
// the entry point /mlops), the registry holding that image, and a
// container that runs mlops in-process with the EFS volume — the demo's
// volume directory — mounted at the template's WeightsMountPath.
func (d *Demo) weightsTask(ctx context.Context, st Stack) {
	w := d.world
	o := st.Outputs
	w.acct.ECS.AddCluster(o["ClusterName"])
	w.acct.ECS.AddTaskDefinition(ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(o["WeightsSyncTaskDefinition"]),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:  aws.String(o["WeightsSyncContainerName"]),
			Image: aws.String(st.Params["WeightsSyncImageUri"]), EntryPoint: []string{"/mlops"},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": o["WeightsLogGroup"], "awslogs-stream-prefix": "weights-sync",
			}},
		}},
	})
	// The weight-sync image holds /mlops alone (mlops.Dockerfile).
	w.acct.ECS.AddImage(st.Params["WeightsSyncImageUri"], awsfake.ContainerImage{Files: []string{"/mlops"}})
	mount := o["WeightsMountPath"]
	w.acct.ECS.Script(awsfake.TaskScript{Run: func(command []string) ([]string, int32) {
		return d.container(ctx, mount, command)
	}})
}

// container runs one mlops command as the weights-sync container would:
// no GitHub Actions environment, the volume at mount, the task role's AWS
// access (the stand-ins). Its output is the task's log.
func (d *Demo) container(ctx context.Context, mount string, command []string) ([]string, int32) {
	args := make([]string, len(command))
	for i, a := range command {
		if a == mount || strings.HasPrefix(a, mount+"/") {
			a = d.ws.efs + strings.TrimPrefix(a, mount)
		}
		args[i] = a
	}
	env := map[string]string{"AWS_REGION": d.ws.cfg.Region}
	var out bytes.Buffer
	e := cli.NewEnv(&out, &out, strings.NewReader(""), func(k string) string { return env[k] })
	d.world.wire(e)
	code := cli.RunEnv(ctx, args, e)
	return strings.Split(strings.TrimRight(out.String(), "\n"), "\n"), int32(code)
}
