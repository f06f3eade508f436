// Package ghcontext is the GitHub Actions run a process is a step of: the
// GITHUB_* (and ACTIONS_ID_TOKEN_*) variables the runner sets, read once
// from an injected getenv into a typed struct that is passed to whoever
// needs it. Nothing else in the suite reads those variables by hand.
//
// go-githubactions has a Context() too, but it fills in github.com
// addresses when a variable is unset (so "outside Actions" cannot be told
// apart) and reads and parses the event file as a side effect, failing on
// a payload the suite decodes itself (internal/event).
// https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/store-information-in-variables#default-environment-variables
package ghcontext

import (
	"strconv"
	"strings"
)

// Context is one step's view of its workflow run. The zero value is a
// process outside GitHub Actions.
type Context struct {
	// Actions is GITHUB_ACTIONS=true: the process runs as an Actions step.
	Actions bool
	// Repository is GITHUB_REPOSITORY, OWNER/NAME; Owner and Name are its halves.
	Repository  string
	Owner, Name string
	// Ref is GITHUB_REF (refs/heads/main, refs/pull/7/merge).
	Ref string
	// SHA is GITHUB_SHA; for a pull_request event it is the merge commit.
	SHA string
	// RunID is GITHUB_RUN_ID and RunAttempt GITHUB_RUN_ATTEMPT; 0 when unset.
	RunID      int64
	RunAttempt int
	// ServerURL is GITHUB_SERVER_URL without a trailing slash, "" when unset.
	ServerURL string
	// APIURL is GITHUB_API_URL: "" or the public API, or a GitHub
	// Enterprise Server's /api/v3.
	APIURL string
	// EventName is GITHUB_EVENT_NAME and EventPath GITHUB_EVENT_PATH, the
	// webhook payload file.
	EventName, EventPath string
	// Actor is GITHUB_ACTOR, who started the run.
	Actor string
	// Workspace is GITHUB_WORKSPACE, the checkout directory.
	Workspace string
	// StepSummary is GITHUB_STEP_SUMMARY and Output GITHUB_OUTPUT, the
	// files the job summary and step outputs are appended to.
	StepSummary, Output string
	// Token is GITHUB_TOKEN (a workflow passes it through env:), and
	// GHToken GH_TOKEN, the GitHub CLI's variable.
	Token, GHToken Secret
	// IDTokenURL is ACTIONS_ID_TOKEN_REQUEST_URL and IDTokenRequest
	// ACTIONS_ID_TOKEN_REQUEST_TOKEN: both are set only in a job with
	// `permissions: id-token: write`.
	IDTokenURL     string
	IDTokenRequest Secret
}

// FromEnv reads the context from getenv. Values are trimmed; a run id or
// attempt that is not a number is left 0 (the runner always sets numbers).
func FromEnv(getenv func(string) string) Context {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Context{
		Actions:        get("GITHUB_ACTIONS") == "true",
		Repository:     get("GITHUB_REPOSITORY"),
		Ref:            get("GITHUB_REF"),
		SHA:            get("GITHUB_SHA"),
		ServerURL:      strings.TrimSuffix(get("GITHUB_SERVER_URL"), "/"),
		APIURL:         get("GITHUB_API_URL"),
		EventName:      get("GITHUB_EVENT_NAME"),
		EventPath:      get("GITHUB_EVENT_PATH"),
		Actor:          get("GITHUB_ACTOR"),
		Workspace:      get("GITHUB_WORKSPACE"),
		StepSummary:    get("GITHUB_STEP_SUMMARY"),
		Output:         get("GITHUB_OUTPUT"),
		Token:          Secret(get("GITHUB_TOKEN")),
		GHToken:        Secret(get("GH_TOKEN")),
		IDTokenURL:     get("ACTIONS_ID_TOKEN_REQUEST_URL"),
		IDTokenRequest: Secret(get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")),
	}
	c.Owner, c.Name, _ = strings.Cut(c.Repository, "/")
	c.RunID, _ = strconv.ParseInt(get("GITHUB_RUN_ID"), 10, 64)
	c.RunAttempt, _ = strconv.Atoi(get("GITHUB_RUN_ATTEMPT"))
	return c
}

// RepoURL is the repository's web address, or "" outside Actions. A runner
// without GITHUB_SERVER_URL is taken to be github.com's.
func (c Context) RepoURL() string {
	if c.Repository == "" {
		return ""
	}
	server := c.ServerURL
	if server == "" {
		server = "https://github.com"
	}
	return server + "/" + c.Repository
}

// RunURL links to the workflow run, and to the attempt when it was
// re-run; "" outside Actions.
func (c Context) RunURL() string {
	repo := c.RepoURL()
	if repo == "" || c.RunID == 0 {
		return ""
	}
	u := repo + "/actions/runs/" + strconv.FormatInt(c.RunID, 10)
	if c.RunAttempt > 1 {
		u += "/attempts/" + strconv.Itoa(c.RunAttempt)
	}
	return u
}

// CanRequestIDToken reports whether the job can mint a GitHub OIDC token:
// it runs in Actions with `permissions: id-token: write`.
func (c Context) CanRequestIDToken() bool {
	return c.IDTokenURL != "" && c.IDTokenRequest != ""
}

// IDTokenEnv serves the two ACTIONS_ID_TOKEN_* variables to a library that
// reads them through a getenv (go-githubactions' GetIDToken), and nothing else.
func (c Context) IDTokenEnv(key string) string {
	switch key {
	case "ACTIONS_ID_TOKEN_REQUEST_URL":
		return c.IDTokenURL
	case "ACTIONS_ID_TOKEN_REQUEST_TOKEN":
		return c.IDTokenRequest.Reveal()
	}
	return ""
}

// Secret is a credential read from the environment. It prints as
// "[redacted]" (or "" when empty) so a context logged with %v or %+v never
// shows it; Reveal returns the value for the one call that sends it.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the value from %#v too.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }
