package imagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"
)

// TestListAndDeleteImages: ListImages pages by ListPageSize, a missing tag
// is a per-image failure and a missing repository the modelled error.
func TestListAndDeleteImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := NewECR()
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
