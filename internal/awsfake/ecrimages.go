package awsfake

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ecrListPageSize is ListImages' default page size.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ListImages.html
const ecrListPageSize = 100

// modelledNotFound is the typed error the SDK returns for a missing
// repository on the image-listing and deleting operations, which callers
// match with errors.As.
func (f *ECR) modelledNotFound(name string) error {
	return &types.RepositoryNotFoundException{Message: aws.String(fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, f.account))}
}

// DescribeImages looks images up by tag or by digest (both given must name
// the same image); an image the repository lacks is ImageNotFoundException
// naming the imageId as ECR prints it, 'null' for the part not given.
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html
func (f *ECR) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeImages"); err != nil {
		return nil, err
	}
	n := aws.ToString(in.RepositoryName)
	r, ok := f.repos[n]
	if !ok {
		return nil, f.notFound(n)
	}
	out := &ecr.DescribeImagesOutput{}
	for _, id := range in.ImageIds {
		d, tags, ok := r.lookup(aws.ToString(id.ImageTag), aws.ToString(id.ImageDigest))
		if !ok {
			return nil, apiError("ImageNotFoundException", fmt.Sprintf("The image with imageId {imageDigest:'%s', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'",
				orNull(aws.ToString(id.ImageDigest)), orNull(aws.ToString(id.ImageTag)), n, f.account))
		}
		out.ImageDetails = append(out.ImageDetails, types.ImageDetail{RepositoryName: aws.String(n), RegistryId: aws.String(f.account), ImageDigest: aws.String(d), ImageTags: tags})
	}
	return out, nil
}

// lookup finds the image of tag or digest: its digest and the tags asked
// for (the tag given, else every tag of the digest, sorted).
func (r *Repo) lookup(tag, digest string) (string, []string, bool) {
	if tag != "" {
		d, ok := r.Images[tag]
		return d, []string{tag}, ok && (digest == "" || digest == d)
	}
	var tags []string
	for t, d := range r.Images {
		if d == digest {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return digest, tags, digest != "" && len(tags) > 0
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
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
		return nil, f.modelledNotFound(n)
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
		size = ecrListPageSize
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
		return nil, f.modelledNotFound(n)
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
