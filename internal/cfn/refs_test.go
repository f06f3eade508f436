package cfn_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

func TestRefs(t *testing.T) {
	t.Parallel()
	tree, err := cfn.Decode([]byte(`
Name: !Sub "${Prefix}-${AWS::Region}-${!Literal}"
Arn: !GetAtt Role.Arn
Both: !Sub ["${Local}-${Bucket.Arn}", {Local: !Ref Other}]
Id: {Ref: Bucket, Extra: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []cfn.Ref{
		{Path: "Arn.Fn::GetAtt", Name: "Role", Attr: "Arn"},
		{Path: "Both.Fn::Sub", Name: "Bucket", Attr: "Arn"},
		{Path: "Both.Fn::Sub[1].Local.Ref", Name: "Other"},
		{Path: "Name.Fn::Sub", Name: "Prefix"},
		{Path: "Name.Fn::Sub", Name: "AWS::Region"},
	}
	if diff := cmp.Diff(want, cfn.Refs(tree.Value, "")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	vals := map[string]string{"Name": "ep-a", "AWS::Region": "eu-west-1"}
	lookup := func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
	for _, tc := range []struct {
		in, want string
		known    bool
	}{
		{"${Name}-${ AWS::Region }", "ep-a-eu-west-1", true},
		{"${!Name} is literal", "${Name} is literal", true},
		{"${Name}-${Bucket.Arn}", "ep-a-", false},
		{"no variables ${}", "no variables ${}", true},
	} {
		got, known := cfn.Substitute(tc.in, lookup)
		if diff := cmp.Diff([]any{tc.want, tc.known}, []any{got, known}); diff != "" {
			t.Errorf("Substitute(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	if diff := cmp.Diff([]string{"Name", "Bucket.Arn"}, cfn.SubVars("${Name}${!Esc}${ Bucket.Arn }")); diff != "" {
		t.Errorf("SubVars (-want +got):\n%s", diff)
	}
}
