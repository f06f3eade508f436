package ghenvironment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-github/v60/github"
)

// Repo is the repository whose environments bootstrap checks, reached
// through the REST API.
type Repo struct {
	Client *github.Client
	Owner  string
	Name   string
}

// environment is what bootstrap reads of one environment.
type environment struct {
	name   string
	exists bool
	// branches is deployment_branch_policy; nil admits every branch.
	branches *branchPolicy
	policies []policy
	// keep are the protection rules a PUT would otherwise reset.
	keep      envUpdate
	reviewers int
}

// branchPolicy is deployment_branch_policy. Both fields are always sent:
// go-github's BranchPolicy omits false values, and GitHub wants exactly one
// of the two true.
type branchPolicy struct {
	ProtectedBranches    bool `json:"protected_branches"`
	CustomBranchPolicies bool `json:"custom_branch_policies"`
}

type policy struct {
	id         int64
	name, kind string
}

func (p policy) String() string { return p.kind + " " + p.name }

// envUpdate is the body of PUT /repos/{o}/{r}/environments/{name}. GitHub
// replaces an environment's protection rules with the body's, resetting
// what it leaves out (go-github's CreateUpdateEnvironment sends null
// reviewers for that reason), so every rule the environment has is sent
// back unchanged; rules it lacks are left out, which also keeps the body
// acceptable on plans without reviewers or wait timers.
// https://docs.github.com/en/rest/deployments/environments#create-or-update-an-environment
type envUpdate struct {
	WaitTimer         *int          `json:"wait_timer,omitempty"`
	PreventSelfReview *bool         `json:"prevent_self_review,omitempty"`
	Reviewers         []reviewerRef `json:"reviewers,omitempty"`
	CanAdminsBypass   *bool         `json:"can_admins_bypass,omitempty"`
	Branches          *branchPolicy `json:"deployment_branch_policy"`
}

type reviewerRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// errNoAdmin is GitHub refusing a settings change to the token: 403
// "Resource not accessible by integration" for GITHUB_TOKEN or an App
// without Administration write, 404 for a user without the admin role.
var errNoAdmin = errors.New("the token may not change the repository's settings (admin role, or Administration: write, needed)")

