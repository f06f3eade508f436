package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// exportsJob is a deploy job whose ep-a exports its cluster name, which
// two leaked previews import; renaming the project replaces the cluster.
func exportsJob(t *testing.T) *deployJob {
	t.Helper()
	j := newDeployJob(t, deployConfig)
	path := filepath.Join(j.dir, "ep-a.yaml")
	data, err := os.ReadFile(path)
	must(t, err)
	body := strings.Replace(string(data), "  ClusterName:\n    Value: !Ref Cluster\n",
		"  ClusterName:\n    Value: !Ref Cluster\n    Export: {Name: !Sub \"${AWS::StackName}-ClusterName\"}\n", 1)
	if body == string(data) {
		t.Fatal("test template has no ClusterName output to export")
	}
	must(t, os.WriteFile(path, []byte(body), 0o644))
	tpl, err := stack.ReadTemplate(path)
	must(t, err)
	pf, err := cfn.ReadParamFile(filepath.Join(j.dir, "create-ep-a.json"))
	must(t, err)
	p, err := stack.Resolve(stack.Inputs{Template: tpl, File: pf})
	must(t, err)
	j.cf.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "UPDATE_COMPLETE", Template: tpl, Params: p.Values})
	for _, pr := range []string{"12", "40"} {
		j.cf.Put(awsfake.StackSeed{Name: "ep-b-pr-" + pr, Imports: []string{"ecs-mlops-ep-a-ClusterName"}})
	}
	j.cf.Replacement["Cluster"] = "True" // a new ClusterName replaces the cluster
	return j
}

// TestDeployRefusesExportInUse: deploy names the importing previews and
// exits 1 with the way out, executing nothing; plan shows the same and
// succeeds.
func TestDeployRefusesExportInUse(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"deploy", "plan"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			j := exportsJob(t)
			code := j.run(t, cmd, "--env", "ep-a", "--image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:6113728", "--param", "ProjectName=renamed")
			out := j.stdout.String() + j.stderr.String()
			want := map[string]int{"deploy": ExitFailure, "plan": ExitOK}[cmd]
			if code != want {
				t.Fatalf("exit %d, want %d\n%s", code, want, out)
			}
			for _, w := range []string{"export ecs-mlops-ep-a-ClusterName (output ClusterName) may change", "ep-b-pr-12, ep-b-pr-40", "mlops preview gc", "mlops preview down --pr N"} {
				if !strings.Contains(out, w) {
					t.Errorf("%s output lacks %q:\n%s", cmd, w, out)
				}
			}
			if got := j.cf.StackWrites(); len(got) != 0 {
				t.Errorf("stack writes: %v", got)
			}
		})
	}
}

// TestDeployTakesBaseOutputs: mlops deploy of an environment that joins
// the base one fills the template's parameters from the base stack's
// outputs of the same name, with one DescribeStacks.
func TestDeployTakesBaseOutputs(t *testing.T) {
	t.Parallel()
	j := newDeployJob(t, previewConfig(t, ""))
	tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
	must(t, err)
	const listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
	j.cf.OutputValues = map[string]string{"PreviewHttpsListenerArn": listener}
	j.cf.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
	j.elb.AddListener(listener)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("ab", 32)
	if code := j.run(t, "deploy", "--env", "ep-b", "--pr", "5", "--image", image, "--param", "ListenerRulePriority=7"); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, j.stderr.String())
	}
	st, ok := j.cf.Stack("ep-b-pr-5")
	if !ok {
		t.Fatal("no stack ep-b-pr-5")
	}
	params, _, _ := cfn.StackMaps(st)
	if got := params["PreviewHttpsListenerArn"]; got != listener {
		t.Errorf("PreviewHttpsListenerArn = %q, want endpoint A's output %q", got, listener)
	}
}
