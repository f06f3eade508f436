package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// How CloudFormation words an export problem. A missing export fails the
// stack operation, not the change set, and the stack rolls back
// (https://github.com/aws/copilot-cli/issues/4754, a change-set deploy;
// https://github.com/widdix/aws-cf-templates/issues/87). An update that
// changes or removes an imported export rolls back with "Update canceled."
// or "Delete canceled." (https://github.com/aws-samples/generative-ai-use-cases/issues/1232,
// https://github.com/aws/aws-cdk/issues/33395; reports up to 2022 show the older "Export X
// cannot be updated as it is in use by Y", https://github.com/linz/geostore/issues/630).
// DeleteStack of a stack whose export is imported succeeds, then the stack
// returns to its previous status with "Export X cannot be deleted as it is
// in use by Y" (https://github.com/aws/aws-sdk/issues/383,
// https://github.com/aws/aws-cdk/issues/604).
const (
	noExportFormat       = "No export named %s found."
	updateInUseFormat    = "Update canceled. Cannot update export %s as it is in use by %s."
	removeInUseFormat    = "Delete canceled. Cannot delete export %s as it is in use by %s."
	deleteStackUseFormat = "Export %s cannot be deleted as it is in use by %s"
	// notImportedFormat is ListImports' ValidationError for an export no
	// stack imports (https://github.com/guardian/mobile-n10n/blob/main/cdk/README.md).
	notImportedFormat = "Export '%s' is not imported by any stack."
)

// inUseBy names importing stacks as CloudFormation does: "a", "a and b",
// "a, b and c", then "(and N more)" (https://github.com/aws/copilot-cli/issues/4069).
func inUseBy(stacks []string) string {
	shown := stacks[:min(3, len(stacks))]
	s := shown[len(shown)-1]
	if len(shown) > 1 {
		s = strings.Join(shown[:len(shown)-1], ", ") + " and " + s
	}
	if more := len(stacks) - len(shown); more > 0 {
		s += fmt.Sprintf(" (and %d more)", more)
	}
	return s
}

// evalExports returns the stack's exports (name → value): every output
// whose template entry has an Export, with its evaluated name, which it
// also sets as the output's ExportName (DescribeStacks shows it).
func (f *CloudFormation) evalExports(st *fakeStack) map[string]string {
	out := map[string]string{}
	if st.template == nil {
		return out
	}
	for i, o := range st.outputs {
		if e := st.template.Outputs[aws.ToString(o.OutputKey)].ExportName; e != nil {
			name := f.eval(st, e)
			out[name] = aws.ToString(o.OutputValue)
			st.outputs[i].ExportName = aws.String(name)
		}
	}
	return out
}

// importNames returns the export names the stack's template imports, in
// its created resources and its outputs, sorted.
func (f *CloudFormation) importNames(st *fakeStack) []string {
	if st.template == nil {
		return nil
	}
	var names []string
	visit := func(arg any) {
		if n := f.eval(st, arg); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, id := range f.activeIDs(st) {
		walkImports(st.template.Resources[id].Properties, visit)
	}
	for _, k := range slices.Sorted(maps.Keys(st.template.Outputs)) {
		if o := st.template.Outputs[k]; o.Condition == "" || f.holds(st, o.Condition) {
			walkImports(o.Value, visit)
		}
	}
	slices.Sort(names)
	return names
}

func walkImports(v any, visit func(arg any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "Fn::ImportValue" {
				visit(e)
				continue
			}
			walkImports(e, visit)
		}
	case []any:
		for _, e := range x {
			walkImports(e, visit)
		}
	}
}

// live reports whether a stack counts for exports and imports: it exists
// and is not only a change set under review.
func live(st *fakeStack) bool {
	return st.status != types.StackStatusDeleteComplete && st.status != types.StackStatusReviewInProgress
}

// export finds a live stack's export by name.
func (f *CloudFormation) export(name string) (value string, owner *fakeStack, ok bool) {
	for _, n := range slices.Sorted(maps.Keys(f.stacks)) {
		st := f.stacks[n]
		if v, found := st.exports[name]; found && live(st) {
			return v, st, true
		}
	}
	return "", nil, false
}

