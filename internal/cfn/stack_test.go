package cfn

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func TestStackMaps(t *testing.T) {
	t.Parallel()
	params, tags, outputs := StackMaps(types.Stack{
		Parameters: []types.Parameter{{ParameterKey: aws.String("ApiPort"), ParameterValue: aws.String("8080")}},
		Tags:       []types.Tag{{Key: aws.String("mlops:pr"), Value: aws.String("7")}},
		Outputs:    []types.Output{{OutputKey: aws.String("EndpointURL"), OutputValue: aws.String("http://a")}},
	})
	if diff := cmp.Diff([]map[string]string{{"ApiPort": "8080"}, {"mlops:pr": "7"}, {"EndpointURL": "http://a"}},
		[]map[string]string{params, tags, outputs}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	p, tg, o := StackMaps(types.Stack{})
	if p == nil || tg == nil || o == nil {
		t.Error("a stack without parameters, tags or outputs gave a nil map")
	}
}

func TestStackMissing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"absent stack", &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id ep-a does not exist"}, true},
		{"wrapped", fmt.Errorf("describe stack: %w", &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id ep-a does not exist"}), true},
		{"other validation error", &smithy.GenericAPIError{Code: "ValidationError", Message: "Template format error: unknown tag"}, false},
		{"throttled", &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}, false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := StackMissing(tc.err); got != tc.want {
				t.Errorf("StackMissing(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
