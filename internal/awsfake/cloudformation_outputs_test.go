package awsfake

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
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
	tpl, err := cfn.ParseTemplate("t.yaml", []byte(outputsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	f := NewCloudFormation(clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
	f.OutputValues["Region"] = "us-east-1"
	f.StackOutputValues["ep-a"] = map[string]string{"EndpointUrl": "http://127.0.0.1:8000", "Region": "eu-central-1"}
	for _, name := range []string{"ep-a", "ep-b"} {
		f.Put(StackSeed{Name: name, Status: "CREATE_COMPLETE", Template: tpl, Params: map[string]string{"Host": name + ".example.com"}})
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

const (
	baseTemplate = `Resources:
  Listener: {Type: AWS::ElasticLoadBalancingV2::Listener}
Outputs:
  ListenerArn:
    Value: !Ref Listener
    Export: {Name: !Sub "${AWS::StackName}-ListenerArn"}
`
	childTemplate = `Parameters:
  Base: {Type: String}
  Priority: {Type: Number}
Resources:
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: {"Fn::ImportValue": !Sub "${Base}-ListenerArn"}
      Priority: !Ref Priority
`
)

// TestResourcePropertyAndDeletion: a property is what CloudFormation
// passes, imports resolved from the exporting stack; deleting the stack
// reports each resource gone.
func TestResourcePropertyAndDeletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := NewCloudFormation(clk)
	var deleted []string
	f.OnResourceDeleted = func(stackName string, r types.StackResource) {
		deleted = append(deleted, stackName+"/"+aws.ToString(r.LogicalResourceId)+" "+string(r.ResourceStatus))
	}
	for _, s := range []struct{ name, body string }{{"base", baseTemplate}, {"child", childTemplate}} {
		tpl, err := cfn.ParseTemplate(s.name+".yaml", []byte(s.body))
		if err != nil {
			t.Fatal(err)
		}
		f.Put(StackSeed{Name: s.name, Status: "CREATE_COMPLETE", Template: tpl, Params: map[string]string{"Base": "base", "Priority": "101"}})
	}
	out, err := f.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("base")})
	if err != nil {
		t.Fatal(err)
	}
	listener := aws.ToString(out.Stacks[0].Outputs[0].OutputValue)
	got := []string{f.ResourceProperty("child", "Rule", "ListenerArn"), f.ResourceProperty("child", "Rule", "Priority"), f.ResourceProperty("child", "Nope", "Priority")}
	if diff := cmp.Diff([]string{listener, "101", ""}, got); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("child")}); err != nil {
		t.Fatal(err)
	}
	if err := clk.Sleep(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	if s := f.Status("child"); s != "" {
		t.Fatalf("child status %s after its deletion, want it gone", s)
	}
	if diff := cmp.Diff([]string{"child/Rule DELETE_COMPLETE"}, deleted); diff != "" {
		t.Errorf("deletions reported (-want +got):\n%s", diff)
	}
}
