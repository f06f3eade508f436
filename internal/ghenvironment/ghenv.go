// Package ghenvironment checks and sets the GitHub environments the bootstrap
// roles trust. A role trusts the OIDC subject
// repo:<owner>/<name>:environment:<env>, which any job of any branch that
// names the environment gets, unless the environment limits its deployment
// branches; so the environments of the deploy, weights and preview-gc jobs
// must admit the default branch only. The preview environment cannot be
// limited by branch (GitHub checks a pull_request run against the pull
// request's head branch), so required reviewers are all that guard it.
// https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment#deployment-branches-and-tags
package ghenvironment

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Want is what bootstrap needs of the repository's environments.
type Want struct {
	// Branch is the default branch, the only one Restricted admit.
	Branch string
	// Restricted are the deploy, weights and preview-gc environments.
	Restricted []string
	// Preview is the environment the pull request jobs name.
	Preview string
	// Prune deletes other branch and tag policies of Restricted instead
	// of refusing to go on.
	Prune bool
}

// State is how an environment was left.
type State string

// The states of a Result.
const (
	// Ready: already as bootstrap needs it.
	Ready State = "ready"
	// Fixed: bootstrap created or changed it.
	Fixed State = "fixed"
	// Manual: someone with the admin role must change it by hand.
	Manual State = "manual"
	// Unguarded: the preview environment has no required reviewers.
	Unguarded State = "unguarded"
)

// Result is one environment's outcome.
type Result struct {
	Env   string
	State State
	// Done lists what bootstrap changed, in order.
	Done []string
	// Todo is what to set by hand (State Manual).
	Todo string
	// Warning says what is weak about the environment as it is left.
	Warning string

	refusal string // GitHub's refusal of the token, moved to Report.Reason
}

// Report is the outcome for every environment and the default branch.
type Report struct {
	// Reason says why environments were left to do by hand: no token, or
	// GitHub refusing the token a settings change.
	Reason string
	Envs   []Result
	// Branch lists weaknesses of the default branch's protection, or
	// that it could not be read.
	Branch []string
}

// NeedsHands reports whether any environment must be set by hand.
func (r *Report) NeedsHands() bool {
	for _, e := range r.Envs {
		if e.State == Manual {
			return true
		}
	}
	return false
}

// RefusedError is returned, before any write, when an environment admits
// more than the default branch through rules a user set, which bootstrap
// does not delete unless told to (Want.Prune).
type RefusedError struct{ Reasons []string }

func (e *RefusedError) Error() string {
	return "GitHub environments admit more than the default branch: " + strings.Join(e.Reasons, "; ")
}

// plan is what one restricted environment needs.
type plan struct {
	env     *environment
	put     *envUpdate
	add     bool
	del     []policy
	warning string
	manual  string // why bootstrap leaves it to do by hand
	refusal string // GitHub refused the token reading it
}

func (p *plan) writes() bool { return p.put != nil || p.add || len(p.del) > 0 }

// Ensure reads every environment, refuses (RefusedError) before writing
// anything if one admits other branches through a user's own rules, then
// creates and restricts what needs it. A token that may not change settings
// leaves the rest to do by hand (State Manual); any other GitHub failure is
// an error.
func (r *Repo) Ensure(ctx context.Context, w Want) (*Report, error) {
	prot, err := r.protection(ctx, w.Branch)
	if err != nil {
		return nil, err
	}
	rep := &Report{Branch: branchWarnings(w.Branch, prot)}
	var plans []*plan
	var refused []string
	for _, name := range w.Restricted {
		p, why, err := r.planRestricted(ctx, name, w, prot)
		if err != nil {
			return nil, err
		}
		if why != "" {
			refused = append(refused, why)
		}
		plans = append(plans, p)
	}
	if len(refused) > 0 {
		return nil, &RefusedError{Reasons: refused}
	}
	preview, err := r.read(ctx, w.Preview)
	if err != nil && !errors.Is(err, errNoAdmin) {
		return nil, err
	}
	noAdmin := false
	for _, p := range plans {
		res, err := r.apply(ctx, p, w.Branch, noAdmin)
		if err != nil {
			return nil, err
		}
		noAdmin = noAdmin || res.State == Manual && p.writes()
		rep.add(res)
	}
	res, err := r.ensurePreview(ctx, w.Preview, preview, noAdmin)
	if err != nil {
		return nil, err
	}
	rep.add(res)
	return rep, nil
}

