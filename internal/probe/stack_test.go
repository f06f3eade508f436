package probe

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func TestStackOutput(t *testing.T) {
	t.Parallel()
	api := awsfake.NewCloudFormation(clock.NewFake(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)))
	api.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: types.StackStatusUpdateComplete,
		Outputs: map[string]string{"EndpointUrl": "http://alb.example.com", "ClusterName": "c", "ServiceName": "s"}})
	tests := []struct {
		name, stack, key, want, wantErr, wantHint string
		usage                                     bool
	}{
		{name: "found", stack: "ecs-mlops-ep-a", key: "EndpointUrl", want: "http://alb.example.com"},
		{name: "absent stack", stack: "ep-b-pr-7", key: "EndpointUrl",
			wantErr: `stack "ep-b-pr-7" does not exist, so it has no endpoint URL to test`, wantHint: "deploy the environment first, or test a URL directly with --url"},
		{name: "absent output", stack: "ecs-mlops-ep-a", key: "Url", usage: true,
			wantErr:  `stack "ecs-mlops-ep-a" has no output "Url" (its outputs: ClusterName, EndpointUrl, ServiceName)`,
			wantHint: "set url_output of the environment in .github/mlops.yml to the output that holds the endpoint URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := StackOutput(context.Background(), api, tt.stack, tt.key)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff([]any{tt.want, tt.wantErr, tt.wantHint, tt.usage}, []any{got, gotErr, fault.Hint(err), fault.IsUsage(err)}); diff != "" {
				t.Errorf("value, error, hint, usage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, host, wantErr string }{
		{"https://ep-a.example.com", "", ""},
		{"http://alb-1.eu-west-1.elb.amazonaws.com/base/", "pr-3.preview.example.com", ""},
		{"ep-a.example.com", "", `url "ep-a.example.com" is not an http(s) URL such as https://ep-a.example.com`},
		{"ftp://x", "", `url "ftp://x" is not an http(s) URL such as https://ep-a.example.com`},
		{"https://x/?a=1", "", `url "https://x/?a=1" must be a base URL without query, fragment or credentials`},
		{"https://x", "a b", `host "a b" is not a host name (with an optional :port) such as pr-12.preview.example.com`},
		{"https://x", "h.example.com/path", `host "h.example.com/path" is not a host name (with an optional :port) such as pr-12.preview.example.com`},
	}
	for _, tt := range tests {
		_, err := ParseTarget(tt.url, tt.host)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.wantErr {
			t.Errorf("ParseTarget(%q, %q) error = %q, want %q", tt.url, tt.host, got, tt.wantErr)
		}
	}
}
