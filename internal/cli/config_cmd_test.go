package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc string
		env  map[string]string
		args []string
		want result
	}{
		{"valid file by flag", nil, []string{"--config", "testdata/mlops.yml"},
			result{ExitOK, "testdata/mlops.yml: ok (2 environments: ep-a, ep-b)\n", ""}},
		{"valid file by input", map[string]string{"INPUT_CONFIG": "testdata/mlops.yml", "MLOPS_CONFIG": "testdata/bad-mlops.yml"}, nil,
			result{ExitOK, "testdata/mlops.yml: ok (2 environments: ep-a, ep-b)\n", ""}},
		{"problems on a terminal", map[string]string{"MLOPS_CONFIG": "testdata/bad-mlops.yml"}, nil,
			result{ExitUsage, "",
				"error: testdata/bad-mlops.yml:5: environments.ep-a.templte: unknown key \"templte\"; did you mean \"template\"? Keys here: image_parameter, parameters, preview, protected, role, stack, template, tests, url_output\n"}},
		{"problems in Actions are annotations", map[string]string{"GITHUB_ACTIONS": "true", "MLOPS_CONFIG": "testdata/bad-mlops.yml"}, nil,
			result{ExitUsage, "",
				"::error file=testdata/bad-mlops.yml,line=5::testdata/bad-mlops.yml:5: environments.ep-a.templte: unknown key \"templte\"; did you mean \"template\"? Keys here: image_parameter, parameters, preview, protected, role, stack, template, tests, url_output\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			got := run(t, tc.env, append([]string{"config", "validate"}, tc.args...)...)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("mlops config validate (-want +got):\n%s", diff)
			}
		})
	}
}
