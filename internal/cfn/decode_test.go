package cfn_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"duplicate key", "Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", `line 3: Resources: key "A" appears twice`},
		{"duplicate JSON key", `{"Resources": {"A": {}}, "Resources": {}}`, `key "Resources" appears twice`},
		{"alias", "A: &x {Type: X}\nB: *x\n", "line 2: YAML anchors and aliases are not supported"},
		{"merge key", "A: &x {Type: X}\nB:\n  <<: *x\n", "line 3: YAML merge keys (<<) are not supported"},
		{"unknown tag", "A: !Reference B\n", "line 1: A: unknown tag !Reference; CloudFormation knows !And"},
		{"GetAtt without attribute", "A: !GetAtt Bucket\n", `!GetAtt "Bucket" must be Resource.Attribute`},
		{"two documents", "A: 1\n---\nB: 2\n", "want exactly one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := cfn.Decode([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode(%q) = %v, want an error containing %q", tc.doc, err, tc.want)
			}
		})
	}
}

func TestDecodeValuesAndLines(t *testing.T) {
	t.Parallel()
	tree, err := cfn.Decode([]byte(`Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Count: 3
      Ratio: 0.5
      On: true
      Name: !Sub "${AWS::StackName}-b"
      Arn: !GetAtt Role.Arn
      Zones: [!Select [0, !GetAZs ""]]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Resources": map[string]any{"Bucket": map[string]any{
		"Type": "AWS::S3::Bucket",
		"Properties": map[string]any{
			"Count": int64(3), "Ratio": 0.5, "On": true,
			"Name":  map[string]any{"Fn::Sub": "${AWS::StackName}-b"},
			"Arn":   map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}},
			"Zones": []any{map[string]any{"Fn::Select": []any{int64(0), map[string]any{"Fn::GetAZs": ""}}}},
		},
	}}}
	if diff := cmp.Diff(want, tree.Value); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	lines := map[string]int{}
	for _, p := range []string{"Resources", "Resources.Bucket.Type", "Resources.Bucket.Properties.Arn", "Resources.Bucket.Properties.Zones[0]", "Resources.Bucket.Properties.Zones[0].Fn::Select[1]", "Nowhere"} {
		lines[p] = tree.Line(p)
	}
	wantLines := map[string]int{"Resources": 1, "Resources.Bucket.Type": 3, "Resources.Bucket.Properties.Arn": 9, "Resources.Bucket.Properties.Zones[0]": 10, "Resources.Bucket.Properties.Zones[0].Fn::Select[1]": 10, "Nowhere": 0}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestDecodeEmpty(t *testing.T) {
	t.Parallel()
	tree, err := cfn.Decode([]byte("# nothing\n"))
	if err != nil || tree.Value != nil {
		t.Fatalf("Decode(comment only) = %v, %v; want nil value, no error", tree, err)
	}
}

func TestScalarString(t *testing.T) {
	t.Parallel()
	got := []string{cfn.ScalarString(nil), cfn.ScalarString("a,b"), cfn.ScalarString(int64(8000)), cfn.ScalarString(1e6), cfn.ScalarString(0.25), cfn.ScalarString(false)}
	want := []string{"", "a,b", "8000", "1000000", "0.25", "false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
