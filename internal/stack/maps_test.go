package stack

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"
)

func TestMaps(t *testing.T) {
	params, tags, outputs := Maps(types.Stack{
		Parameters: []types.Parameter{{ParameterKey: aws.String("ApiPort"), ParameterValue: aws.String("8080")}},
		Tags:       []types.Tag{{Key: aws.String("mlops:pr"), Value: aws.String("7")}},
		Outputs:    []types.Output{{OutputKey: aws.String("EndpointURL"), OutputValue: aws.String("http://a")}},
	})
	if diff := cmp.Diff([]map[string]string{{"ApiPort": "8080"}, {"mlops:pr": "7"}, {"EndpointURL": "http://a"}},
		[]map[string]string{params, tags, outputs}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	p, tg, o := Maps(types.Stack{})
	if p == nil || tg == nil || o == nil {
		t.Error("a stack without parameters, tags or outputs gave a nil map")
	}
}
