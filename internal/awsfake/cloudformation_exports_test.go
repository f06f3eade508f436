package awsfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

const (
	// exporter exports its listener; Extra adds a second export.
	exporter = `Parameters:
  Port: {Type: Number, Default: 443}
  Extra: {Type: String, Default: "yes"}
Conditions:
  HasExtra: !Equals [!Ref Extra, "yes"]
Resources:
  Listener: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {Port: !Ref Port}}
Outputs:
  ListenerArn:
    Value: !Ref Listener
    Export: {Name: !Sub "${AWS::StackName}-ListenerArn"}
  Port:
    Value: !Ref Port
    Export: {Name: !Sub "${AWS::StackName}-Port"}
  Extra:
    Condition: HasExtra
    Value: extra
    Export: {Name: !Sub "${AWS::StackName}-Extra"}
`
	importer = `Parameters:
  Base: {Type: String}
Resources:
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: {"Fn::ImportValue": !Sub "${Base}-ListenerArn"}
      Priority: {"Fn::ImportValue": !Sub "${Base}-Port"}
`
)

type world struct {
	t   *testing.T
	clk *clock.Fake
	f   *CloudFormation
}

func newWorld(t *testing.T) *world {
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return &world{t: t, clk: clk, f: NewCloudFormation(clk)}
}

func parse(t *testing.T, body string) *cfn.Template {
	t.Helper()
	tpl, err := cfn.ParseTemplate("t.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// deploy creates and executes a change set and returns the stack's final
// status and the reason of its last stack event.
func (w *world) deploy(name, body string, typ types.ChangeSetType, params map[string]string) (types.StackStatus, string) {
	w.t.Helper()
	ctx := context.Background()
	in := &cloudformation.CreateChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("cs"), ChangeSetType: typ, TemplateBody: aws.String(body)}
	for k, v := range params {
		in.Parameters = append(in.Parameters, types.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	if _, err := w.f.CreateChangeSet(ctx, in); err != nil {
		w.t.Fatal(err)
	}
	w.clk.Advance(3 * time.Second)
	if _, err := w.f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(name), ChangeSetName: aws.String("cs")}); err != nil {
		w.t.Fatal(err)
	}
	return w.settle(name)
}

func (w *world) settle(name string) (types.StackStatus, string) {
	w.t.Helper()
	for range 600 {
		w.clk.Advance(time.Second)
		if s := w.f.Status(name); cfn.IsTerminal(s) && s != types.StackStatusReviewInProgress {
			break
		}
	}
	out, err := w.f.DescribeStackEvents(context.Background(), &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	if err != nil {
		return "", err.Error()
	}
	for _, e := range out.StackEvents {
		if aws.ToString(e.LogicalResourceId) == name && e.ResourceStatusReason != nil {
			return w.f.Status(name), aws.ToString(e.ResourceStatusReason)
		}
	}
	return w.f.Status(name), ""
}

// TestImportWithoutExport: the change set is created, but its execution
// fails before any resource, a create with ROLLBACK_COMPLETE, an update
// with UPDATE_ROLLBACK_COMPLETE, both naming the export.
func TestImportWithoutExport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, reason := w.deploy("b", importer, types.ChangeSetTypeCreate, map[string]string{"Base": "a"})
	want := "No export named a-ListenerArn found. Rollback requested by user."
	if status != types.StackStatusRollbackComplete || reason != want {
		t.Errorf("create: %s %q, want ROLLBACK_COMPLETE %q", status, reason, want)
	}
	w.f.Put(StackSeed{Name: "c", Template: parse(t, exporter)})
	w.f.Put(StackSeed{Name: "d", Template: parse(t, `Resources: {T: {Type: AWS::SNS::Topic}}`)})
	status, reason = w.deploy("d", importer, types.ChangeSetTypeUpdate, map[string]string{"Base": "a"})
	if status != types.StackStatusUpdateRollbackComplete || reason != want {
		t.Errorf("update: %s %q, want UPDATE_ROLLBACK_COMPLETE %q", status, reason, want)
	}
	if status, _ := w.deploy("e", importer, types.ChangeSetTypeCreate, map[string]string{"Base": "c"}); status != types.StackStatusCreateComplete {
		t.Fatalf("import of c's exports: %s", status)
	}
	if got, want := w.f.ResourceProperty("e", "Rule", "Priority"), "443"; got != want {
		t.Errorf("imported Priority = %q, want %q", got, want)
	}
}

// TestExportInUse: an update of the exporting stack that changes or
// removes an imported export rolls back with CloudFormation's reason and
// keeps the old value; one no stack imports may change.
func TestExportInUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		importers  []string
		wantStatus types.StackStatus
		wantReason string
	}{
		{"imported", []string{"b", "c"}, types.StackStatusUpdateRollbackComplete,
			"Update canceled. Cannot update export a-Port as it is in use by b and c."},
		{"imported by none", nil, types.StackStatusUpdateComplete, "User Initiated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.f.Put(StackSeed{Name: "a", Template: parse(t, exporter)})
			for _, n := range tc.importers {
				w.f.Put(StackSeed{Name: n, Template: parse(t, importer), Params: map[string]string{"Base": "a"}})
			}
			status, reason := w.deploy("a", exporter, types.ChangeSetTypeUpdate, map[string]string{"Port": "8443"})
			if status != tc.wantStatus || reason != tc.wantReason {
				t.Errorf("got %s %q, want %s %q", status, reason, tc.wantStatus, tc.wantReason)
			}
			want := map[types.StackStatus]string{types.StackStatusUpdateRollbackComplete: "443", types.StackStatusUpdateComplete: "8443"}[tc.wantStatus]
			if got := w.exports()["a-Port"]; got != want {
				t.Errorf("export a-Port = %q, want %q", got, want)
			}
		})
	}
}

