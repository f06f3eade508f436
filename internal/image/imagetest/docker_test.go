package imagetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/proc"
)

// TestDigestPerBuild: with Digest set, each pushed tag gets its own digest,
// in the registry and in the metadata file the build reads it from.
func TestDigestPerBuild(t *testing.T) {
	t.Parallel()
	reg := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	reg.AddRepo("app", types.ImageTagMutabilityImmutable)
	d := &Docker{ECR: reg, Digest: func(ref string) string {
		return map[string]string{
			awsfake.DefaultRegistry + "/app:one": "sha256:" + strings.Repeat("1", 64),
			awsfake.DefaultRegistry + "/app:two": "sha256:" + strings.Repeat("2", 64),
		}[ref]
	}}
	ctx := context.Background()
	if err := d.Run(ctx, proc.Cmd{Name: "docker", Args: []string{"login", "--username", "AWS", "--password-stdin", awsfake.DefaultRegistry}, Stdin: strings.NewReader(awsfake.ECRPassword)}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range []string{"one", "two"} {
		meta := filepath.Join(t.TempDir(), "metadata.json")
		args := []string{"buildx", "build", "--tag", awsfake.DefaultRegistry + "/app:" + tag, "--metadata-file", meta, "--push", "."}
		if err := d.Run(ctx, proc.Cmd{Name: "docker", Args: args}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(meta)
		if err != nil {
			t.Fatal(err)
		}
		digest, err := image.ParseMetadata(data)
		if err != nil {
			t.Fatal(err)
		}
		if stored := reg.Repo("app").Images[tag]; stored != digest {
			t.Errorf("tag %s: registry has %s, metadata file says %s", tag, stored, digest)
		}
		got[tag] = digest
	}
	want := map[string]string{"one": "sha256:" + strings.Repeat("1", 64), "two": "sha256:" + strings.Repeat("2", 64)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
}

// TestImagesListAndDelete: images list in pages and delete by tag; a tag
// that is gone is a per-image failure; a missing repository is the SDK's
// typed RepositoryNotFoundException.
func TestImagesListAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount)
	reg.AddRepo("app", types.ImageTagMutabilityImmutable)
	for _, tag := range []string{"pr-2-a", "pr-2-b", "main"} {
		if err := reg.Push("app", tag, "sha256:"+strings.Repeat("a", 64)); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	p := ecr.NewListImagesPaginator(reg, &ecr.ListImagesInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range page.ImageIds {
			listed = append(listed, aws.ToString(id.ImageTag))
		}
	}
	if diff := cmp.Diff([]string{"main", "pr-2-a", "pr-2-b"}, listed); diff != "" {
		t.Errorf("listed tags (-want +got):\n%s", diff)
	}
	out, err := reg.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("app"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("pr-2-a")}, {ImageTag: aws.String("pr-2-gone")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ImageIds) != 1 || len(out.Failures) != 1 || out.Failures[0].FailureCode != types.ImageFailureCodeImageNotFound {
		t.Errorf("BatchDeleteImage = %+v, want one deleted and one ImageNotFound failure", out)
	}
	if diff := cmp.Diff(map[string]string{"main": "sha256:" + strings.Repeat("a", 64), "pr-2-b": "sha256:" + strings.Repeat("a", 64)}, reg.Repo("app").Images); diff != "" {
		t.Errorf("images left (-want +got):\n%s", diff)
	}
	var notFound *types.RepositoryNotFoundException
	if _, err := reg.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("nope")}); !errors.As(err, &notFound) {
		t.Errorf("ListImages on a missing repository: %v, want RepositoryNotFoundException", err)
	}
}
