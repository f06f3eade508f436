package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

// TestStackCommandsBadInput: every kind of bad input is one message naming
// file, key and fix, exit 2, and no AWS call at all.
func TestStackCommandsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string
		files  map[string]string // written into the job directory
		args   []string
	}{
		{name: "missing template", config: strings.Replace(deployConfig, "{{dir}}/ep-a.yaml", "{{dir}}/missing.yaml", 1), args: []string{"deploy", "--env", "ep-a"}},
		{name: "parameter file in none of the forms", files: map[string]string{"create-ep-a.json": `"ProjectName=x"`}, args: []string{"deploy", "--env", "ep-a"}},
		{name: "unknown parameter", args: []string{"deploy", "--env", "ep-a", "--param", "DesiredCnt=2"}},
		{name: "missing parameter", files: map[string]string{"create-ep-a.json": `[{"ParameterKey":"ProjectName","ParameterValue":"ecs-mlops"}]`}, args: []string{"plan", "--env", "ep-a"}},
		{name: "disallowed value", args: []string{"deploy", "--env", "ep-a", "--param", "EnvironmentName=production"}},
		{name: "unknown environment", args: []string{"deploy", "--env", "ep-z"}},
		{name: "no environment", args: []string{"plan"}},
		{name: "bad image", args: []string{"deploy", "--env", "ep-a", "--image", "Not A Ref"}},
		{name: "bad timeout", args: []string{"deploy", "--env", "ep-a", "--timeout", "soon"}},
		{name: "template YAML broken", files: map[string]string{"ep-a.yaml": "Resources: [\n"}, args: []string{"deploy", "--env", "ep-a"}},
	}
	var all strings.Builder
	for _, tc := range cases {
		cfg := deployConfig
		if tc.config != "" {
			cfg = tc.config
		}
		j := newDeployJob(t, cfg)
		j.env["GITHUB_ACTIONS"] = ""
		for name, body := range tc.files {
			must(t, os.WriteFile(filepath.Join(j.dir, name), []byte(body), 0o644))
		}
		if code := j.run(t, tc.args...); code != ExitUsage {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, ExitUsage, j.stderr.String())
		}
		if j.awsCalls != 0 || len(j.cf.Calls()) != 0 {
			t.Errorf("%s: %d AWS configs, CloudFormation calls %v", tc.name, j.awsCalls, j.cf.Calls())
		}
		all.WriteString("## " + tc.name + "\n" + j.log() + "\n")
	}
	golden.Check(t, "stack-bad-input.golden", all.String())
}

func TestPlanMarkdownAndOutputs(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	md := filepath.Join(j.dir, "plan.md")
	if code := j.run(t, "plan", "--env", "ep-a", "--markdown", md); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, j.stderr.String())
	}
	golden.Check(t, "plan.md.golden", j.file(t, "plan.md"))
	golden.Check(t, "plan-stdout.golden", j.stdout.String())
	if got := j.file(t, "summary"); strings.TrimSpace(got) != strings.TrimSpace(j.file(t, "plan.md")) {
		t.Errorf("summary differs from the markdown file:\n%s", got)
	}
	outs := j.outputs(t)
	if outs["changes"] != "6" || outs["has-changes"] != "true" || outs["change-set-type"] != "CREATE" {
		t.Errorf("outputs %v", outs)
	}
	// The only stack write is removing the empty REVIEW_IN_PROGRESS stack
	// the CREATE change set made.
	if w := j.cf.StackWrites(); len(w) != 1 || w[0] != "DeleteStack" {
		t.Errorf("plan wrote: %v", w)
	}
}

func TestPlanOffline(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, deployConfig)
	code := j.run(t, "plan", "--env", "ep-a", "--offline", "--param", "ApiToken=s3cret-value", "--image", "repo/endpoint@sha256:"+strings.Repeat("0", 64))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, j.stderr.String())
	}
	if j.awsCalls != 0 || len(j.cf.Calls()) != 0 {
		t.Errorf("offline plan called AWS: %v", j.cf.Calls())
	}
	out := strings.ReplaceAll(j.stdout.String(), j.dir, "$DIR")
	if strings.Contains(out, "s3cret-value") || strings.Contains(j.file(t, "summary"), "s3cret-value") {
		t.Error("NoEcho value printed")
	}
	if !strings.Contains(j.stderr.String(), "::add-mask::s3cret-value") {
		t.Errorf("NoEcho value not masked for the rest of the job:\n%s", j.stderr.String())
	}
	golden.Check(t, "plan-offline.golden", out)
}

// TestDeployRefusesUnsupportedGetAtt: a template asking a resource for an
// attribute its type does not return stops deploy and plan with exit 2,
// naming the template, the place and the nearest real attribute, before
// any AWS call.
func TestDeployRefusesUnsupportedGetAtt(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"deploy", "plan"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			j := newDeployJob(t, deployConfig)
			tpl := filepath.Join(j.dir, "ep-a.yaml")
			data, err := os.ReadFile(tpl)
			must(t, err)
			bad := strings.Replace(string(data), "LoadBalancer.DNSName", "LoadBalancer.DnsName", 1)
			if bad == string(data) {
				t.Fatal("testdata/stack/ep-a.yaml no longer asks LoadBalancer.DNSName; update the test")
			}
			must(t, os.WriteFile(tpl, []byte(bad), 0o644))
			code := j.run(t, cmd, "--env", "ep-a", "--image", "repo/endpoint@sha256:"+strings.Repeat("0", 64))
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, ExitUsage, j.stderr.String())
			}
			if want := `has no attribute "DnsName" for Fn::GetAtt; did you mean DNSName?`; !strings.Contains(j.stderr.String(), want) || !strings.Contains(j.stderr.String(), "ep-a.yaml") {
				t.Errorf("stderr lacks the template and %q:\n%s", want, j.stderr.String())
			}
			if j.awsCalls != 0 || len(j.cf.Calls()) != 0 {
				t.Errorf("AWS called after a template error: %d, %v", j.awsCalls, j.cf.Calls())
			}
		})
	}
}
