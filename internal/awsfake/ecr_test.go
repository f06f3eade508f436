package awsfake_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
)

// TestListAndDeleteImages: ListImages pages by ListPageSize, a missing tag
// is a per-image failure and a missing repository the modelled error.
func TestListAndDeleteImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	f.AddRepo("models", types.ImageTagMutabilityMutable)
	f.ListPageSize = 2
	for _, tag := range []string{"c", "a", "b"} {
		if err := f.PushTag("models", tag); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	p := ecr.NewListImagesPaginator(f, &ecr.ListImagesInput{RepositoryName: aws.String("models")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, id := range out.ImageIds {
			page = append(page, aws.ToString(id.ImageTag))
		}
		pages = append(pages, page)
	}
	if diff := cmp.Diff([][]string{{"a", "b"}, {"c"}}, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	// A caller's MaxResults bounds a page as well.
	if out, err := f.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("models"), MaxResults: aws.Int32(1)}); err != nil || len(out.ImageIds) != 1 || out.NextToken == nil {
		t.Errorf("ListImages with MaxResults 1 = %+v, %v; want one image and a NextToken", out, err)
	}
	out, err := f.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("models"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("a")}, {ImageTag: aws.String("zz")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ImageIds) != 1 || len(out.Failures) != 1 || out.Failures[0].FailureCode != types.ImageFailureCodeImageNotFound {
		t.Errorf("BatchDeleteImage = %+v, want a deleted and zz ImageNotFound", out)
	}
	if diff := cmp.Diff([]string{"b", "c"}, f.Tags("models")); diff != "" {
		t.Errorf("tags left (-want +got):\n%s", diff)
	}
	_, err = f.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("other")})
	var nf *types.RepositoryNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("ListImages of a missing repository = %v, want RepositoryNotFoundException", err)
	}
}

// TestDescribeImages: an image is found by tag or by digest (with every
// tag of the digest); a missing one is ImageNotFoundException with ECR's
// imageId text, 'null' for the part not asked.
func TestDescribeImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	f.AddRepo("app", types.ImageTagMutabilityMutable)
	for _, tag := range []string{"v2", "v1"} {
		if err := f.Push("app", tag, "sha256:abc"); err != nil {
			t.Fatal(err)
		}
	}
	missing := func(digest, tag string) string {
		return "ImageNotFoundException: The image with imageId {imageDigest:'" + digest + "', imageTag:'" + tag + "'} does not exist within the repository with name 'app' in the registry with id '123456789012'"
	}
	for _, tc := range []struct {
		name, tag, digest string
		wantTags          []string
		wantErr           string
	}{
		{name: "by tag", tag: "v1", wantTags: []string{"v1"}},
		{name: "by digest", digest: "sha256:abc", wantTags: []string{"v1", "v2"}},
		{name: "tag and its digest", tag: "v2", digest: "sha256:abc", wantTags: []string{"v2"}},
		{name: "missing tag", tag: "v3", wantErr: missing("null", "v3")},
		{name: "missing digest", digest: "sha256:def", wantErr: missing("sha256:def", "null")},
		{name: "tag of another digest", tag: "v1", digest: "sha256:def", wantErr: missing("sha256:def", "v1")},
	} {
		out, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"),
			ImageIds: []types.ImageIdentifier{{ImageTag: nonEmpty(tc.tag), ImageDigest: nonEmpty(tc.digest)}}})
		if got := apiErr(err); got != tc.wantErr {
			t.Errorf("%s: error = %q, want %q", tc.name, got, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		d := out.ImageDetails[0]
		if diff := cmp.Diff(tc.wantTags, d.ImageTags); diff != "" || aws.ToString(d.ImageDigest) != "sha256:abc" {
			t.Errorf("%s: digest %s, tags (-want +got):\n%s", tc.name, aws.ToString(d.ImageDigest), diff)
		}
	}
	_, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("gone")})
	if got, want := apiErr(err), "RepositoryNotFoundException: The repository with name 'gone' does not exist in the registry with id '123456789012'"; got != want {
		t.Errorf("missing repository: error = %q, want %q", got, want)
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
