package cfn_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

func TestParamFileFormsAgree(t *testing.T) {
	t.Parallel()
	want := map[string]string{"A": "1", "B": "x"}
	tests := map[string]string{
		"cli":          `[{"ParameterKey":"A","ParameterValue":"1"},{"ParameterKey":"B","ParameterValue":"x"}]`,
		"codepipeline": `{"Parameters":{"A":1,"B":"x"},"Tags":{"t":"v"}}`,
		"plain":        `{"A":"1","B":"x"}`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "p.json")
			if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			pf, err := cfn.ReadParamFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, pf.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParamFileLines: values and problems carry the line of their key, in
// every form, so check and deploy point at the same place.
func TestParamFileLines(t *testing.T) {
	t.Parallel()
	cli := "[\n  {\"ParameterKey\": \"A\", \"ParameterValue\": \"1\"},\n  {\"ParameterKey\": \"B\", \"ParameterValue\": [\"x\", \"y\"]}\n]\n"
	pf, err := cfn.ParseParamFile("p.json", []byte(cli))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"A": pf.Line("A"), "B": pf.Line("B"), "values": pf.Values}
	want := map[string]any{"A": 2, "B": 3, "values": map[string]string{"A": "1", "B": "x,y"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("aws-cli form (-want +got):\n%s", diff)
	}
	yml := "# parameters for ep-a\nParameters:\n  A: 1\n  B:\n    Nested: true\n"
	_, err = cfn.ParseParamFile("p.yaml", []byte(yml))
	var p *config.Problem
	if !errors.As(err, &p) {
		t.Fatalf("nested value: got %v, want a *config.Problem", err)
	}
	if diff := cmp.Diff(config.Problem{File: "p.yaml", Line: 4, Key: "Parameters.B", Msg: "value is a mapping; a parameter value is a string, number or list"}, *p); diff != "" {
		t.Errorf("problem (-want +got):\n%s", diff)
	}
}
