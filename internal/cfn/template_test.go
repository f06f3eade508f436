package cfn_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

func TestTemplateShortFormIntrinsics(t *testing.T) {
	t.Parallel()
	tpl, err := cfn.ParseTemplate("t.yaml", []byte(`
Parameters:
  Name: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Name, prod]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Name}-${AWS::Region}"
      Tags:
        - Key: arn
          Value: !GetAtt Role.Arn
        - Key: joined
          Value: !Join ["-", [!Ref Name, !Select [0, !GetAZs ""]]]
        - Key: cond
          Value: !If [IsProd, yes, !Ref "AWS::NoValue"]
        - Key: imported
          Value: !ImportValue
            Fn::Sub: "${Name}-vpc"
        - Key: b64
          Value: !Base64 |
            #!/bin/sh
            echo hi
Outputs:
  Name:
    Value: !GetAtt [Bucket, Arn]
`))
	if err != nil {
		t.Fatal(err)
	}
	props := tpl.Resources["Bucket"].Properties
	if diff := cmp.Diff(map[string]any{"Fn::Sub": "${Name}-${AWS::Region}"}, props["BucketName"]); diff != "" {
		t.Errorf("!Sub (-want +got):\n%s", diff)
	}
	tags := props["Tags"].([]any)
	wantTags := []any{
		map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}},
		map[string]any{"Fn::Join": []any{"-", []any{map[string]any{"Ref": "Name"}, map[string]any{"Fn::Select": []any{int64(0), map[string]any{"Fn::GetAZs": ""}}}}}},
		map[string]any{"Fn::If": []any{"IsProd", "yes", map[string]any{"Ref": "AWS::NoValue"}}},
		map[string]any{"Fn::ImportValue": map[string]any{"Fn::Sub": "${Name}-vpc"}},
		map[string]any{"Fn::Base64": "#!/bin/sh\necho hi\n"},
	}
	for i, w := range wantTags {
		if diff := cmp.Diff(w, tags[i].(map[string]any)["Value"]); diff != "" {
			t.Errorf("tag %d (-want +got):\n%s", i, diff)
		}
	}
	if diff := cmp.Diff(map[string]any{"Fn::GetAtt": []any{"Bucket", "Arn"}}, tpl.Outputs["Name"].Value); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// TestTemplateDecodedLikeTheChecks: the deploy engine refuses what the
// template checks refuse (and CloudFormation refuses), before any call.
func TestTemplateDecodedLikeTheChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body, want string }{
		{"duplicate key", "Resources:\n  A: {Type: AWS::S3::Bucket}\n  A: {Type: AWS::SQS::Queue}\n", `key "A" appears twice`},
		{"alias", "Resources:\n  A: &a {Type: AWS::S3::Bucket}\n  B: *a\n", "aliases are not supported"},
		{"unknown tag", "Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Reff X}}\n", "unknown tag !Reff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := cfn.ParseTemplate("t.yaml", []byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "t.yaml") {
				t.Fatalf("ParseTemplate = %v, want an error naming t.yaml and containing %q", err, tc.want)
			}
		})
	}
}
