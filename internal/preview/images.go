package preview

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ECRAPI is the part of ECR teardown needs.
type ECRAPI interface {
	ListImages(ctx context.Context, params *ecr.ListImagesInput, optFns ...func(*ecr.Options)) (*ecr.ListImagesOutput, error)
	BatchDeleteImage(ctx context.Context, params *ecr.BatchDeleteImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error)
}

// batchDeleteLimit is BatchDeleteImage's maximum of image IDs per call.
const batchDeleteLimit = 100

// Images removes a pull request's images from the ECR repository.
type Images struct {
	ECR        ECRAPI
	Repository string
}

// DeleteTagged deletes every image with a tag starting with prefix and
// returns the tags deleted. A missing repository or image is not an error:
// teardown must be repeatable.
func (im *Images) DeleteTagged(ctx context.Context, prefix string) ([]string, error) {
	var ids []types.ImageIdentifier
	p := ecr.NewListImagesPaginator(im.ECR, &ecr.ListImagesInput{
		RepositoryName: aws.String(im.Repository),
		Filter:         &types.ListImagesFilter{TagStatus: types.TagStatusTagged},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		var notFound *types.RepositoryNotFoundException
		if errors.As(err, &notFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list images of repository %q: %w", im.Repository, err)
		}
		for _, id := range page.ImageIds {
			if strings.HasPrefix(aws.ToString(id.ImageTag), prefix) {
				// By tag, not digest: a digest shared with another tag
				// would take that tag's image away too.
				ids = append(ids, types.ImageIdentifier{ImageTag: id.ImageTag})
			}
		}
	}
	var deleted []string
	for len(ids) > 0 {
		n := min(len(ids), batchDeleteLimit)
		out, err := im.ECR.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String(im.Repository), ImageIds: ids[:n]})
		if err != nil {
			return deleted, fmt.Errorf("delete images %s* from repository %q: %w", prefix, im.Repository, err)
		}
		for _, id := range out.ImageIds {
			deleted = append(deleted, aws.ToString(id.ImageTag))
		}
		if err := failures(out.Failures); err != nil {
			return deleted, fmt.Errorf("delete images %s* from repository %q: %w", prefix, im.Repository, err)
		}
		ids = ids[n:]
	}
	return deleted, nil
}

// failures joins BatchDeleteImage's per-image failures, ignoring images that
// are already gone (a concurrent teardown).
func failures(fs []types.ImageFailure) error {
	var errs []error
	for _, f := range fs {
		if f.FailureCode == types.ImageFailureCodeImageNotFound || f.FailureCode == types.ImageFailureCodeImageTagDoesNotMatchDigest {
			continue
		}
		tag := ""
		if f.ImageId != nil {
			tag = aws.ToString(f.ImageId.ImageTag)
		}
		errs = append(errs, fmt.Errorf("image %s: %s: %s", tag, f.FailureCode, aws.ToString(f.FailureReason)))
	}
	return errors.Join(errs...)
}
