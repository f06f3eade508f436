package event

import "encoding/json"

// Payload is the subset of a webhook payload the routing reads.
// https://docs.github.com/en/webhooks/webhook-events-and-payloads
type Payload struct {
	Action      string                     `json:"action"`
	Ref         *string                    `json:"ref"`
	After       string                     `json:"after"`
	Deleted     bool                       `json:"deleted"`
	Number      int                        `json:"number"`
	Label       *Label                     `json:"label"`
	PullRequest *PullRequest               `json:"pull_request"`
	Repository  *Repository                `json:"repository"`
	Inputs      map[string]json.RawMessage `json:"inputs"`
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

// Branch is a PR head or base. Repo is nil when GitHub sends "repo": null,
// which it does for a head whose fork was deleted.
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
