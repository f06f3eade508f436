package awsfake_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

// pullPolicy lets a role read the suite's repositories and log in, and
// nothing else.
const pullPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["ecr:DescribeImages","ecr:ListImages"],"Resource":"arn:aws:ecr:eu-west-1:123456789012:repository/ecs-mlops/*"},
 {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`

// TestRoleAuthorizesECR: ECR calls are authorized on the repository's ARN
// (repository/* when listing every repository, * for the token) and a
// denial is AccessDeniedException with IAM's message.
func TestRoleAuthorizesECR(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := awsfake.NewAccount(clock.NewFake(start))
	a.ECR.AddRepo("ecs-mlops/endpoint", types.ImageTagMutabilityImmutable)
	a.ECR.AddRepo("other", types.ImageTagMutabilityMutable)
	if err := a.ECR.Push("ecs-mlops/endpoint", "v1", "sha256:abc"); err != nil {
		t.Fatal(err)
	}
	const principal = "arn:aws:sts::123456789012:assumed-role/ecs-mlops-doctor/run-1"
	gate, err := iampolicy.NewGate(principal, pullPolicy)
	if err != nil {
		t.Fatal(err)
	}
	role := a.As(gate)
	denied := func(action, resource string) string {
		return "AccessDeniedException: User: " + principal + " is not authorized to perform: ecr:" + action + " on resource: " + resource + " because no identity-based policy allows the ecr:" + action + " action"
	}
	repo := func(name string) string { return "arn:aws:ecr:eu-west-1:123456789012:repository/" + name }
	calls := []struct {
		name, wantErr string
		call          func() error
	}{
		{"describe an image of the suite", "", func() error {
			_, err := role.ECR.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("ecs-mlops/endpoint"), ImageIds: []types.ImageIdentifier{{ImageDigest: aws.String("sha256:abc")}}})
			return err
		}},
		{"list another repository", denied("ListImages", repo("other")), func() error {
			_, err := role.ECR.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("other")})
			return err
		}},
		{"list every repository", denied("DescribeRepositories", repo("*")), func() error {
			_, err := role.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
			return err
		}},
		{"delete an image", denied("BatchDeleteImage", repo("ecs-mlops/endpoint")), func() error {
			_, err := role.ECR.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("ecs-mlops/endpoint"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("v1")}}})
			return err
		}},
		{"log in", "", func() error {
			_, err := role.ECR.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
			return err
		}},
	}
	for _, c := range calls {
		if got := apiErr(c.call()); got != c.wantErr {
			t.Errorf("%s: error = %q, want %q", c.name, got, c.wantErr)
		}
	}
	if diff := cmp.Diff([]string{"v1"}, a.ECR.Tags("ecs-mlops/endpoint")); diff != "" {
		t.Errorf("tags after a denied delete (-want +got):\n%s", diff)
	}
	var asked []string
	for _, r := range gate.Calls() {
		asked = append(asked, r.Action+" "+r.Resource)
	}
	want := []string{
		"ecr:DescribeImages " + repo("ecs-mlops/endpoint"),
		"ecr:ListImages " + repo("other"),
		"ecr:DescribeRepositories " + repo("*"),
		"ecr:BatchDeleteImage " + repo("ecs-mlops/endpoint"),
		"ecr:GetAuthorizationToken *",
	}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("authorized (-want +got):\n%s", diff)
	}
}
