package preview

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// GitHub is the repository the previews belong to, reached through the REST API.
type GitHub struct {
	Client *github.Client
	Owner  string
	Repo   string
}

// Deployment states this package posts
// (https://docs.github.com/en/rest/deployments/statuses).
const (
	StateInProgress = "in_progress"
	StateSuccess    = "success"
	StateFailure    = "failure"
	StateInactive   = "inactive"
)

// StartDeployment creates the GitHub Deployment of a preview for commit sha
// in the transient environment env and marks it in_progress. Required
// status contexts are emptied: a preview of an unmerged PR deploys before
// its checks finish, and auto-merge would push to the PR's branch.
func (g *GitHub) StartDeployment(ctx context.Context, env, sha, logURL string) (int64, error) {
	d, _, err := g.Client.Repositories.CreateDeployment(ctx, g.Owner, g.Repo, &github.DeploymentRequest{
		Ref:                   github.String(sha),
		Environment:           github.String(env),
		Description:           github.String("mlops preview"),
		TransientEnvironment:  github.Bool(true),
		ProductionEnvironment: github.Bool(false),
		AutoMerge:             github.Bool(false),
		RequiredContexts:      &[]string{},
	})
	if err != nil {
		err = fmt.Errorf("create deployment for %s: %w", env, err)
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
			return 0, fault.WithHint(err, "give the job permissions: deployments: write (and pull-requests: write for the comment)")
		}
		return 0, err
	}
	return d.GetID(), g.SetStatus(ctx, d.GetID(), StateInProgress, "", logURL)
}

// SetStatus posts a deployment status. envURL goes with success only.
func (g *GitHub) SetStatus(ctx context.Context, id int64, state, envURL, logURL string) error {
	req := &github.DeploymentStatusRequest{State: github.String(state)}
	if envURL != "" {
		req.EnvironmentURL = github.String(envURL)
	}
	if logURL != "" {
		req.LogURL = github.String(logURL)
	}
	if _, _, err := g.Client.Repositories.CreateDeploymentStatus(ctx, g.Owner, g.Repo, id, req); err != nil {
		return fmt.Errorf("set deployment %d status %s: %w", id, state, err)
	}
	return nil
}

// Deactivate marks every deployment of env inactive, so the PR's timeline
// and the environments list stop linking to a removed preview. It returns
// how many deployments it marked.
func (g *GitHub) Deactivate(ctx context.Context, env, logURL string) (int, error) {
	opts := &github.DeploymentsListOptions{Environment: env, ListOptions: github.ListOptions{PerPage: 100}}
	n := 0
	for {
		ds, resp, err := g.Client.Repositories.ListDeployments(ctx, g.Owner, g.Repo, opts)
		if err != nil {
			return n, fmt.Errorf("list deployments of %s: %w", env, err)
		}
		for _, d := range ds {
			done, err := g.inactive(ctx, d.GetID())
			if err != nil || done {
				if err != nil {
					return n, err
				}
				continue
			}
			if err := g.SetStatus(ctx, d.GetID(), StateInactive, "", logURL); err != nil {
				return n, err
			}
			n++
		}
		if resp.NextPage == 0 {
			return n, nil
		}
		opts.Page = resp.NextPage
	}
}

// inactive reports whether the deployment's latest status (statuses list
// newest first) is already inactive, so a repeated teardown writes nothing.
func (g *GitHub) inactive(ctx context.Context, id int64) (bool, error) {
	ss, _, err := g.Client.Repositories.ListDeploymentStatuses(ctx, g.Owner, g.Repo, id, &github.ListOptions{PerPage: 1})
	if err != nil {
		return false, fmt.Errorf("list statuses of deployment %d: %w", id, err)
	}
	return len(ss) > 0 && ss[0].GetState() == StateInactive, nil
}

// HasWriteAccess reports whether user may push to the repository, through
// GET /repos/{o}/{r}/collaborators/{user}/permission. "permission" folds
// maintain into write; a user who is no collaborator (404) has none.
func (g *GitHub) HasWriteAccess(ctx context.Context, user string) (bool, string, error) {
	lvl, _, err := g.Client.Repositories.GetPermissionLevel(ctx, g.Owner, g.Repo, user)
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound {
		return false, "none", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("read %s's permission on %s/%s: %w", user, g.Owner, g.Repo, err)
	}
	p := lvl.GetPermission()
	return p == "admin" || p == "write" || p == "maintain", p, nil
}

// PRClosed reports whether pull request n is closed (merged or not).
func (g *GitHub) PRClosed(ctx context.Context, n int) (bool, error) {
	pr, _, err := g.Client.PullRequests.Get(ctx, g.Owner, g.Repo, n)
	if err != nil {
		return false, fmt.Errorf("read pull request #%d: %w", n, err)
	}
	return pr.GetState() == "closed", nil
}
