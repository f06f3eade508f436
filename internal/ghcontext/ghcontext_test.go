package ghcontext

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runner is what a GitHub-hosted runner sets for a re-run pull_request job.
var runner = map[string]string{
	"GITHUB_ACTIONS":                 "true",
	"GITHUB_REPOSITORY":              "acme/models",
	"GITHUB_REF":                     "refs/pull/7/merge",
	"GITHUB_SHA":                     "0123456789abcdef0123456789abcdef01234567",
	"GITHUB_RUN_ID":                  "9876543210",
	"GITHUB_RUN_ATTEMPT":             "3",
	"GITHUB_SERVER_URL":              "https://ghe.example.com/",
	"GITHUB_API_URL":                 "https://ghe.example.com/api/v3",
	"GITHUB_EVENT_NAME":              "pull_request",
	"GITHUB_EVENT_PATH":              "/home/runner/work/_temp/_github_workflow/event.json",
	"GITHUB_ACTOR":                   "octocat",
	"GITHUB_WORKSPACE":               "/home/runner/work/models/models",
	"GITHUB_STEP_SUMMARY":            "/home/runner/work/_temp/_runner_file_commands/step_summary_1",
	"GITHUB_OUTPUT":                  "/home/runner/work/_temp/_runner_file_commands/set_output_1",
	"GITHUB_TOKEN":                   " ghs_secret\n",
	"ACTIONS_ID_TOKEN_REQUEST_URL":   "https://pipelines.actions.githubusercontent.com/idtoken",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-secret",
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	got := FromEnv(func(k string) string { return runner[k] })
	want := Context{
		Actions: true, Repository: "acme/models", Owner: "acme", Name: "models",
		Ref: "refs/pull/7/merge", SHA: "0123456789abcdef0123456789abcdef01234567",
		RunID: 9876543210, RunAttempt: 3,
		ServerURL: "https://ghe.example.com", APIURL: "https://ghe.example.com/api/v3",
		EventName: "pull_request", EventPath: "/home/runner/work/_temp/_github_workflow/event.json",
		Actor: "octocat", Workspace: "/home/runner/work/models/models",
		StepSummary: "/home/runner/work/_temp/_runner_file_commands/step_summary_1",
		Output:      "/home/runner/work/_temp/_runner_file_commands/set_output_1",
		Token:       "ghs_secret",
		IDTokenURL:  "https://pipelines.actions.githubusercontent.com/idtoken", IDTokenRequest: "request-secret",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromEnv (-want +got):\n%s", diff)
	}
	if (FromEnv(func(string) string { return "" }) != Context{}) {
		t.Error("FromEnv of an empty environment is not the zero Context")
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		c             Context
		repo, runLink string
	}{
		{"first attempt", Context{ServerURL: "https://github.com", Repository: "acme/models", RunID: 99, RunAttempt: 1},
			"https://github.com/acme/models", "https://github.com/acme/models/actions/runs/99"},
		{"re-run attempt", FromEnv(func(k string) string { return runner[k] }),
			"https://ghe.example.com/acme/models", "https://ghe.example.com/acme/models/actions/runs/9876543210/attempts/3"},
		{"no server url", Context{Repository: "acme/models", RunID: 5},
			"https://github.com/acme/models", "https://github.com/acme/models/actions/runs/5"},
		{"no run", Context{Repository: "acme/models"}, "https://github.com/acme/models", ""},
		{"outside Actions", Context{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.RepoURL(); got != tt.repo {
				t.Errorf("RepoURL = %q, want %q", got, tt.repo)
			}
			if got := tt.c.RunURL(); got != tt.runLink {
				t.Errorf("RunURL = %q, want %q", got, tt.runLink)
			}
		})
	}
}

func TestIDToken(t *testing.T) {
	t.Parallel()
	c := FromEnv(func(k string) string { return runner[k] })
	if !c.CanRequestIDToken() {
		t.Error("CanRequestIDToken = false with both variables set")
	}
	if got := c.IDTokenEnv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"); got != "request-secret" {
		t.Errorf("IDTokenEnv(request token) = %q", got)
	}
	if got := c.IDTokenEnv("GITHUB_TOKEN"); got != "" {
		t.Errorf("IDTokenEnv serves GITHUB_TOKEN: %q", got)
	}
	c.IDTokenRequest = ""
	if c.CanRequestIDToken() {
		t.Error("CanRequestIDToken = true without the request token (a job without id-token: write)")
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	c := FromEnv(func(k string) string { return runner[k] })
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(out, "secret") {
			t.Errorf("%s of the context shows a credential: %s", verb, out)
		}
	}
	if got := c.Token.Reveal(); got != "ghs_secret" {
		t.Errorf("Reveal = %q", got)
	}
}
