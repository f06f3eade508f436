package previewtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecs-mlops/ecs-mlops/internal/preview"
)

var _ preview.ECRAPI = (*ECR)(nil)

// ECR is one repository's tags (tag → digest). A nil repository answers
// RepositoryNotFoundException.
type ECR struct {
	mu   sync.Mutex
	Repo string
	tags map[string]string
	// PageSize caps ListImages pages.
	PageSize int
}

// NewECR returns a fake repository named repo holding tags.
func NewECR(repo string, tags ...string) *ECR {
	f := &ECR{Repo: repo, tags: map[string]string{}, PageSize: 2}
	for _, t := range tags {
		f.Push(t)
	}
	return f
}

// Push adds an image with tag.
func (f *ECR) Push(tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tags[tag] = fmt.Sprintf("sha256:%064d", len(f.tags)+1)
}

// Tags returns the repository's tags, sorted.
func (f *ECR) Tags() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.tags))
}

func (f *ECR) check(repo string) error {
	if repo != f.Repo {
		return &types.RepositoryNotFoundException{Message: aws.String(fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '123456789012'", repo))}
	}
	return nil
}

// ListImages pages through the tagged images by NextToken.
func (f *ECR) ListImages(_ context.Context, in *ecr.ListImagesInput, _ ...func(*ecr.Options)) (*ecr.ListImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	tags := slices.Sorted(maps.Keys(f.tags))
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	end := min(start+f.PageSize, len(tags))
	out := &ecr.ListImagesOutput{}
	for _, t := range tags[start:end] {
		out.ImageIds = append(out.ImageIds, types.ImageIdentifier{ImageTag: aws.String(t), ImageDigest: aws.String(f.tags[t])})
	}
	if end < len(tags) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// BatchDeleteImage deletes by tag; a missing tag is a per-image failure
// (ImageNotFound), not an error, as in ECR. More than 100 IDs is invalid.
func (f *ECR) BatchDeleteImage(_ context.Context, in *ecr.BatchDeleteImageInput, _ ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	if len(in.ImageIds) > 100 {
		return nil, &types.InvalidParameterException{Message: aws.String("imageIds: Member must have length less than or equal to 100")}
	}
	out := &ecr.BatchDeleteImageOutput{}
	for _, id := range in.ImageIds {
		t := aws.ToString(id.ImageTag)
		d, ok := f.tags[t]
		if !ok {
			out.Failures = append(out.Failures, types.ImageFailure{ImageId: &types.ImageIdentifier{ImageTag: id.ImageTag}, FailureCode: types.ImageFailureCodeImageNotFound, FailureReason: aws.String("Requested image not found")})
			continue
		}
		delete(f.tags, t)
		out.ImageIds = append(out.ImageIds, types.ImageIdentifier{ImageTag: id.ImageTag, ImageDigest: aws.String(d)})
	}
	sort.Slice(out.ImageIds, func(i, j int) bool {
		return aws.ToString(out.ImageIds[i].ImageTag) < aws.ToString(out.ImageIds[j].ImageTag)
	})
	return out, nil
}
