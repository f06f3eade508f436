package cfn

import (
	"strings"
	"testing"
)

func TestOffline(t *testing.T) {
	t.Parallel()
	e := Offline{Stack: "ep-a", Params: map[string]string{"ProjectName": "ecs-mlops"}, Region: "eu-west-1"}
	for _, tc := range []struct {
		expr    any
		want    string
		wantErr string
	}{
		{"plain", "plain", ""},
		{int64(8000), "8000", ""},
		{map[string]any{"Ref": "ProjectName"}, "ecs-mlops", ""},
		{map[string]any{"Fn::Sub": "${ProjectName}-${AWS::StackName}-${AWS::Region}"}, "ecs-mlops-ep-a-eu-west-1", ""},
		{map[string]any{"Fn::Sub": []any{"${P}:${AWS::Partition}", map[string]any{"P": map[string]any{"Ref": "ProjectName"}}}}, "ecs-mlops:aws", ""},
		{map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Ref": "ProjectName"}}}}, "a-ecs-mlops", ""},
		{map[string]any{"Fn::Sub": "${Alb.DNSName}"}, "", "attribute of a resource"},
		{map[string]any{"Fn::Sub": "${AWS::AccountId}"}, "", "AWS::AccountId is not known before the stack exists"},
		{map[string]any{"Ref": "Missing"}, "", `"Missing" is not a parameter`},
		{map[string]any{"Fn::GetAtt": []any{"Alb", "DNSName"}}, "", "Fn::GetAtt is not evaluated offline"},
		{map[string]any{"Fn::Join": "x"}, "", "Fn::Join needs"},
	} {
		got, err := e.Eval(tc.expr)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Eval(%v) = %q, %v; want an error containing %q", tc.expr, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Eval(%v) = %q, %v; want %q", tc.expr, got, err, tc.want)
		}
	}
}
