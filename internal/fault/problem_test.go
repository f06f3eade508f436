package fault_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func TestProblemError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    fault.Problem
		want string
	}{
		{fault.Problem{File: "p.json", Msg: "parameter file is empty"}, "p.json: parameter file is empty"},
		{fault.Problem{File: "t.yaml", Line: 7, Key: "Resources.A", Msg: "unknown resource type", Fix: "use AWS::S3::Bucket"},
			"t.yaml:7: Resources.A: unknown resource type; fix: use AWS::S3::Bucket"},
		{fault.Problem{File: "--param", Key: "ApiPort", Msg: "must be a number", Warning: true}, "--param: ApiPort: must be a number"},
	} {
		if diff := cmp.Diff(tc.want, tc.p.Error()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}
