package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// A preview environment's stack deployed with mlops deploy --pr carries
// exactly the tags preview up gives it, so preview down removes it and
// preview gc sees it.
func TestDeployPreviewStackTags(t *testing.T) {
	t.Parallel()
	const commit = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	j := newPreviewJob(t, previewConfig(t, ""), "push", "push.0.json")
	cfn := j.cfn
	cfn.OutputValues = map[string]string{"HttpsListenerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"}
	tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
	must(t, err)
	cfn.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint-preview@sha256:" + strings.Repeat("ab", 32)
	if code := j.run(t, "deploy", "--env", "ep-b", "--pr", "7", "--sha", commit, "--image", image, "--param", "ListenerRulePriority=106"); code != ExitOK {
		t.Fatalf("deploy exit %d; stderr:\n%s", code, j.stderr.String())
	}
	out, err := cfn.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-b-pr-7")})
	must(t, err)
	got := map[string]string{}
	for _, tg := range out.Stacks[0].Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	want := map[string]string{"mlops:preview": "true", "mlops:pr": "7", "mlops:environment": "ep-b", "mlops:commit": commit}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stack tags (-want +got):\n%s", diff)
	}
	cfg, err := config.Load(j.env["MLOPS_CONFIG"])
	must(t, err)
	names, err := preview.NamesFor(cfg.PreviewEnv(), 7)
	must(t, err)
	if diff := cmp.Diff(names.StackTags(commit), got); diff != "" {
		t.Errorf("tags differ from preview up's (-up +deploy):\n%s", diff)
	}
	j.stdout.Reset()
	if code := j.run(t, "preview", "down", "--pr", "7"); code != ExitOK {
		t.Fatalf("preview down exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if got := strings.TrimSpace(j.stdout.String()); got != "Removed stack ep-b-pr-7, 0 image(s) and 0 deployment(s)." {
		t.Errorf("preview down stdout = %q", got)
	}
	if _, ok := cfn.Stack("ep-b-pr-7"); ok {
		t.Error("stack ep-b-pr-7 still exists after preview down")
	}
}