// status is the HTTP status of a go-github error, 0 for none.
func status(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// denied maps a refused write to errNoAdmin.
func denied(err error) error {
	if s := status(err); s == http.StatusForbidden || s == http.StatusNotFound {
		return fmt.Errorf("%w: %w", errNoAdmin, err)
	}
	return err
}

func (r *Repo) envPath(name string) string {
	return fmt.Sprintf("repos/%s/%s/environments/%s", r.Owner, r.Name, url.PathEscape(name))
}

// read gets an environment (any token with read access may) and, when it
// uses custom policies, those. A missing environment is 404; a token that
// may not read environments at all (403) is errNoAdmin's kin: unreadable.
// https://docs.github.com/en/rest/deployments/environments#get-an-environment
func (r *Repo) read(ctx context.Context, name string) (*environment, error) {
	env := &environment{name: name}
	e, _, err := r.Client.Repositories.GetEnvironment(ctx, r.Owner, r.Name, url.PathEscape(name))
	switch s := status(err); {
	case s == http.StatusNotFound:
		return env, nil
	case s == http.StatusForbidden:
		return nil, fmt.Errorf("read environment %s: %w: %w", name, errNoAdmin, err)
	case err != nil:
		return nil, fmt.Errorf("read environment %s: %w", name, err)
	}
	env.exists = true
	if bp := e.DeploymentBranchPolicy; bp != nil {
		env.branches = &branchPolicy{ProtectedBranches: bp.GetProtectedBranches(), CustomBranchPolicies: bp.GetCustomBranchPolicies()}
	}
	env.keep, env.reviewers = keptRules(e)
	if env.branches != nil && env.branches.CustomBranchPolicies {
		if env.policies, err = r.policies(ctx, name); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// keptRules turns an environment's protection rules into the PUT fields
// that keep them, and counts its required reviewers.
func keptRules(e *github.Environment) (envUpdate, int) {
	var u envUpdate
	n := 0
	for _, rule := range e.ProtectionRules {
		switch rule.GetType() {
		case "wait_timer":
			u.WaitTimer = rule.WaitTimer
		case "required_reviewers":
			u.PreventSelfReview = rule.PreventSelfReview
			for _, rv := range rule.Reviewers {
				if id, ok := reviewerID(rv); ok {
					u.Reviewers = append(u.Reviewers, reviewerRef{Type: rv.GetType(), ID: id})
					n++
				}
			}
		}
	}
	if e.CanAdminsBypass != nil && !*e.CanAdminsBypass {
		u.CanAdminsBypass = github.Bool(false)
	}
	return u, n
}

func reviewerID(rv *github.RequiredReviewer) (int64, bool) {
	switch who := rv.Reviewer.(type) {
	case *github.User:
		return who.GetID(), who.ID != nil
	case *github.Team:
		return who.GetID(), who.ID != nil
	}
	return 0, false
}

// policies lists an environment's custom branch and tag policies, 100 a
// page. A policy without a type predates tag policies: a branch.
// https://docs.github.com/en/rest/deployments/branch-policies#list-deployment-branch-policies
func (r *Repo) policies(ctx context.Context, name string) ([]policy, error) {
	var out []policy
	for page := 1; page != 0; {
		req, err := r.Client.NewRequest("GET", fmt.Sprintf("%s/deployment-branch-policies?per_page=100&page=%d", r.envPath(name), page), nil)
		if err != nil {
			return nil, err
		}
		var list github.DeploymentBranchPolicyResponse
		resp, err := r.Client.Do(ctx, req, &list)
		if err != nil {
			return nil, fmt.Errorf("list deployment branch policies of environment %s: %w", name, err)
		}
		for _, p := range list.BranchPolicies {
			kind := p.GetType()
			if kind == "" {
				kind = "branch"
			}
			out = append(out, policy{id: p.GetID(), name: p.GetName(), kind: kind})
		}
		page = resp.NextPage
	}
	return out, nil
}

// put creates or updates an environment.
func (r *Repo) put(ctx context.Context, name string, body envUpdate) error {
	req, err := r.Client.NewRequest("PUT", r.envPath(name), body)
	if err != nil {
		return err
	}
	if _, err := r.Client.Do(ctx, req, nil); err != nil {
		return fmt.Errorf("update environment %s: %w", name, denied(err))
	}
	return nil
}

// addPolicy admits one branch.
// https://docs.github.com/en/rest/deployments/branch-policies#create-a-deployment-branch-policy
func (r *Repo) addPolicy(ctx context.Context, env, branch string) error {
	_, _, err := r.Client.Repositories.CreateDeploymentBranchPolicy(ctx, r.Owner, r.Name, url.PathEscape(env),
		&github.DeploymentBranchPolicyRequest{Name: github.String(branch), Type: github.String("branch")})
	if err != nil {
		return fmt.Errorf("add branch %s to environment %s: %w", branch, env, denied(err))
	}
	return nil
}

// deletePolicy removes one policy.
// https://docs.github.com/en/rest/deployments/branch-policies#delete-a-deployment-branch-policy
func (r *Repo) deletePolicy(ctx context.Context, env string, p policy) error {
	if _, err := r.Client.Repositories.DeleteDeploymentBranchPolicy(ctx, r.Owner, r.Name, url.PathEscape(env), p.id); err != nil {
		return fmt.Errorf("delete %s from environment %s: %w", p, env, denied(err))
	}
	return nil
}

// Protection is what bootstrap learned of the default branch's classic
// branch protection.
type Protection struct {
	// Known is false when the token may not read it (admin only).
	Known     bool
	Protected bool
	// Approvals is required_approving_review_count (0: no reviews needed).
	Approvals int
	ForcePush bool
}

// protection reads the default branch's classic protection.
// https://docs.github.com/en/rest/branches/branch-protection#get-branch-protection
func (r *Repo) protection(ctx context.Context, branch string) (Protection, error) {
	p, _, err := r.Client.Repositories.GetBranchProtection(ctx, r.Owner, r.Name, branch)
	switch {
	case errors.Is(err, github.ErrBranchNotProtected):
		return Protection{Known: true}, nil
	case status(err) == http.StatusForbidden || status(err) == http.StatusNotFound:
		return Protection{}, nil
	case err != nil:
		return Protection{}, fmt.Errorf("read branch protection of %s: %w", branch, err)
	}
	out := Protection{Known: true, Protected: true}
	if rv := p.RequiredPullRequestReviews; rv != nil {
		out.Approvals = rv.RequiredApprovingReviewCount
	}
	if fp := p.AllowForcePushes; fp != nil {
		out.ForcePush = fp.Enabled
	}
	return out, nil
}
