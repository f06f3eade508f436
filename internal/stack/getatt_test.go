package stack_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestReadTemplateChecksGetAttAttributes: a template asking a resource for
// an attribute its type does not return is refused when it is read, before
// any AWS call, with where, what and the nearest real attribute; dotted
// attributes and types without a known list pass, as do the real ones.
func TestReadTemplateChecksGetAttAttributes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.yaml")
	body := `Resources:
  LB: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
  Role: {Type: AWS::IAM::Role}
  Db: {Type: AWS::RDS::DBInstance}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      Tags: [{Key: lb, Value: !Sub "${LB.DNSName}/${Role.Name}"}]
Outputs:
  Dns: {Value: !GetAtt LB.DnsName}
  Zone: {Value: !GetAtt LB.CanonicalHostedZoneID}
  DbHost: {Value: !GetAtt Db.Endpoint.Address}
  Arn: {Value: !GetAtt Role.Arn}
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := stack.ReadTemplate(path)
	want := path + `: Resources.Group.Properties.Tags[0].Value: Role (AWS::IAM::Role) has no attribute "Name" for Fn::GetAtt (attributes: Arn, RoleId)` + "\n" +
		path + `: Outputs.Dns.Value: LB (AWS::ElasticLoadBalancingV2::LoadBalancer) has no attribute "DnsName" for Fn::GetAtt; did you mean DNSName? (attributes: CanonicalHostedZoneID, DNSName, LoadBalancerArn, LoadBalancerFullName, LoadBalancerName, SecurityGroups)`
	if err == nil {
		t.Fatal("ReadTemplate accepted unsupported attributes")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(path, []byte("Resources:\n  LB: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}\nOutputs:\n  Dns: {Value: !GetAtt LB.DNSName}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := stack.ReadTemplate(path); err != nil {
		t.Errorf("ReadTemplate refused a valid attribute: %v", err)
	}
}