// importers returns the live stacks, other than self, that import name.
func (f *CloudFormation) importers(name string, self *fakeStack) []string {
	var out []string
	for _, n := range slices.Sorted(maps.Keys(f.stacks)) {
		st := f.stacks[n]
		if st != self && live(st) && slices.Contains(st.imports, name) {
			out = append(out, n)
		}
	}
	return out
}

// missingImport returns the reason an execution cannot start because the
// new template imports an export no stack has ("" when all are there).
func (f *CloudFormation) missingImport(st *fakeStack) string {
	for _, n := range f.importNames(st) {
		if _, _, ok := f.export(n); !ok {
			return fmt.Sprintf(noExportFormat, n)
		}
	}
	return ""
}

// removedInUse returns why an update may not start: it drops an export
// another stack imports (the names are known before any resource changes).
func (f *CloudFormation) removedInUse(st *fakeStack, before map[string]string) string {
	var after []string
	for _, o := range st.template.Outputs {
		if o.ExportName != nil && (o.Condition == "" || f.holds(st, o.Condition)) {
			after = append(after, f.eval(st, o.ExportName))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(before)) {
		if slices.Contains(after, n) {
			continue
		}
		if users := f.importers(n, st); len(users) > 0 {
			return fmt.Sprintf(removeInUseFormat, n, inUseBy(users))
		}
	}
	return ""
}

// changedInUse returns why a finished update must roll back: an export
// another stack imports now has a different value.
func (f *CloudFormation) changedInUse(st *fakeStack, before, after map[string]string) string {
	for _, n := range slices.Sorted(maps.Keys(before)) {
		if v, ok := after[n]; !ok || v == before[n] {
			continue
		}
		if users := f.importers(n, st); len(users) > 0 {
			return fmt.Sprintf(updateInUseFormat, n, inUseBy(users))
		}
	}
	return ""
}

// deleteInUse returns why DeleteStack cannot delete the stack: another
// stack imports one of its exports.
func (f *CloudFormation) deleteInUse(st *fakeStack) string {
	for _, n := range slices.Sorted(maps.Keys(st.exports)) {
		if users := f.importers(n, st); len(users) > 0 {
			return fmt.Sprintf(deleteStackUseFormat, n, inUseBy(users))
		}
	}
	return ""
}

// listPage returns items[off:off+size] and the next token ("" at the end).
func listPage[T any](items []T, token *string, size int) ([]T, *string) {
	if size <= 0 {
		size = 100
	}
	off := min(atoi(aws.ToString(token)), len(items))
	end := min(off+size, len(items))
	if end < len(items) {
		return items[off:end], aws.String(itoa(end))
	}
	return items[off:end], nil
}

// ListImports is CloudFormation's ListImports: the stacks importing the
// export, by name, ListPageSize a page; a ValidationError when none does.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
func (f *CloudFormation) ListImports(_ context.Context, in *cloudformation.ListImportsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListImportsOutput, error) {
	if err := f.begin("ListImports"); err != nil {
		return nil, err
	}
	defer f.unlock()
	name := aws.ToString(in.ExportName)
	_, owner, _ := f.export(name)
	users := f.importers(name, owner)
	if len(users) == 0 {
		return nil, validation(notImportedFormat, name)
	}
	page, next := listPage(users, in.NextToken, f.ListPageSize)
	return &cloudformation.ListImportsOutput{Imports: page, NextToken: next}, nil
}

// ListExports is CloudFormation's ListExports: every live stack's exports,
// by name, ListPageSize a page.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListExports.html
func (f *CloudFormation) ListExports(_ context.Context, in *cloudformation.ListExportsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListExportsOutput, error) {
	if err := f.begin("ListExports"); err != nil {
		return nil, err
	}
	defer f.unlock()
	var all []types.Export
	for _, n := range slices.Sorted(maps.Keys(f.stacks)) {
		st := f.stacks[n]
		if !live(st) {
			continue
		}
		for _, e := range slices.Sorted(maps.Keys(st.exports)) {
			all = append(all, types.Export{ExportingStackId: aws.String(st.id), Name: aws.String(e), Value: aws.String(st.exports[e])})
		}
	}
	slices.SortFunc(all, func(a, b types.Export) int { return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name)) })
	page, next := listPage(all, in.NextToken, f.ListPageSize)
	return &cloudformation.ListExportsOutput{Exports: page, NextToken: next}, nil
}
