package imagetest

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// listPageSize is ListImages' default page size.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ListImages.html
const listPageSize = 100

// modelledNotFound is the typed error the SDK returns for a missing
// repository on the image-listing and deleting operations, which callers
// match with errors.As.
func modelledNotFound(name string) error {
	return &types.RepositoryNotFoundException{Message: aws.String(fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, Account))}
}

// ListImages pages through a repository's images by NextToken, tags sorted;
// with the TAGGED filter, as preview teardown asks, untagged images are
// left out (this fake keeps tagged images only).
func (f *ECR) ListImages(_ context.Context, in *ecr.ListImagesInput, _ ...func(*ecr.Options)) (*ecr.ListImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ListImages"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	r, ok := f.repos[n]
	if !ok {
		return nil, modelledNotFound(n)
	}
	tags := make([]string, 0, len(r.Images))
	for t := range r.Images {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	size := int(aws.ToInt32(in.MaxResults))
	if size <= 0 {
		size = f.ListPageSize
	}
	if size <= 0 {
		size = listPageSize
	}
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	start = min(start, len(tags))
	end := min(start+size, len(tags))
	out := &ecr.ListImagesOutput{}
	for _, t := range tags[start:end] {
		out.ImageIds = append(out.ImageIds, types.ImageIdentifier{ImageTag: aws.String(t), ImageDigest: aws.String(r.Images[t])})
	}
	if end < len(tags) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// BatchDeleteImage deletes images by tag. A missing tag is a per-image
// failure (ImageNotFound), not an error; more than 100 IDs is invalid.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchDeleteImage.html
func (f *ECR) BatchDeleteImage(_ context.Context, in *ecr.BatchDeleteImageInput, _ ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("BatchDeleteImage"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	r, ok := f.repos[n]
	if !ok {
		return nil, modelledNotFound(n)
	}
	if len(in.ImageIds) > 100 {
		return nil, &types.InvalidParameterException{Message: aws.String("1 validation error detected: Value at 'imageIds' failed to satisfy constraint: Member must have length less than or equal to 100")}
	}
	out := &ecr.BatchDeleteImageOutput{}
	for _, id := range in.ImageIds {
		t := aws.ToString(id.ImageTag)
		d, ok := r.Images[t]
		if !ok {
			out.Failures = append(out.Failures, types.ImageFailure{ImageId: &types.ImageIdentifier{ImageTag: id.ImageTag},
				FailureCode: types.ImageFailureCodeImageNotFound, FailureReason: aws.String("Requested image not found")})
			continue
		}
		delete(r.Images, t)
		out.ImageIds = append(out.ImageIds, types.ImageIdentifier{ImageTag: id.ImageTag, ImageDigest: aws.String(d)})
	}
	return out, nil
}
