package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/ecs-mlops/ecs-mlops/internal/awsarn"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// ExportInUse is an export of the stack that the change set would change
// or remove while other stacks import it. CloudFormation lets such an
// update run and rolls it back ("Cannot update export X as it is in use
// by Y"), minutes later and possibly after the service was replaced.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html
type ExportInUse struct {
	Name      string   // the export's name
	Output    string   // the output that exports it
	Change    string   // what happens to it, e.g. "removed" or "value changes: … → …"
	Importers []string // stacks importing it, by name
}

// notImported is ListImports' answer for an export no stack imports:
// ValidationError "Export 'X' is not imported by any stack."
// https://github.com/guardian/mobile-n10n/blob/main/cdk/README.md
func notImported(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "is not imported by any stack")
}

// exportsInUse compares the live stack's exports (DescribeStacks already
// returned them) with what the new template and parameters make of them,
// and asks ListImports only about those that would change: a deploy that
// leaves every export alone makes no extra call.
func (d *Deployer) exportsInUse(ctx context.Context, req Request, st *types.Stack, changes []Change) ([]ExportInUse, error) {
	if st == nil {
		return nil, nil
	}
	ev := offlineEval{t: req.Template, Offline: cfn.Offline{Stack: req.Stack, Params: req.values(), Region: d.Region, Account: awsarn.AccountOf(aws.ToString(st.StackId))}}
	var out []ExportInUse
	for _, o := range st.Outputs {
		name := aws.ToString(o.ExportName)
		if name == "" {
			continue
		}
		change := ev.exportChange(aws.ToString(o.OutputKey), name, aws.ToString(o.OutputValue), changes)
		if change == "" {
			continue
		}
		users, err := d.listImports(ctx, name)
		if err != nil {
			return nil, err
		}
		if len(users) > 0 {
			out = append(out, ExportInUse{Name: name, Output: aws.ToString(o.OutputKey), Change: change, Importers: users})
		}
	}
	return out, nil
}

// listImports returns every stack importing the export, page by page.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
func (d *Deployer) listImports(ctx context.Context, name string) ([]string, error) {
	var users []string
	var token *string
	for {
		out, err := d.CFN.ListImports(ctx, &cloudformation.ListImportsInput{ExportName: aws.String(name), NextToken: token})
		if notImported(err) {
			return users, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list the stacks importing export %q: %w", name, err)
		}
		users = append(users, out.Imports...)
		if token = out.NextToken; token == nil {
			slices.Sort(users)
			return users, nil
		}
	}
}

// refuseExportsInUse stops a deploy whose change set would change or
// remove an export other stacks import, naming them, before anything runs.
func (d *Deployer) refuseExportsInUse(ctx context.Context, req Request, st *types.Stack, ref changeSetRef, res *Result) error {
	used, err := d.exportsInUse(ctx, req, st, res.Changes)
	res.ExportsInUse = used
	if err != nil || len(used) == 0 {
		return err
	}
	_ = d.deleteChangeSet(ctx, req, ref, types.ChangeSetType(res.ChangeSetType))
	return fault.WithHint(fmt.Errorf("refused to deploy stack %q: CloudFormation would roll the update back, because other stacks import exports it changes:\n  %s",
		req.Stack, strings.Join(ExportLines(used), "\n  ")), ExportHint(used))
}

// ExportLines describes each export in use on one line.
func ExportLines(used []ExportInUse) []string {
	out := make([]string, len(used))
	for i, u := range used {
		out[i] = fmt.Sprintf("export %s (output %s) %s; imported by %s", u.Name, u.Output, u.Change, strings.Join(u.Importers, ", "))
	}
	return out
}

// ExportHint says how to free the exports: remove the importing stacks
// (previews are disposable), then deploy again.
func ExportHint(used []ExportInUse) string {
	var prs []string
	for _, u := range used {
		for _, s := range u.Importers {
			if n, ok := strings.CutPrefix(s, "ep-b-pr-"); ok && !slices.Contains(prs, n) {
				prs = append(prs, n)
			}
		}
	}
	hint := "remove or update the importing stacks first, then deploy again"
	if len(prs) > 0 {
		hint = "the importers are previews: run mlops preview gc (closed pull requests) or mlops preview down --pr N for " +
			"each of #" + strings.Join(prs, ", #") + ", then deploy again; previews deployed from the current add-ep-b.yaml take A's outputs as parameters and import nothing"
	}
	return hint
}

// values returns the parameter values the change set was created with,
// template defaults included.
func (r Request) values() map[string]string {
	out := map[string]string{}
	if r.Template != nil {
		for name, p := range r.Template.Parameters {
			if p.Default != nil {
				out[name] = *p.Default
			}
		}
	}
	if r.Params != nil {
		for k, v := range r.Params.Values {
			out[k] = v
		}
	}
	return out
}
