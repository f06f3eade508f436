package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecs-mlops/ecs-mlops/endpoint/server/servertest"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

const committedRequests = "../../tests/endpoint/compare/iris.jsonl"

// compareCLI is A (ep-a, the hand-set iris-v1) and B (pull request 7's
// preview, the trained iris-v2) as two endpoint servers behind their
// stacks' AlbDnsName outputs, with the compare section given.
func compareCLI(t *testing.T, section string) *testCLI {
	t.Helper()
	a := servertest.Start(t, servertest.Version(t, servertest.HandSetVersion))
	b := servertest.Start(t, servertest.Version(t, servertest.ExampleVersion))
	c := newTestCLI(t, map[string]map[string]string{
		"ecs-mlops-ep-a": {"EndpointUrl": "http://api.example.com", "AlbDnsName": strings.TrimPrefix(a, "http://")},
		"ep-b-pr-7":      {"EndpointUrl": "http://pr-7.preview.example.com", "AlbDnsName": strings.TrimPrefix(b, "http://")},
	})
	cfg, err := os.ReadFile(c.env["MLOPS_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	c.file(t, "mlops.yml", string(cfg)+"compare:\n  requests: ["+committedRequests+"]\n"+section)
	return c
}

func (c *testCLI) compare(args ...string) int {
	e := NewTestEnv(&c.stdout, &c.stderr, c.env)
	e.Services.AWSConfig = func(context.Context, *config.Config, config.Purpose) (aws.Config, error) {
		return aws.Config{Region: "eu-west-1"}, nil
	}
	e.Services.CloudFormation = func(aws.Config) CloudFormationAPI { return c.stacks }
	return RunEnv(context.Background(), append([]string{"compare"}, args...), e)
}

func TestCompareCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		section string
		code    int
		stdout  []string
		stderr  string
	}{
		{"thresholds met", "  min_agreement: 0.8\n  max_accuracy_drop: 0\n  max_error_rate: 0\n", ExitOK,
			[]string{"PASS B vs A: 88.0% agreement on 150 requests, accuracy 98.0% (B) vs 88.7% (A)", "Weights                  iris-v1", "disagree ../../tests/endpoint/compare/iris.jsonl:"}, ""},
		{"agreement below the threshold", "  min_agreement: 0.95\n", ExitFailure,
			[]string{"FAIL B vs A: 1 threshold exceeded", "threshold exceeded: agreement 88.0% (132 of 150) is below compare.min_agreement 95.0%"},
			"B (ep-b-pr-7) vs A (ep-a): 1 compare threshold exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := compareCLI(t, tt.section)
			c.inActions(t)
			jsonFile := filepath.Join(c.dir, "compare.json")
			if code := c.compare("--env", "ep-b", "--pr", "7", "--json", jsonFile); code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, c.stdout.String(), c.stderr.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(c.stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, c.stdout.String())
				}
			}
			if !strings.Contains(c.stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, c.stderr.String())
			}
			if s := c.read(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "#### ") || !strings.Contains(s, "B vs A") || !strings.Contains(s, "```mermaid") {
				t.Errorf("job summary lacks the B vs A section:\n%s", s)
			}
			var res report.Comparison
			raw, _ := os.ReadFile(jsonFile)
			if err := json.Unmarshal(raw, &res); err != nil || res.Requests != 150 || res.A.Weights != "iris-v1" || res.B.Weights != "iris-v2" {
				t.Errorf("comparison JSON: %v %+v", err, res)
			}
		})
	}
}

func TestCompareCommandURLs(t *testing.T) {
	t.Parallel()
	a := servertest.Start(t, servertest.Good(t))
	c := newTestCLI(t, nil)
	if code := c.compare("--a", a, "--b", a, "--requests", committedRequests); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, c.stdout.String(), c.stderr.String())
	}
	if want := "PASS B vs A: 100.0% agreement on 150 requests, accuracy 98.0% (B) vs 98.0% (A)"; !strings.Contains(c.stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, c.stdout.String())
	}
}

func TestCompareCommandBadInput(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"body\": 1, \"expected\": 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", nil, "give --env NAME --pr N (a preview against its baseline) or both --a URL and --b URL"},
		{"only a", []string{"--a", "http://127.0.0.1:1"}, "or both --a URL and --b URL"},
		{"not a preview", []string{"--env", "ep-a"}, `environment "ep-a" is not a preview`},
		{"no pr", []string{"--env", "ep-b"}, `pass --pr with the pull request number`},
		{"bad request file", []string{"--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--requests", bad}, bad + `:1: not a request: json: unknown field "expected"`},
		{"bad url", []string{"--a", "ftp://x", "--b", "http://127.0.0.1:2", "--requests", committedRequests}, `--a: url "ftp://x" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCLI(t, nil)
			if code := c.compare(tt.args...); code != ExitUsage || !strings.Contains(c.stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, c.stderr.String(), tt.want)
			}
		})
	}
}
