package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// service is what the later checks need to know about the ECS service.
type service struct {
	name           string
	securityGroups []string
	task           *ecstypes.TaskDefinition
	container      string
}

func (d *Doctor) checkService(ctx context.Context, r *Report, outs map[string]string) *service {
	const check = "service"
	if !r.need(check, outs, "ClusterName", "ServiceName") {
		return nil
	}
	name := outs["ServiceName"]
	out, err := d.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(outs["ClusterName"]), Services: []string{name}})
	if err != nil {
		r.add(check, StatusError, name, fmt.Sprintf("describe service: %v", err), "check that the role may call ecs:DescribeServices")
		return nil
	}
	if len(out.Services) == 0 || aws.ToString(out.Services[0].Status) != "ACTIVE" {
		r.add(check, StatusError, name, "the ECS service does not exist or is not active", "deploy the stack again: mlops deploy --env "+r.Environment)
		return nil
	}
	s := out.Services[0]
	svc := &service{name: name, container: outs["ContainerName"]}
	if s.NetworkConfiguration != nil && s.NetworkConfiguration.AwsvpcConfiguration != nil {
		svc.securityGroups = s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups
	}
	for _, dep := range s.Deployments {
		if aws.ToString(dep.Status) == "PRIMARY" && dep.RolloutState == ecstypes.DeploymentRolloutStateFailed {
			r.add(check, StatusError, name, "the last deployment failed: "+aws.ToString(dep.RolloutStateReason),
				"read the stopped tasks' reasons (aws ecs describe-tasks) and the container logs; mlops deploy shows both")
		}
	}
	switch {
	case s.RunningCount < s.DesiredCount:
		r.add(check, StatusWarn, name, fmt.Sprintf("%d of %d tasks running", s.RunningCount, s.DesiredCount),
			"tasks are starting or failing; see the findings below and the service events")
	default:
		r.add(check, StatusOK, name, fmt.Sprintf("%d of %d tasks running", s.RunningCount, s.DesiredCount), "")
	}
	td, err := d.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: s.TaskDefinition})
	if err != nil {
		r.add(check, StatusError, aws.ToString(s.TaskDefinition), fmt.Sprintf("describe task definition: %v", err), "check that the role may call ecs:DescribeTaskDefinition")
		return svc
	}
	svc.task = td.TaskDefinition
	return svc
}

// checkImage checks that the image of the endpoint container exists in ECR.
func (d *Doctor) checkImage(ctx context.Context, r *Report, svc *service) {
	const check = "image"
	if svc.task == nil {
		return
	}
	var image string
	for _, c := range svc.task.ContainerDefinitions {
		if aws.ToString(c.Name) == svc.container || (svc.container == "" && aws.ToBool(c.Essential)) {
			image = aws.ToString(c.Image)
			break
		}
	}
	ref, ok := parseECRImage(image)
	if !ok {
		r.add(check, StatusWarn, image, "the image is not in ECR; doctor cannot check that it exists", "")
		return
	}
	_, err := d.ECR.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RegistryId: aws.String(ref.registry), RepositoryName: aws.String(ref.repository),
		ImageIds: []ecrtypes.ImageIdentifier{ref.id()},
	})
	var api smithy.APIError
	switch {
	case err == nil:
		r.add(check, StatusOK, image, "the image exists in ECR", "")
	case errors.As(err, &api) && api.ErrorCode() == "ImageNotFoundException":
		r.add(check, StatusError, image, "the image the service runs is not in ECR (deleted by a lifecycle rule, or never pushed)",
			"build and push it (mlops build --push), then deploy again; new tasks cannot start without it")
	case errors.As(err, &api) && api.ErrorCode() == "RepositoryNotFoundException":
		r.add(check, StatusError, image, "the ECR repository "+ref.repository+" does not exist",
			"create it with mlops bootstrap (cf_templates/bootstrap.yaml), push the image, deploy again")
	default:
		r.add(check, StatusError, image, fmt.Sprintf("describe image: %v", err), "check that the role may call ecr:DescribeImages")
	}
}

type ecrImage struct {
	registry, repository, tag, digest string
}

func (e ecrImage) id() ecrtypes.ImageIdentifier {
	if e.digest != "" {
		return ecrtypes.ImageIdentifier{ImageDigest: aws.String(e.digest)}
	}
	return ecrtypes.ImageIdentifier{ImageTag: aws.String(e.tag)}
}

// parseECRImage splits <account>.dkr.ecr.<region>.amazonaws.com/repo[:tag|@digest].
func parseECRImage(image string) (ecrImage, bool) {
	host, path, ok := strings.Cut(image, "/")
	if !ok || !strings.Contains(host, ".dkr.ecr.") {
		return ecrImage{}, false
	}
	e := ecrImage{registry: host[:strings.Index(host, ".")]}
	if repo, digest, ok := strings.Cut(path, "@"); ok {
		e.repository, e.digest = repo, digest
		return e, true
	}
	e.repository, e.tag = path, "latest"
	if i := strings.LastIndex(path, ":"); i >= 0 {
		e.repository, e.tag = path[:i], path[i+1:]
	}
	return e, true
}
