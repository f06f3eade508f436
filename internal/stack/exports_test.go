package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// exporterTemplate exports a listener, a port and a task definition;
// previews import the first two.
const exporterTemplate = `Parameters:
  Port: {Type: Number, Default: "443"}
  Proto: {Type: String, Default: HTTPS}
  Image: {Type: String, Default: "img:1"}
  PortExport: {Type: String, Default: Port}
Resources:
  Listener: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {Port: !Ref Port, Protocol: !Ref Proto}}
  TaskDef: {Type: AWS::ECS::TaskDefinition, Properties: {ContainerDefinitions: [{Name: c, Image: !Ref Image}]}}
Outputs:
  ListenerArn: {Value: !Ref Listener, Export: {Name: !Sub "${AWS::StackName}-ListenerArn"}}
  Port: {Value: !Ref Port, Export: {Name: !Sub "${AWS::StackName}-${PortExport}"}}
  TaskDefinitionArn: {Value: !Ref TaskDef, Export: {Name: {"Fn::Join": ["-", [!Ref "AWS::StackName", TaskDefinitionArn]]}}}
`

func exportWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	tpl, err := cfn.ParseTemplate("a.yaml", []byte(exporterTemplate))
	if err != nil {
		t.Fatal(err)
	}
	w.cf.Put(awsfake.StackSeed{Name: "ep-a", Status: types.StackStatusUpdateComplete, Template: tpl})
	for _, pr := range []string{"40", "12"} {
		w.cf.Put(awsfake.StackSeed{Name: "ep-b-pr-" + pr, Imports: []string{"ep-a-ListenerArn", "ep-a-Port"}})
	}
	return w
}

func exporterRequest(t *testing.T, body string, params map[string]string) stack.Request {
	t.Helper()
	tpl, err := cfn.ParseTemplate("a.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return stack.Request{Stack: "ep-a", Template: tpl, Params: &stack.Params{Values: params}, Commit: "abc"}
}

// TestDeployRefusesExportsInUse: a change set that changes or removes an
// export other stacks import is not executed; the importers are named and
// the hint says how to remove them. Exports nobody imports, or that stay
// as they are, let the deploy through.
func TestDeployRefusesExportsInUse(t *testing.T) {
	t.Parallel()
	withoutPort := strings.Replace(exporterTemplate, `  Port: {Value: !Ref Port, Export: {Name: !Sub "${AWS::StackName}-${PortExport}"}}`+"\n", "", 1)
	tests := []struct {
		name        string
		body        string
		params      map[string]string
		replace     string // logical id the fake replaces
		want        string // the export's change; "" means the deploy goes through
		listImports int    // one per export that may change (the new image replaces TaskDef)
	}{
		{"value known offline", exporterTemplate, map[string]string{"Port": "8443"}, "",
			`export ep-a-Port (output Port) would change from "443" to "8443"; imported by ep-b-pr-12, ep-b-pr-40`, 1},
		{"renamed", exporterTemplate, map[string]string{"PortExport": "ListenPort", "Image": "img:2"}, "",
			"export ep-a-Port (output Port) would be removed (the output would be exported as ep-a-ListenPort); imported by ep-b-pr-12, ep-b-pr-40", 2},
		{"output removed", withoutPort, map[string]string{"Image": "img:2"}, "",
			"export ep-a-Port (output Port) would be removed; imported by ep-b-pr-12, ep-b-pr-40", 2},
		{"resource behind it replaced", exporterTemplate, map[string]string{"Proto": "HTTP"}, "Listener",
			"export ep-a-ListenerArn (output ListenerArn) may change (AWS::ElasticLoadBalancingV2::Listener Listener is replaced); imported by ep-b-pr-12, ep-b-pr-40", 1},
		{"replaced, but nobody imports it", exporterTemplate, map[string]string{"Image": "img:2"}, "", "", 1},
		{"exports untouched", exporterTemplate, map[string]string{"Proto": "HTTP"}, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := exportWorld(t)
			if tc.replace != "" {
				w.cf.Replacement[tc.replace] = "True"
			}
			res, err := w.d.Deploy(context.Background(), exporterRequest(t, tc.body, tc.params))
			if n := count(w.cf.Calls(), "ListImports"); n != tc.listImports {
				t.Errorf("%d ListImports calls, want %d: %v", n, tc.listImports, w.cf.Calls())
			}
			if tc.want == "" {
				if err != nil || res.Status != "UPDATE_COMPLETE" {
					t.Fatalf("Deploy: %s %v\n%s", res.Status, err, w.log)
				}
				return
			}
			if err == nil {
				t.Fatalf("deploy changing an imported export succeeded (%s)", res.Status)
			}
			mustContain(t, "error", err.Error(), "refused to deploy stack \"ep-a\"", tc.want)
			mustContain(t, "hint", fault.Hint(err), "mlops preview gc", "mlops preview down --pr N", "#12, #40")
			if got := w.cf.StackWrites(); len(got) != 0 {
				t.Errorf("stack writes: %v", got)
			}
			if count(w.cf.Calls(), "DeleteChangeSet") != 1 {
				t.Errorf("refused change set not deleted: %v", w.cf.Calls())
			}
		})
	}
}

