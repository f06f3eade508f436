package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// planOptions are the settings of mlops plan.
type planOptions struct {
	stackOptions
	Offline  bool
	Markdown string
}

func runPlan(ctx context.Context, e *Env, args []string) error {
	var o planOptions
	opts := e.newOptions("plan", "--env NAME [--image REF] [--param K=V ...] [--offline] [--markdown FILE]")
	o.stackOptions.declare(opts)
	opts.Bool(&o.Offline, "offline", "only validate parameters against the template and print them; no AWS call")
	opts.String(&o.Markdown, "markdown", "also write the plan as markdown to FILE (for a pull-request comment)")
	if err := opts.parse(args, false); err != nil {
		return err
	}
	j, err := e.stackJob(ctx, "plan", &o.stackOptions)
	if err != nil {
		return err
	}
	mdPath := o.Markdown
	if o.Offline {
		return e.offlinePlan(j, mdPath)
	}
	d, err := e.deployer(ctx, j)
	if err != nil {
		return err
	}
	d.Verifier = nil
	res, err := d.Plan(ctx, j.req)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, planText(res))
	md := stack.PlanMarkdown(j.name, res)
	e.Action.SetOutput("stack-name", res.Stack)
	e.Action.SetOutput("change-set-type", res.ChangeSetType)
	e.Action.SetOutput("changes", strconv.Itoa(len(res.Changes)))
	e.Action.SetOutput("has-changes", strconv.FormatBool(!res.NoChanges && len(res.Changes) > 0))
	e.Action.SetOutput("destructive", strconv.FormatBool(len(stack.Destructive(res.Changes)) > 0))
	e.Action.Summary(md)
	return writeMarkdown(mdPath, md)
}

func planText(res *stack.Result) string {
	if res.NoChanges {
		return fmt.Sprintf("stack %s: no changes", res.Stack)
	}
	var b strings.Builder
	for _, r := range res.Recovered {
		b.WriteString(r + "\n")
	}
	fmt.Fprintf(&b, "stack %s: %d change(s) (%s change set)\n", res.Stack, len(res.Changes), res.ChangeSetType)
	b.WriteString(stack.ChangesTable(res.Changes))
	if len(res.ExportsInUse) > 0 {
		b.WriteString("\n\nwarning: mlops deploy refuses this change set, other stacks import exports it changes:\n  ")
		b.WriteString(strings.Join(stack.ExportLines(res.ExportsInUse), "\n  "))
		b.WriteString("\nnext: " + stack.ExportHint(res.ExportsInUse))
	}
	return b.String()
}

// offlinePlan prints the resolved parameters and the template's resources.
func (e *Env) offlinePlan(j *stackJob, mdPath string) error {
	pt := paramTable(j.req.Params)
	fmt.Fprintf(e.Stdout, "%s: parameters valid against %s\n\n%s", j.name, j.req.Template.Path, pt.Text())
	md := fmt.Sprintf("### Offline plan for `%s` (stack `%s`)\n\nParameters validated against `%s`; no AWS call was made.\n\n%s", j.name, j.req.Stack, j.req.Template.Path, pt.Markdown())
	e.Action.Summary(md)
	return writeMarkdown(mdPath, md)
}

func writeMarkdown(path, md string) error {
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return fmt.Errorf("write markdown %s: %w", path, err)
	}
	return nil
}
