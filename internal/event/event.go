// Package event turns a GitHub webhook payload into the one decision every
// workflow starts with: deploy, bring a preview up or down, sync weights, or
// nothing (with the reason).
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// The actions a decision can carry.
const (
	ActionDeploy      = "deploy"
	ActionPreviewUp   = "preview-up"
	ActionPreviewDown = "preview-down"
	ActionSyncWeights = "sync-weights"
	ActionNone        = "none"
)

// Decision is what a workflow should do for an event.
type Decision struct {
	Action      string            `json:"action"`
	Environment string            `json:"environment,omitempty"`
	PR          int               `json:"pr,omitempty"`
	SHA         string            `json:"sha,omitempty"`
	Ref         string            `json:"ref,omitempty"`
	Reason      string            `json:"reason"`
	Inputs      map[string]string `json:"inputs,omitempty"`
}

// Rules holds what the decision depends on besides the payload.
type Rules struct {
	DeployEnv    string // environment a push to the default branch deploys (ep-a)
	PreviewEnv   string // environment previews are made from (ep-b)
	PreviewLabel string // label that requests a preview (deploy-preview)
	WeightsEnv   string // environment weight syncs target by default
}

// Payload is the subset of a webhook payload the routing reads.
type Payload struct {
	Action      string         `json:"action"`
	Ref         *string        `json:"ref"`
	After       string         `json:"after"`
	Deleted     bool           `json:"deleted"`
	Number      int            `json:"number"`
	Label       *Label         `json:"label"`
	PullRequest *PullRequest   `json:"pull_request"`
	Repository  *Repository    `json:"repository"`
	Inputs      map[string]any `json:"inputs"`
}

// Label is a pull request label.
type Label struct {
	Name string `json:"name"`
}

// PullRequest is the subset of a pull_request object the routing reads.
type PullRequest struct {
	Number int     `json:"number"`
	State  string  `json:"state"`
	Labels []Label `json:"labels"`
	Head   Branch  `json:"head"`
	Base   Branch  `json:"base"`
}

// Branch is a PR head or base.
type Branch struct {
	Ref  string      `json:"ref"`
	SHA  string      `json:"sha"`
	Repo *Repository `json:"repo"`
}

// Repository is the subset of a repository object the routing reads.
type Repository struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

// ReadFile loads a webhook payload; errors name the file.
func ReadFile(path string) (*Payload, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("event file %s: not found; pass --event-path or run inside GitHub Actions (GITHUB_EVENT_PATH)", path)
		}
		return nil, fmt.Errorf("event file %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes a webhook payload; path is used in messages only.
func Parse(path string, data []byte) (*Payload, error) {
	var p Payload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("event file %s: not a JSON webhook payload: %w", path, err)
	}
	if p.Repository == nil {
		return nil, fmt.Errorf("event file %s: not a GitHub webhook payload (no \"repository\" object)", path)
	}
	return &p, nil
}

// Decide routes one event. name is the event name (GITHUB_EVENT_NAME).
func Decide(name string, p *Payload, r Rules) (Decision, error) {
	switch name {
	case "push":
		return decidePush(p, r), nil
	case "pull_request":
		return decidePR(p, r)
	case "workflow_dispatch":
		return decideDispatch(p, r), nil
	}
	return Decision{}, fmt.Errorf("event %q is not handled; mlops routes push, pull_request and workflow_dispatch", name)
}

func decidePush(p *Payload, r Rules) Decision {
	ref := deref(p.Ref)
	d := Decision{Action: ActionNone, Ref: ref, SHA: p.After}
	def := "refs/heads/" + p.Repository.DefaultBranch
	switch {
	case p.Deleted:
		d.Reason = fmt.Sprintf("push deleted %s; nothing to deploy", ref)
	case ref != def:
		d.Reason = fmt.Sprintf("push to %s, not the default branch %s; nothing to deploy", ref, def)
	default:
		d.Action, d.Environment = ActionDeploy, r.DeployEnv
		d.Reason = fmt.Sprintf("push to the default branch %s deploys %s", def, r.DeployEnv)
	}
	return d
}

func decidePR(p *Payload, r Rules) (Decision, error) {
	pr := p.PullRequest
	if pr == nil {
		return Decision{}, errors.New("pull_request event without a \"pull_request\" object")
	}
	d := Decision{Action: ActionNone, PR: pr.Number, SHA: pr.Head.SHA, Ref: pr.Head.Ref, Environment: r.PreviewEnv}
	labelled := hasLabel(pr.Labels, r.PreviewLabel)
	switch {
	case isFork(pr):
		d.Environment = ""
		d.Reason = fmt.Sprintf("pull request #%d comes from the fork %s; previews deploy only from branches of %s, because a fork's workflow gets no OIDC token or secrets", pr.Number, repoName(pr.Head.Repo), repoName(pr.Base.Repo))
	case r.PreviewLabel == "":
		d.Environment = ""
		d.Reason = "no environment has a preview section in the config; previews are off"
	case p.Action == "closed":
		d.Action = ActionPreviewDown
		d.Reason = fmt.Sprintf("pull request #%d was closed; its preview is removed", pr.Number)
	case p.Action == "unlabeled" && p.Label != nil && p.Label.Name == r.PreviewLabel:
		d.Action = ActionPreviewDown
		d.Reason = fmt.Sprintf("label %q was removed from pull request #%d; its preview is removed", r.PreviewLabel, pr.Number)
	case p.Action == "labeled" && p.Label != nil && p.Label.Name == r.PreviewLabel:
		d.Action = ActionPreviewUp
		d.Reason = fmt.Sprintf("label %q was added to pull request #%d", r.PreviewLabel, pr.Number)
	case (p.Action == "synchronize" || p.Action == "reopened") && labelled:
		d.Action = ActionPreviewUp
		d.Reason = fmt.Sprintf("pull request #%d was %s and carries %q", pr.Number, p.Action, r.PreviewLabel)
	default:
		d.Environment = ""
		d.Reason = prNoneReason(p, r, labelled)
	}
	return d, nil
}

func prNoneReason(p *Payload, r Rules, labelled bool) string {
	n := p.PullRequest.Number
	switch {
	case (p.Action == "labeled" || p.Action == "unlabeled") && p.Label != nil:
		return fmt.Sprintf("label %q on pull request #%d is not the preview label %q", p.Label.Name, n, r.PreviewLabel)
	case !labelled:
		return fmt.Sprintf("pull request #%d was %s but does not carry the label %q", n, p.Action, r.PreviewLabel)
	}
	return fmt.Sprintf("pull request action %q does not change a preview", p.Action)
}

func decideDispatch(p *Payload, r Rules) Decision {
	d := Decision{Action: ActionSyncWeights, Ref: deref(p.Ref), Environment: r.WeightsEnv, Inputs: map[string]string{}}
	for k, v := range p.Inputs {
		d.Inputs[k] = fmt.Sprint(v)
	}
	if env := d.Inputs["environment"]; env != "" {
		d.Environment = env
	}
	d.Reason = fmt.Sprintf("manual run syncs model weights to %s", d.Environment)
	return d
}

func hasLabel(ls []Label, name string) bool {
	for _, l := range ls {
		if name != "" && l.Name == name {
			return true
		}
	}
	return false
}

func isFork(pr *PullRequest) bool {
	if pr.Head.Repo == nil {
		// GitHub sends head.repo null when the fork was deleted.
		return true
	}
	return pr.Base.Repo == nil || !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)
}

func repoName(r *Repository) string {
	if r == nil {
		return "(deleted repository)"
	}
	return r.FullName
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