// TestPlanNamesExportsInUse: plan shows the importing stacks and that
// deploy would refuse, and executes nothing.
func TestPlanNamesExportsInUse(t *testing.T) {
	t.Parallel()
	w := exportWorld(t)
	res, err := w.d.Plan(context.Background(), exporterRequest(t, exporterTemplate, map[string]string{"Port": "8443"}))
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	want := []stack.ExportInUse{{Name: "ep-a-Port", Output: "Port", Change: `would change from "443" to "8443"`, Importers: []string{"ep-b-pr-12", "ep-b-pr-40"}}}
	if diff := cmp.Diff(want, res.ExportsInUse); diff != "" {
		t.Errorf("exports in use (-want +got):\n%s", diff)
	}
	mustContain(t, "plan markdown", stack.PlanMarkdown("ep-a", res), "[!WARNING]", "`ep-a-Port`", "`ep-b-pr-12`, `ep-b-pr-40`", "mlops preview gc")
	mustContain(t, "log", w.log.String(), "warning: export ep-a-Port")
	if got := w.cf.StackWrites(); len(got) != 0 {
		t.Errorf("plan wrote to the stack: %v", got)
	}
}

// TestListImportsPaged: every page of importers is read.
func TestListImportsPaged(t *testing.T) {
	t.Parallel()
	w := exportWorld(t)
	w.cf.ListPageSize = 1
	w.cf.Put(awsfake.StackSeed{Name: "ep-b-pr-7", Imports: []string{"ep-a-Port"}})
	res, err := w.d.Plan(context.Background(), exporterRequest(t, exporterTemplate, map[string]string{"Port": "8443"}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ep-b-pr-12", "ep-b-pr-40", "ep-b-pr-7"}, res.ExportsInUse[0].Importers); diff != "" {
		t.Errorf("importers (-want +got):\n%s", diff)
	}
}

// TestMissingExportHeadline: a stack importing an export that does not
// exist fails with CloudFormation's reason as the headline, though no
// resource failed.
func TestMissingExportHeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	body := `Resources:
  Rule: {Type: AWS::ElasticLoadBalancingV2::ListenerRule, Properties: {ListenerArn: {"Fn::ImportValue": ep-a-ListenerArn}}}
`
	req := exporterRequest(t, body, nil)
	req.Stack = "ep-b-pr-3"
	_, err := w.d.Deploy(context.Background(), req)
	if err == nil {
		t.Fatal("deploy importing a missing export succeeded")
	}
	mustContain(t, "error", err.Error(), "No export named ep-a-ListenerArn found.")
	mustContain(t, "hint", fault.Hint(err), "deploy the stack that exports it first")
}
