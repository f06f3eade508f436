package stacktest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

const outputsTemplate = `Parameters:
  Host: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  EndpointUrl: {Value: !Sub "https://${Host}"}
  Region: {Value: eu-west-1}
`

// TestStackOutputValues: a value set for one stack wins for that stack
// only, over OutputValues, and other stacks keep theirs.
func TestStackOutputValues(t *testing.T) {
	t.Parallel()
	tpl, err := stack.ParseTemplate("t.yaml", []byte(outputsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	f := New(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
	f.OutputValues["Region"] = "us-east-1"
	f.StackOutputValues["ep-a"] = map[string]string{"EndpointUrl": "http://127.0.0.1:8000", "Region": "eu-central-1"}
	for _, name := range []string{"ep-a", "ep-b"} {
		f.Put(Seed{Name: name, Status: "CREATE_COMPLETE", Template: tpl, Params: map[string]string{"Host": name + ".example.com"}})
	}
	want := map[string]map[string]string{
		"ep-a": {"EndpointUrl": "http://127.0.0.1:8000", "Region": "eu-central-1"},
		"ep-b": {"EndpointUrl": "https://ep-b.example.com", "Region": "us-east-1"},
	}
	got := map[string]map[string]string{}
	for name := range want {
		out, err := f.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		got[name] = map[string]string{}
		for _, o := range out.Stacks[0].Outputs {
			got[name][aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}