// TestRemovingImportedExport: an update that drops an imported export is
// refused before any resource changes.
func TestRemovingImportedExport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.f.Put(StackSeed{Name: "a", Template: parse(t, exporter)})
	w.f.Put(StackSeed{Name: "b", Imports: []string{"a-Extra"}})
	status, reason := w.deploy("a", exporter, types.ChangeSetTypeUpdate, map[string]string{"Extra": "no", "Port": "8443"})
	want := "Delete canceled. Cannot delete export a-Extra as it is in use by b."
	if status != types.StackStatusUpdateRollbackComplete || reason != want {
		t.Errorf("got %s %q, want UPDATE_ROLLBACK_COMPLETE %q", status, reason, want)
	}
	for _, e := range w.events("a") {
		if aws.ToString(e.LogicalResourceId) == "Listener" {
			t.Errorf("resource event %s %s; the update should stop before any resource", e.ResourceStatus, aws.ToString(e.LogicalResourceId))
		}
	}
}

// TestDeleteExportingStack: DeleteStack succeeds, the stack goes back to
// its status with the reason and keeps everything; once the importer is
// gone it is deleted.
func TestDeleteExportingStack(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.f.Put(StackSeed{Name: "a", Status: types.StackStatusUpdateComplete, Template: parse(t, exporter)})
	w.f.Put(StackSeed{Name: "b", Template: parse(t, importer), Params: map[string]string{"Base": "a"}})
	del := func(name string) {
		if _, err := w.f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	del("a")
	status, reason := w.settle("a")
	want := "Export a-ListenerArn cannot be deleted as it is in use by b"
	if status != types.StackStatusUpdateComplete || reason != want {
		t.Errorf("got %s %q, want UPDATE_COMPLETE %q", status, reason, want)
	}
	if st, _ := w.f.Stack("a"); aws.ToString(st.StackStatusReason) != want {
		t.Errorf("StackStatusReason = %q, want %q", aws.ToString(st.StackStatusReason), want)
	}
	del("b")
	w.settle("b")
	del("a")
	if status, _ := w.settle("a"); status != "" {
		t.Errorf("a is %s after its importer went, want deleted", status)
	}
}

// TestListImportsAndExports: importers by name, page by page; the
// ValidationError when none; every live stack's exports.
func TestListImportsAndExports(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.f.ListPageSize = 2
	w.f.Put(StackSeed{Name: "a", Template: parse(t, exporter)})
	for _, n := range []string{"ep-b-pr-40", "ep-b-pr-12", "ep-b-pr-7"} {
		w.f.Put(StackSeed{Name: n, Template: parse(t, importer), Params: map[string]string{"Base": "a"}})
	}
	w.f.Put(StackSeed{Name: "gone", Status: types.StackStatusDeleteComplete, Imports: []string{"a-Port"}})
	var got []string
	var token *string
	for {
		out, err := w.f.ListImports(ctx, &cloudformation.ListImportsInput{ExportName: aws.String("a-Port"), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Imports...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if diff := cmp.Diff([]string{"ep-b-pr-12", "ep-b-pr-40", "ep-b-pr-7"}, got); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
	_, err := w.f.ListImports(ctx, &cloudformation.ListImportsInput{ExportName: aws.String("a-Extra")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || ae.ErrorMessage() != "Export 'a-Extra' is not imported by any stack." {
		t.Errorf("ListImports of an export nobody imports: %v", err)
	}
	want := map[string]string{"a-Extra": "extra", "a-ListenerArn": w.exports()["a-ListenerArn"], "a-Port": "443"}
	if diff := cmp.Diff(want, w.exports()); diff != "" || len(want["a-ListenerArn"]) < 20 {
		t.Errorf("exports (-want +got):\n%s", diff)
	}
	st, _ := w.f.Stack("a")
	for _, o := range st.Outputs {
		if want := "a-" + aws.ToString(o.OutputKey); aws.ToString(o.ExportName) != want {
			t.Errorf("output %s has ExportName %q, want %q", aws.ToString(o.OutputKey), aws.ToString(o.ExportName), want)
		}
	}
}

func (w *world) exports() map[string]string {
	out := map[string]string{}
	var token *string
	for {
		page, err := w.f.ListExports(context.Background(), &cloudformation.ListExportsInput{NextToken: token})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, e := range page.Exports {
			out[aws.ToString(e.Name)] = aws.ToString(e.Value)
		}
		if token = page.NextToken; token == nil {
			return out
		}
	}
}

func (w *world) events(name string) []types.StackEvent {
	out, err := w.f.DescribeStackEvents(context.Background(), &cloudformation.DescribeStackEventsInput{StackName: aws.String(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	return out.StackEvents
}

func TestInUseBy(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"a":                       {"a"},
		"a and b":                 {"a", "b"},
		"a, b and c":              {"a", "b", "c"},
		"a, b and c (and 1 more)": {"a", "b", "c", "d"},
		"a, b and c (and 3 more)": {"a", "b", "c", "d", "e", "f"},
	}
	for want, stacks := range tests {
		if got := inUseBy(stacks); got != want {
			t.Errorf("inUseBy(%v) = %q, want %q", stacks, got, want)
		}
	}
}
