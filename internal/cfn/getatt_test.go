package cfn

import (
	"slices"
	"strings"
	"testing"
)

func TestUnsupported(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ, attr string
		want      bool
	}{
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName", false},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", "DnsName", true},
		{"AWS::IAM::Role", "Name", true},
		{"AWS::S3::Bucket", "MetadataTableConfiguration.S3TablesDestination.TableArn", false}, // dotted: not listed, not checked
		{"AWS::RDS::DBInstance", "Endpoint.Address", false},                                   // type not listed
		{"Custom::Thing", "Anything", false},
		{"AWS::IAM::Role", "", false},
	} {
		if got := Unsupported(tc.typ, tc.attr); got != tc.want {
			t.Errorf("Unsupported(%s, %q) = %v, want %v", tc.typ, tc.attr, got, tc.want)
		}
	}
	if got, want := Explain("LB", "AWS::ElasticLoadBalancingV2::LoadBalancer", "DnsName"), `LB (AWS::ElasticLoadBalancingV2::LoadBalancer) has no attribute "DnsName" for Fn::GetAtt; did you mean DNSName? (attributes: CanonicalHostedZoneID, DNSName, LoadBalancerArn, LoadBalancerFullName, LoadBalancerName, SecurityGroups)`; got != want {
		t.Errorf("Explain = %q\nwant      %q", got, want)
	}
}

// TestTableShape: each list is sorted, without duplicates or dotted names,
// and every type is an AWS:: type.
func TestTableShape(t *testing.T) {
	t.Parallel()
	for typ, attrs := range getAttributes {
		if !strings.HasPrefix(typ, "AWS::") || strings.Count(typ, "::") != 2 {
			t.Errorf("%q is not a resource type name", typ)
		}
		if !slices.IsSorted(attrs) || len(slices.Compact(slices.Clone(attrs))) != len(attrs) || len(attrs) == 0 {
			t.Errorf("%s: attributes %v are not sorted, unique and non-empty", typ, attrs)
		}
		for _, a := range attrs {
			if strings.Contains(a, ".") {
				t.Errorf("%s: dotted attribute %s is listed; dotted ones are not checked", typ, a)
			}
		}
	}
}
