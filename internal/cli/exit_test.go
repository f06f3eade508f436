package cli

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func TestExitReportsEachProblemAtItsLocation(t *testing.T) {
	t.Parallel()
	err := fault.Usage(errors.Join(
		&config.Problem{File: "a.yaml", Line: 3, Key: "cases[0].path", Msg: "bad"},
		&config.Problem{File: "b.yaml", Line: 9, Msg: "unknown key"},
	))
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"terminal", nil, "error: a.yaml:3: cases[0].path: bad\nerror: b.yaml:9: unknown key\n"},
		{"actions", map[string]string{"GITHUB_ACTIONS": "true"}, "::error file=a.yaml,line=3::cases[0].path: bad\n::error file=b.yaml,line=9::unknown key\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			e := NewTestEnv(&stdout, &stderr, tt.env)
			if code := e.exit(err); code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if diff := cmp.Diff(tt.want, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}
