package stack_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestBaseOutputsFillParameters: the base stack's outputs fill the
// parameters of their name, below the parameter file and --param; outputs
// the template does not declare are ignored.
func TestBaseOutputsFillParameters(t *testing.T) {
	t.Parallel()
	tpl, err := cfn.ParseTemplate("b.yaml", []byte(`Parameters:
  VpcId: {Type: String}
  ClusterName: {Type: String}
  ContainerName: {Type: String}
Resources:
  T: {Type: AWS::SNS::Topic}
`))
	if err != nil {
		t.Fatal(err)
	}
	file := &cfn.ParamFile{Path: "b.json", Values: map[string]string{"ContainerName": "endpoint"}}
	base := &stack.BaseOutputs{Stack: "ep-a", Outputs: map[string]string{"VpcId": "vpc-1", "ClusterName": "a", "ContainerName": "endpoint-a", "AlbDnsName": "x"}}
	p, err := stack.Resolve(stack.Inputs{Template: tpl, File: file, Overrides: []string{"ClusterName=mine"}, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"VpcId": "vpc-1", "ClusterName": "mine", "ContainerName": "endpoint"}, p.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if p.Source["VpcId"] != "output of stack ep-a" {
		t.Errorf("VpcId comes from %q", p.Source["VpcId"])
	}
	if _, err := stack.Resolve(stack.Inputs{Template: tpl, File: file}); err == nil {
		t.Error("without the base outputs VpcId and ClusterName are missing, but Resolve passed")
	}
}
