package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

func TestAWSConfigRegionAndEndpoint(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Path: ".github/mlops.yml", Region: "eu-west-1"}
	for _, tc := range []struct {
		name       string
		env        map[string]string
		wantRegion string
		wantEP     string
	}{
		{"config", map[string]string{}, "eu-west-1", ""},
		{"AWS_REGION beats the config", map[string]string{"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "us-west-1"}, "us-east-2", ""},
		{"AWS_DEFAULT_REGION", map[string]string{"AWS_DEFAULT_REGION": "us-west-1"}, "us-west-1", ""},
		{"action input beats the environment", map[string]string{"INPUT_REGION": "ap-south-1", "AWS_REGION": "us-east-2"}, "ap-south-1", ""},
		{"endpoint for an emulator", map[string]string{"AWS_ENDPOINT_URL": "http://localhost:4566"}, "eu-west-1", "http://localhost:4566"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			e := NewTestEnv(&out, &errb, tc.env)
			got, err := e.Services.AWSConfig(context.Background(), cfg, config.PurposeDeploy)
			if err != nil {
				t.Fatalf("AWSConfig: %v", err)
			}
			if diff := cmp.Diff([]string{tc.wantRegion, tc.wantEP}, []string{got.Region, aws.ToString(got.BaseEndpoint)}); diff != "" {
				t.Errorf("region, endpoint (-want +got):\n%s", diff)
			}
		})
	}
}
