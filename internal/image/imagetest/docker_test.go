package imagetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