// add records a result; the first token refusal becomes the report's Reason.
func (rep *Report) add(res Result) {
	if res.State == Manual && rep.Reason == "" && res.refusal != "" {
		rep.Reason = res.refusal
	}
	res.refusal = ""
	rep.Envs = append(rep.Envs, res)
}

// planRestricted reads one environment and decides what it needs; why is
// set when it must be refused.
func (r *Repo) planRestricted(ctx context.Context, name string, w Want, prot Protection) (p *plan, why string, err error) {
	env, err := r.read(ctx, name)
	if errors.Is(err, errNoAdmin) {
		return &plan{env: &environment{name: name}, refusal: err.Error()}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	p = &plan{env: env}
	custom := env.keep
	custom.Branches = &branchPolicy{CustomBranchPolicies: true}
	switch b := env.branches; {
	case !env.exists || b == nil: // every branch
		p.put, p.add = &custom, true
	case b.ProtectedBranches && prot.Protected:
		p.warning = fmt.Sprintf("environment %s admits every protected branch; %s is protected, but a job of any other protected branch may also assume the role that trusts %s", name, w.Branch, name)
	case b.ProtectedBranches && !prot.Known:
		p.manual = fmt.Sprintf("environment %s admits every protected branch, and the token may not read whether %s is protected", name, w.Branch)
	case b.ProtectedBranches && w.Prune:
		p.put, p.add = &custom, true
	case b.ProtectedBranches:
		return p, fmt.Sprintf("environment %s admits every protected branch, and %s is not protected (so it cannot deploy there, and every protected branch can): set Deployment branches and tags to Selected branches → %s, or rerun with --prune-branch-policies", name, w.Branch, w.Branch), nil
	default:
		var extra []string
		p.add = true
		for _, pol := range env.policies {
			if pol.kind == "branch" && pol.name == w.Branch {
				p.add = false
				continue
			}
			p.del = append(p.del, pol)
			extra = append(extra, pol.String())
		}
		if len(extra) > 0 && !w.Prune {
			return p, fmt.Sprintf("environment %s also admits %s: remove them in Settings → Environments → %s → Deployment branches and tags, or rerun with --prune-branch-policies to delete them", name, strings.Join(extra, ", "), name), nil
		}
	}
	return p, "", nil
}

// apply writes one plan; once the token was refused (noAdmin), nothing
// more is sent and what is left becomes a manual step.
func (r *Repo) apply(ctx context.Context, p *plan, branch string, noAdmin bool) (Result, error) {
	name := p.env.name
	res := Result{Env: name, State: Ready, Warning: p.warning}
	if p.manual != "" || p.refusal != "" || (noAdmin && p.writes()) {
		m := manual(name, branch, p.manual)
		m.refusal = p.refusal
		return m, nil
	}
	if !p.writes() {
		return res, nil
	}
	err := r.write(ctx, p, branch, &res.Done)
	if errors.Is(err, errNoAdmin) {
		m := manual(name, branch, "")
		m.Done, m.refusal = res.Done, err.Error()
		return m, nil
	}
	if err != nil {
		return res, err
	}
	res.State = Fixed
	return res, nil
}

func (r *Repo) write(ctx context.Context, p *plan, branch string, done *[]string) error {
	name := p.env.name
	if p.put != nil {
		if err := r.put(ctx, name, *p.put); err != nil {
			return err
		}
		verb := "limited to selected branches"
		if !p.env.exists {
			verb = "created, limited to selected branches"
		}
		*done = append(*done, verb)
	}
	if p.add {
		if err := r.addPolicy(ctx, name, branch); err != nil {
			return err
		}
		*done = append(*done, "admits branch "+branch)
	}
	for _, pol := range p.del {
		if err := r.deletePolicy(ctx, name, pol); err != nil {
			return err
		}
		*done = append(*done, "deleted "+pol.String())
	}
	return nil
}

// manual is the step a person with the admin role takes for a restricted
// environment.
func manual(env, branch, why string) Result {
	todo := fmt.Sprintf("Settings → Environments → %s (create it if missing) → Deployment branches and tags → Selected branches → add %s, and no other branch or tag", env, branch)
	return Result{Env: env, State: Manual, Todo: todo, Warning: why}
}

// ensurePreview creates the preview environment when missing (open to every
// branch, as pull request heads need) and reports whether required
// reviewers guard it.
func (r *Repo) ensurePreview(ctx context.Context, name string, env *environment, noAdmin bool) (Result, error) {
	if env == nil || (!env.exists && noAdmin) {
		return previewByHand(name), nil
	}
	res := Result{Env: name, State: Ready}
	if !env.exists {
		err := r.put(ctx, name, envUpdate{})
		if errors.Is(err, errNoAdmin) {
			m := previewByHand(name)
			m.refusal = err.Error()
			return m, nil
		}
		if err != nil {
			return res, err
		}
		res.State, res.Done = Fixed, []string{"created, open to every branch"}
	}
	if env.branches != nil {
		res.Warning = fmt.Sprintf("environment %s limits its deployment branches, but GitHub checks a pull_request run against the pull request's head branch, so previews of other branches will be refused; use required reviewers instead.", name)
	}
	if env.reviewers == 0 {
		res.State, res.Todo = Unguarded, reviewersTodo(name)
		res.Warning = strings.TrimSpace(res.Warning + " " + unguarded(name))
	}
	return res, nil
}

func reviewersTodo(name string) string {
	return fmt.Sprintf("Settings → Environments → %s (create it if missing) → Required reviewers → add the people who may approve a preview deploy", name)
}

// previewByHand is the manual step for the preview environment, whose
// reviewers bootstrap could not read.
func previewByHand(name string) Result {
	return Result{Env: name, State: Manual, Todo: reviewersTodo(name),
		Warning: "without required reviewers, " + strings.TrimPrefix(unguarded(name), "environment "+name+" has no required reviewers: ")}
}

func unguarded(name string) string {
	return fmt.Sprintf("environment %s has no required reviewers: any job that names it, on any branch that anyone with write access pushes, may assume the preview role without approval (the role can change only preview stacks and preview images, but it runs that branch's code)", name)
}

// Untouched is the report when GitHub cannot be asked at all (no token):
// every environment is a manual step.
func Untouched(w Want, why string) *Report {
	rep := &Report{Reason: why, Branch: []string{fmt.Sprintf("bootstrap could not check the branch protection of %s: make sure it requires pull request reviews and blocks force pushes (Settings → Branches), since every push to it runs the jobs the roles trust", w.Branch)}}
	for _, name := range w.Restricted {
		rep.Envs = append(rep.Envs, manual(name, w.Branch, ""))
	}
	rep.Envs = append(rep.Envs, previewByHand(w.Preview))
	return rep
}

// branchWarnings names what is weak about the default branch's protection.
func branchWarnings(branch string, p Protection) []string {
	const why = "every push to it runs the deploy, weights and preview-gc jobs, whose environments the roles trust"
	switch {
	case !p.Known:
		return []string{fmt.Sprintf("the token may not read the branch protection of %s (admin role needed): make sure it requires pull request reviews and blocks force pushes (Settings → Branches), since %s", branch, why)}
	case !p.Protected:
		return []string{fmt.Sprintf("branch %s has no branch protection (a ruleset, if one applies, is not checked): anyone with write access can push to it, and %s; add a rule requiring pull request reviews and blocking force pushes (Settings → Branches)", branch, why)}
	}
	var out []string
	if p.Approvals == 0 {
		out = append(out, fmt.Sprintf("branch %s is protected but requires no approving review, so a single writer can change what its jobs run with the roles", branch))
	}
	if p.ForcePush {
		out = append(out, fmt.Sprintf("branch %s allows force pushes, which can replace reviewed history", branch))
	}
	return out
}
