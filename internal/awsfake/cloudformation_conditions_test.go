package awsfake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

const conditionalTemplate = `Parameters:
  CreateProvider: {Type: String, Default: "true"}
Conditions:
  MakeProvider: !Equals [!Ref CreateProvider, "true"]
  NoProvider: !Not [!Condition MakeProvider]
Resources:
  Provider: {Type: AWS::IAM::OIDCProvider, Condition: MakeProvider}
  Role: {Type: AWS::IAM::Role}
Outputs:
  Federated: {Value: !If [MakeProvider, !Ref Provider, existing]}
`

// changeSet creates and executes a change set with the given parameter
// and returns its changes as "Action LogicalId".
func changeSet(t *testing.T, f *CloudFormation, clk *clock.Fake, typ types.ChangeSetType, create string) []string {
	t.Helper()
	ctx := context.Background()
	tpl, err := cfn.ParseTemplate("t.yaml", []byte(conditionalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	name := "cs-" + create
	if _, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("boot"), ChangeSetName: aws.String(name), ChangeSetType: typ,
		TemplateBody: aws.String(string(tpl.Body)), Parameters: []types.Parameter{{ParameterKey: aws.String("CreateProvider"), ParameterValue: aws.String(create)}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	cs, err := f.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String("boot"), ChangeSetName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs.Changes {
		got = append(got, string(c.ResourceChange.Action)+" "+aws.ToString(c.ResourceChange.LogicalResourceId))
	}
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String("boot"), ChangeSetName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	return got
}

// TestConditions: a resource whose Condition is false is not created, is
// added when the condition turns true and removed when it turns false
// again; Fn::If picks its branch by the condition.
func TestConditions(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := NewCloudFormation(clk)
	f.OutputValues = map[string]string{}
	steps := []struct {
		typ       types.ChangeSetType
		create    string
		changes   []string
		resources []string
		federated string
	}{
		{types.ChangeSetTypeCreate, "false", []string{"Add Role"}, []string{"Role"}, "existing"},
		{types.ChangeSetTypeUpdate, "true", []string{"Add Provider"}, []string{"Provider", "Role"}, "arn:aws:iam::123456789012:oidc-provider/"},
		{types.ChangeSetTypeUpdate, "false", []string{"Remove Provider"}, []string{"Role"}, "existing"},
	}
	for _, s := range steps {
		if diff := cmp.Diff(s.changes, changeSet(t, f, clk, s.typ, s.create)); diff != "" {
			t.Errorf("CreateProvider=%s: changes (-want +got):\n%s", s.create, diff)
		}
		res, err := f.DescribeStackResources(context.Background(), &cloudformation.DescribeStackResourcesInput{StackName: aws.String("boot")})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range res.StackResources {
			if r.ResourceStatus != types.ResourceStatusDeleteComplete {
				ids = append(ids, aws.ToString(r.LogicalResourceId))
			}
		}
		if diff := cmp.Diff(s.resources, ids); diff != "" {
			t.Errorf("CreateProvider=%s: resources (-want +got):\n%s", s.create, diff)
		}
		st, ok := f.Stack("boot")
		if !ok || len(st.Outputs) != 1 || !strings.HasPrefix(aws.ToString(st.Outputs[0].OutputValue), s.federated) {
			t.Errorf("CreateProvider=%s: outputs %v (ok %v), want Federated starting %q", s.create, st.Outputs, ok, s.federated)
		}
	}
}
