package preview

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// DownResult says what a teardown removed.
type DownResult struct {
	Stack       string
	StackFound  bool
	Images      []string
	Deployments int
}

// Summary says in one sentence what was removed.
func (d *DownResult) Summary() string {
	if d.Gone() {
		return fmt.Sprintf("The preview %s was already gone; nothing to remove.", d.Stack)
	}
	stack := "no stack"
	if d.StackFound {
		stack = "stack " + d.Stack
	}
	return fmt.Sprintf("Removed %s, %d image(s) and %d deployment(s).", stack, len(d.Images), d.Deployments)
}

// Gone reports whether there was nothing left to remove.
func (d *DownResult) Gone() bool {
	return !d.StackFound && len(d.Images) == 0 && d.Deployments == 0
}

// Down removes pull request pr's preview: its stack (with the listener
// rule it owns), its images and its deployments, then says so on the PR.
// It only deletes a stack tagged for this PR, and is repeatable: a preview
// already gone is success with nothing to do.
func (l *Lifecycle) Down(ctx context.Context, pr int, reason string) (*DownResult, error) {
	names, err := NamesFor(l.Env, pr)
	if err != nil {
		return nil, err
	}
	st, err := l.Stacks.Get(ctx, names.Stack)
	if err != nil {
		return nil, err
	}
	if st != nil && !names.OwnsTags(st.Tags) {
		return nil, fmt.Errorf("stack %q is not tagged %s=true, %s=%d; refusing to delete a stack that is not this pull request's preview", names.Stack, TagPreview, TagPR, pr)
	}
	res := &DownResult{Stack: names.Stack, StackFound: st != nil}
	if st != nil {
		l.logf("deleting stack %s", names.Stack)
		if err := l.Stacks.Delete(ctx, names.Stack); err != nil {
			return res, err
		}
	}
	if l.Images != nil {
		if res.Images, err = l.Images.DeleteTagged(ctx, names.ImagePrefix); err != nil {
			return res, err
		}
	}
	if res.Deployments, err = l.GitHub.Deactivate(ctx, names.Deployment, l.RunURL); err != nil {
		return res, err
	}
	if !res.Gone() {
		l.comment(ctx, &report.Results{Status: report.StatusRemoved, Environment: names.Environment, Stack: names.Stack, PR: pr, RunURL: l.RunURL, Message: strings.TrimSpace(reason + " " + res.Summary())})
	}
	return res, nil
}

// GCEntry is what gc did with one preview stack.
type GCEntry struct {
	PR     int
	Stack  string
	Action string // "removed", "kept" or "failed"
	Reason string
}

// GC removes every preview whose pull request is closed. It goes on after
// a failure and reports every stack it looked at.
func (l *Lifecycle) GC(ctx context.Context) ([]GCEntry, error) {
	previews, err := l.Stacks.Previews(ctx)
	if err != nil {
		return nil, err
	}
	prs := make([]int, 0, len(previews))
	for n := range previews {
		prs = append(prs, n)
	}
	sort.Ints(prs)
	var out []GCEntry
	var failed []string
	for _, n := range prs {
		e := GCEntry{PR: n, Stack: previews[n].Name, Action: "kept", Reason: "pull request is open"}
		closed, err := l.GitHub.PRClosed(ctx, n)
		switch {
		case err != nil:
			e.Action, e.Reason = "failed", err.Error()
		case closed:
			e.Action, e.Reason = "removed", "pull request is closed"
			if _, err := l.Down(ctx, n, fmt.Sprintf("Pull request #%d is closed; its preview was removed by preview gc.", n)); err != nil {
				e.Action, e.Reason = "failed", err.Error()
			}
		}
		if e.Action == "failed" {
			failed = append(failed, e.Stack)
		}
		out = append(out, e)
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("preview gc: %d preview(s) could not be checked or removed: %s", len(failed), strings.Join(failed, ", "))
	}
	return out, nil
}

// GCTable renders gc's outcome for the job summary and the log.
func GCTable(es []GCEntry) *report.Table {
	t := &report.Table{Header: []string{"PR", "Stack", "Action", "Reason"}}
	for _, e := range es {
		t.AddRow(fmt.Sprintf("#%d", e.PR), e.Stack, e.Action, e.Reason)
	}
	return t
}
