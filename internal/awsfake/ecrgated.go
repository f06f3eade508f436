package awsfake

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// GatedECR is the ECR fake as a role with IAM policies sees it: each call
// is authorized on the repository's ARN (repository/* for
// DescribeRepositories of every repository, * for GetAuthorizationToken,
// which has no resource), and a denial is ECR's AccessDeniedException with
// IAM's "User: … is not authorized to perform: ecr:… on resource: …"
// message.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
type GatedECR struct {
	*ECR
	Gate *iampolicy.Gate
}

func (g *GatedECR) authorize(action, repo string) error {
	arn := "arn:aws:ecr:" + g.region + ":" + g.account + ":repository/" + repo
	if repo == "" {
		arn = "*"
	}
	err := g.Gate.Authorize("ecr:"+action, arn, nil)
	var api smithy.APIError
	if errors.As(err, &api) {
		return apiError("AccessDeniedException", api.ErrorMessage())
	}
	return err
}

// DescribeRepositories authorizes ecr:DescribeRepositories on each
// repository named, or on repository/* when none is.
func (g *GatedECR) DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, o ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	names := in.RepositoryNames
	if len(names) == 0 {
		names = []string{"*"}
	}
	for _, n := range names {
		if err := g.authorize("DescribeRepositories", n); err != nil {
			return nil, err
		}
	}
	return g.ECR.DescribeRepositories(ctx, in, o...)
}

// CreateRepository authorizes ecr:CreateRepository.
func (g *GatedECR) CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, o ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error) {
	if err := g.authorize("CreateRepository", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.CreateRepository(ctx, in, o...)
}

// GetLifecyclePolicy authorizes ecr:GetLifecyclePolicy.
func (g *GatedECR) GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, o ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	if err := g.authorize("GetLifecyclePolicy", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.GetLifecyclePolicy(ctx, in, o...)
}

// PutLifecyclePolicy authorizes ecr:PutLifecyclePolicy.
func (g *GatedECR) PutLifecyclePolicy(ctx context.Context, in *ecr.PutLifecyclePolicyInput, o ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	if err := g.authorize("PutLifecyclePolicy", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.PutLifecyclePolicy(ctx, in, o...)
}

// DescribeImages authorizes ecr:DescribeImages.
func (g *GatedECR) DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, o ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	if err := g.authorize("DescribeImages", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.DescribeImages(ctx, in, o...)
}

// ListImages authorizes ecr:ListImages.
func (g *GatedECR) ListImages(ctx context.Context, in *ecr.ListImagesInput, o ...func(*ecr.Options)) (*ecr.ListImagesOutput, error) {
	if err := g.authorize("ListImages", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.ListImages(ctx, in, o...)
}

// BatchDeleteImage authorizes ecr:BatchDeleteImage.
func (g *GatedECR) BatchDeleteImage(ctx context.Context, in *ecr.BatchDeleteImageInput, o ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error) {
	if err := g.authorize("BatchDeleteImage", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return g.ECR.BatchDeleteImage(ctx, in, o...)
}

// GetAuthorizationToken authorizes ecr:GetAuthorizationToken on *.
func (g *GatedECR) GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, o ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	if err := g.authorize("GetAuthorizationToken", ""); err != nil {
		return nil, err
	}
	return g.ECR.GetAuthorizationToken(ctx, in, o...)
}
