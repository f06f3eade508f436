package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/ghenvironment"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// declareEnvironments declares the options naming the GitHub environments
// whose OIDC subjects the roles trust (--environment, the deploy job's, is
// declared with the older flags).
func (o *bootstrapOptions) declareEnvironments(opts *options) {
	opts.String(&o.WeightsEnvironment, "weights-environment", "GitHub environment the weight-sync job names; the weights role trusts its sub (default ep-a-weights)")
	opts.String(&o.PreviewEnvironment, "preview-environment", "GitHub environment the preview up/down jobs name; the preview role trusts its sub (default preview)")
	opts.String(&o.GCEnvironment, "gc-environment", "GitHub environment the scheduled preview-gc job names; the preview role also trusts its sub (default preview-gc)")
	opts.Bool(&o.PrunePolicies, "prune-branch-policies", "delete branch and tag rules other than --branch from the deploy, weights and gc environments instead of refusing")
}

// environments pairs each environment option's value with its template
// parameter, in environmentParams' order.
func (o *bootstrapOptions) environments() [][2]string {
	return [][2]string{
		{"DeployEnvironment", o.Environment},
		{"WeightsEnvironment", o.WeightsEnvironment},
		{"PreviewGCEnvironment", o.GCEnvironment},
		{"PreviewEnvironment", o.PreviewEnvironment},
	}
}

// environmentParams are the template parameters of the environment flags.
var environmentParams = [][2]string{
	{"environment", "DeployEnvironment"},
	{"weights-environment", "WeightsEnvironment"},
	{"gc-environment", "PreviewGCEnvironment"},
	{"preview-environment", "PreviewEnvironment"},
}

// checkEnvironments refuses one GitHub environment serving two purposes:
// each role trusts its own environments' subjects, so a shared one lets a
// job assume another purpose's role, and the preview environment cannot be
// limited to the default branch as the others are.
func checkEnvironments(v map[string]string) error {
	seen := map[string]string{}
	for _, p := range environmentParams {
		name := v[p[1]]
		if other, ok := seen[strings.ToLower(name)]; ok {
			return fault.Usagef("mlops bootstrap: %s and %s are both the GitHub environment %q; each purpose needs its own, or a job of one could assume the other's role; pass distinct --%s and --%s",
				other, p[1], name, flagOf(other), p[0])
		}
		seen[strings.ToLower(name)] = p[1]
	}
	return nil
}

func flagOf(param string) string {
	for _, p := range environmentParams {
		if p[1] == param {
			return p[0]
		}
	}
	return param
}

// environmentWant is what bootstrap needs of the repository's environments.
func environmentWant(v map[string]string, prune bool) ghenvironment.Want {
	return ghenvironment.Want{
		Branch:     v["DefaultBranch"],
		Restricted: []string{v["DeployEnvironment"], v["WeightsEnvironment"], v["PreviewGCEnvironment"]},
		Preview:    v["PreviewEnvironment"],
		Prune:      prune,
	}
}

// bootstrapGitHub checks and sets the environments before the stack is
// deployed, so the roles are not made to trust an environment any branch
// may use when that can be helped. Without a token, or with one that may
// not change settings, it says what to set by hand and lets the AWS part
// go on; an environment a user opened to other branches is refused (exit 2)
// unless --prune-branch-policies.
func (e *Env) bootstrapGitHub(ctx context.Context, v map[string]string, prune bool) error {
	done := e.Action.Group("GitHub environments")
	defer done()
	w := environmentWant(v, prune)
	repo := v["GitHubRepository"]
	token := e.GitHub.Token.Reveal()
	if token == "" {
		token = e.GitHub.GHToken.Reveal()
	}
	if token == "" {
		e.reportEnvironments(repo, ghenvironment.Untouched(w, "no GitHub token; set GITHUB_TOKEN or GH_TOKEN to one with the admin role on "+repo+" and rerun, or set them by hand"))
		return nil
	}
	client, err := e.Services.GitHub(token)
	if err != nil {
		return fault.Usage(err)
	}
	owner, name, _ := strings.Cut(repo, "/")
	rep, err := (&ghenvironment.Repo{Client: client, Owner: owner, Name: name}).Ensure(ctx, w)
	var refused *ghenvironment.RefusedError
	switch {
	case errors.As(err, &refused):
		return fault.Usage(fmt.Errorf("mlops bootstrap: %w; nothing was changed on GitHub or AWS", err))
	case err != nil:
		return fmt.Errorf("check the GitHub environments of %s: %w", repo, err)
	}
	e.reportEnvironments(repo, rep)
	return nil
}

// reportEnvironments logs each environment, warns about what is weak or
// left to do by hand, and puts the same in the job summary.
func (e *Env) reportEnvironments(repo string, rep *ghenvironment.Report) {
	if rep.NeedsHands() {
		e.Action.Warningf(action.Location{}, "the roles trust GitHub environments of %s that bootstrap could not check or set (%s); until each is set as below, a job of any branch that names it may assume its role", repo, rep.Reason)
	}
	t := report.Table{Header: []string{"environment", "state", "to do"}}
	for _, r := range rep.Envs {
		e.reportEnvironment(r)
		todo := r.Todo
		if todo == "" {
			todo = "-"
		}
		t.AddRow("`"+r.Env+"`", string(r.State), todo)
	}
	for _, w := range rep.Branch {
		e.Action.Warningf(action.Location{}, "%s", w)
	}
	md := "### GitHub environments\n\n" + t.Markdown()
	var notes []string
	for _, r := range rep.Envs {
		if r.Warning != "" {
			notes = append(notes, "- "+r.Warning)
		}
	}
	for _, w := range rep.Branch {
		notes = append(notes, "- "+w)
	}
	if len(notes) > 0 {
		md += "\n" + strings.Join(notes, "\n") + "\n"
	}
	e.Action.Summary(md)
}

func (e *Env) reportEnvironment(r ghenvironment.Result) {
	if len(r.Done) > 0 {
		e.Action.Logf("GitHub environment %s: %s", r.Env, strings.Join(r.Done, ", "))
	}
	switch {
	case r.State == ghenvironment.Manual:
		msg := fmt.Sprintf("GitHub environment %s must be set by hand: %s", r.Env, r.Todo)
		if r.Warning != "" {
			msg += "; " + r.Warning
		}
		e.Action.Warningf(action.Location{}, "%s", msg)
	case r.State == ghenvironment.Unguarded:
		e.Action.Warningf(action.Location{}, "%s; to require approval: %s", r.Warning, r.Todo)
	case r.Warning != "":
		e.Action.Warningf(action.Location{}, "%s", r.Warning)
	case len(r.Done) == 0:
		e.Action.Logf("GitHub environment %s: as needed", r.Env)
	}
}
