package stack_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// want is what every form of the ep-a parameter file holds.
var wantEpA = map[string]string{
	"ProjectName": "ecs-mlops", "EnvironmentName": "prod", "VpcSubnetIpBlocks": "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24",
	"AZs": "eu-west-1a,eu-west-1b", "ApiPort": "8000", "ApiHealthCheckPath": "/ping", "HostHeaderApi": "api.example.com", "DesiredCount": "1",
}

func TestParamFileForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, form string
		tags       map[string]string
	}{
		{"testdata/create-ep-a.json", "aws-cli", nil}, // the original sample's file shape
		{"testdata/ep-a.codepipeline.json", "codepipeline", map[string]string{"team": "ml-platform"}},
		{"testdata/ep-a.params.yaml", "map", nil},
	} {
		t.Run(tc.form, func(t *testing.T) {
			t.Parallel()
			pf, err := cfn.ReadParamFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if pf.Form != tc.form {
				t.Errorf("form %q, want %q", pf.Form, tc.form)
			}
			if diff := cmp.Diff(wantEpA, pf.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.tags, pf.Tags); tc.tags != nil && diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamFileJSONMap(t *testing.T) {
	t.Parallel()
	pf, err := cfn.ParseParamFile("p.json", []byte(`{"Subnets": ["subnet-1", "subnet-2"], "Count": 2, "Enabled": true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Subnets": "subnet-1,subnet-2", "Count": "2", "Enabled": "true"}
	if diff := cmp.Diff(want, pf.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestOverridesKeepCommasAndEquals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, key, value string }{
		{"AZs=eu-west-1a,eu-west-1b", "AZs", "eu-west-1a,eu-west-1b"},
		{"HostHeaderApi=a.example.com", "HostHeaderApi", "a.example.com"},
		{"ProjectName=x=y,z", "ProjectName", "x=y,z"},
		{"DesiredCount=", "DesiredCount", ""},
	} {
		k, v, err := stack.ParseOverride(tc.in)
		if err != nil || k != tc.key || v != tc.value {
			t.Errorf("ParseOverride(%q) = %q, %q, %v; want %q, %q", tc.in, k, v, err, tc.key, tc.value)
		}
	}
	p, err := stack.Resolve(stack.Inputs{Template: readTemplate(t, "ep-a.yaml"), File: mustParams(t), Overrides: []string{"AZs=eu-west-1a,eu-west-1b,eu-west-1c"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Values["AZs"]; got != "eu-west-1a,eu-west-1b,eu-west-1c" {
		t.Errorf("AZs = %q", got)
	}
	if p.Source["AZs"] != "--param" || p.Source["ProjectName"] != "testdata/create-ep-a.json" {
		t.Errorf("sources %v", p.Source)
	}
}

func mustParams(t *testing.T) *cfn.ParamFile {
	t.Helper()
	pf, err := cfn.ReadParamFile("testdata/create-ep-a.json")
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

func TestImageParameter(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:6113728f27ae",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("ab", 32),
		"localhost:5000/endpoint:pr-7-abc",
	} {
		p, err := stack.Resolve(stack.Inputs{Template: readTemplate(t, "ep-a.yaml"), File: mustParams(t), Image: ref, ImageParam: "ImageUri",
			Overrides: []string{"DesiredCount=2"}})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if p.Values["ImageUri"] != ref || p.Source["ImageUri"] != "--image" {
			t.Errorf("ImageUri = %q from %q, want %q from --image", p.Values["ImageUri"], p.Source["ImageUri"], ref)
		}
	}
	// --param wins over --image, as the most specific input.
	p, err := stack.Resolve(stack.Inputs{Template: readTemplate(t, "ep-a.yaml"), File: mustParams(t), Image: "repo/x:1", ImageParam: "ImageUri", Overrides: []string{"ImageUri=repo/x:2"}})
	if err != nil || p.Values["ImageUri"] != "repo/x:2" {
		t.Errorf("override: %q, %v", p.Values["ImageUri"], err)
	}
}

// TestValidationErrors renders every offline validation message into one
// golden file: each names the file, the key and the fix, and none shows a
// NoEcho value.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	tpl := readTemplate(t, "ep-a.yaml")
	cases := []struct {
		name      string
		file      string // parameter file body ("" for the valid sample)
		overrides []string
		image     string
	}{
		{name: "unknown key", overrides: []string{"ProjetName=x"}},
		{name: "unknown key in file", file: `{"ProjectName":"ecs-mlops","EnvironmentName":"prod","VpcSubnetIpBlocks":"a","AZs":"b","ApiPort":"80","HostHeaderApi":"api.example.com","Colour":"blue"}`},
		{name: "missing required", file: `[{"ParameterKey":"ProjectName","ParameterValue":"ecs-mlops"}]`},
		{name: "AllowedValues", overrides: []string{"EnvironmentName=production"}},
		{name: "AllowedPattern", overrides: []string{"ProjectName=ECS_MLOps"}},
		{name: "MaxLength", overrides: []string{"ProjectName=a-very-long-project-name"}},
		{name: "MinLength", overrides: []string{"HostHeaderApi=ab"}},
		{name: "MinValue", overrides: []string{"ApiPort=0"}},
		{name: "MaxValue", overrides: []string{"DesiredCount=11"}},
		{name: "not a number", overrides: []string{"ApiPort=eighty"}},
		{name: "NoEcho value never printed", overrides: []string{"ApiToken=short"}},
		{name: "bad override", overrides: []string{"justakey"}},
		{name: "bad image", image: "not a ref!"},
		{name: "file in none of the forms", file: `"just a string"`},
		{name: "UsePreviousValue", file: `[{"ParameterKey":"ProjectName","UsePreviousValue":true}]`},
		{name: "nested value", file: `{"ProjectName":{"a":1}}`},
		{name: "unknown CodePipeline key", file: `{"Parameters":{"ProjectName":"x"},"StackName":"y"}`},
		{name: "empty file", file: "  \n"},
	}
	var b strings.Builder
	for _, tc := range cases {
		pf := mustParams(t)
		var err error
		if tc.file != "" {
			pf, err = cfn.ParseParamFile("params.json", []byte(tc.file))
		}
		if err == nil {
			_, err = stack.Resolve(stack.Inputs{Template: tpl, File: pf, Overrides: tc.overrides, Image: tc.image, ImageParam: "ImageUri"})
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		var p *fault.Problem
		if !errors.As(err, &p) || p.File == "" {
			t.Errorf("%s: error does not name a file: %v", tc.name, err)
		}
		if strings.Contains(err.Error(), `"short"`) {
			t.Errorf("%s: NoEcho value printed: %v", tc.name, err)
		}
		b.WriteString("## " + tc.name + "\n" + err.Error() + "\n\n")
	}
	golden.Check(t, "validation-errors.golden", b.String())
}
