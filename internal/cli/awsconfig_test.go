package cli

import (
	"bytes"
	"context"
	"reflect"
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

// TestEveryAWSClientHonoursEndpointAndRegion builds every AWS client of
// Services from the configuration AWSConfig returns and checks each one
// resolves AWS_ENDPOINT_URL and AWS_REGION, so the whole suite can be
// pointed at an emulator. A factory whose product is not an SDK client
// (no Options method) fails the test until it is listed here with a reason.
func TestEveryAWSClientHonoursEndpointAndRegion(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	e := NewTestEnv(&out, &errb, map[string]string{"AWS_REGION": "us-east-2", "AWS_ENDPOINT_URL": "http://emulator.test:4566"})
	awsCfg, err := e.Services.AWSConfig(context.Background(), &config.Config{Path: "mlops.yml", Region: "eu-west-1"}, config.PurposeDeploy)
	if err != nil {
		t.Fatal(err)
	}
	cfgType := reflect.TypeOf(aws.Config{})
	sv := reflect.ValueOf(e.Services).Elem()
	checked := 0
	for i := 0; i < sv.NumField(); i++ {
		f, name := sv.Field(i), sv.Type().Field(i).Name
		ft := f.Type()
		if ft.Kind() != reflect.Func || ft.NumIn() != 1 || ft.In(0) != cfgType || ft.NumOut() != 1 {
			continue
		}
		if f.IsNil() {
			t.Errorf("Services.%s has no default", name)
			continue
		}
		for _, c := range sdkClients(f.Call([]reflect.Value{reflect.ValueOf(awsCfg)})[0]) {
			opts := c.MethodByName("Options")
			if !opts.IsValid() {
				t.Errorf("Services.%s returns %s, which is not an SDK client; give it the shared aws.Config", name, c.Type())
				continue
			}
			o := opts.Call(nil)[0]
			ep, _ := o.FieldByName("BaseEndpoint").Interface().(*string)
			region := o.FieldByName("Region").String()
			if aws.ToString(ep) != "http://emulator.test:4566" || region != "us-east-2" {
				t.Errorf("Services.%s (%s): endpoint %q region %q, want AWS_ENDPOINT_URL and AWS_REGION", name, c.Type(), aws.ToString(ep), region)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("checked %d clients; the reflection no longer finds the factories", checked)
	}
}

// sdkClients returns the SDK clients inside v: v itself, or the exported
// fields of a struct of clients (Services.Doctor).
func sdkClients(v reflect.Value) []reflect.Value {
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.MethodByName("Options").IsValid() {
		return []reflect.Value{v}
	}
	s := v
	if s.Kind() == reflect.Pointer {
		s = s.Elem()
	}
	if s.Kind() != reflect.Struct {
		return []reflect.Value{v}
	}
	var out []reflect.Value
	for i := 0; i < s.NumField(); i++ {
		if s.Type().Field(i).IsExported() && !s.Field(i).IsZero() {
			out = append(out, sdkClients(s.Field(i))...)
		}
	}
	return out
}
