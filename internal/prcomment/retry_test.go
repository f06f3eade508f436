package prcomment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
)

// rateLimited answers like GitHub's secondary rate limit.
func rateLimited(method, path string, headers map[string]string) ghfake.Fault {
	return ghfake.Fault{Method: method, Path: path, Times: 1, Status: 403, Headers: headers,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`}
}

func TestUpsertWaitsAndRetriesAsGitHubAsks(t *testing.T) {
	t.Parallel()
	const comments = "/repos/acme/models/issues/42/comments"
	reset := fmt.Sprint(start.Add(95 * time.Second).Unix())
	server := func(method string, status int, apply bool) ghfake.Fault {
		return ghfake.Fault{Method: method, Path: comments, Times: 1, Status: status, Apply: apply, Body: `{"message":"Server Error"}`}
	}
	tests := []struct {
		name      string
		faults    []ghfake.Fault
		wantSlept []time.Duration
		wantCalls []string
	}{
		{
			name:      "Retry-After on create",
			faults:    []ghfake.Fault{rateLimited("POST", comments, map[string]string{"Retry-After": "30"})},
			wantSlept: []time.Duration{30 * time.Second},
			wantCalls: []string{list, post, post},
		},
		{
			name: "x-ratelimit-reset on list",
			faults: []ghfake.Fault{rateLimited("GET", comments, map[string]string{
				"X-Ratelimit-Limit": "1000", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset,
			})},
			wantSlept: []time.Duration{95 * time.Second},
			wantCalls: []string{list, list, post},
		},
		{
			name:      "no hint: back off from 60 s",
			faults:    []ghfake.Fault{rateLimited("POST", comments, nil), rateLimited("POST", comments, nil)},
			wantSlept: []time.Duration{time.Minute, 2 * time.Minute},
			wantCalls: []string{list, post, post, post},
		},
		{
			name:      "5xx on list is retried",
			faults:    []ghfake.Fault{server("GET", 502, false), server("GET", 503, false)},
			wantSlept: []time.Duration{time.Second, 2 * time.Second},
			wantCalls: []string{list, list, list, post},
		},
		{
			name:      "5xx on a create that was applied: found, not posted twice",
			faults:    []ghfake.Fault{server("POST", 502, true)},
			wantCalls: []string{list, post, list},
		},
		{
			name:      "5xx on a create that was not applied: posted again",
			faults:    []ghfake.Fault{server("POST", 500, false)},
			wantCalls: []string{list, post, list, post},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, c, clk := setup(t)
			for _, fl := range tt.faults {
				f.Fail(fl)
			}
			res, err := Upsert(context.Background(), c, target, "preview", "body", Options{Author: Author{AnyBot: true}})
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if !res.Created {
				t.Errorf("Created = false")
			}
			if n := len(ours(f, "preview")); n != 1 {
				t.Errorf("%d bot comments, want exactly 1", n)
			}
			if diff := cmp.Diff(tt.wantSlept, clk.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCalls, calls(f)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpsertErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		target    Target
		fault     *ghfake.Fault
		wantErr   string
		wantHint  string
		wantCalls []string
	}{
		{
			name:      "PR that does not exist",
			target:    Target{Owner: "acme", Repo: "models", PR: 999},
			wantErr:   "pull request acme/models#999 not found (or the token cannot see it): GET ",
			wantHint:  "check --pr and --repo",
			wantCalls: []string{"GET /repos/acme/models/issues/999/comments?per_page=100"},
		},
		{
			name:   "read-only token",
			target: target,
			fault: &ghfake.Fault{Method: "POST", Times: 1, Status: 403,
				Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment","status":"403"}`},
			wantErr:   "create comment on pull request acme/models#42: POST ",
			wantHint:  "permissions: pull-requests: write",
			wantCalls: []string{list, post},
		},
		{
			name:   "primary rate limit resetting in an hour: no hour-long wait",
			target: target,
			fault: &ghfake.Fault{Method: "GET", Times: 1, Status: 403, Headers: map[string]string{
				"X-Ratelimit-Limit": "1000", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(start.Add(time.Hour).Unix()),
			}, Body: `{"message":"API rate limit exceeded for installation ID 4242.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}`},
			wantErr:   "list comments on pull request acme/models#42: GET ",
			wantHint:  "the GitHub API rate limit resets at 13:00 UTC; re-run the job after that",
			wantCalls: []string{list},
		},
		{
			name:   "429 asking for an hour",
			target: target,
			fault: &ghfake.Fault{Method: "POST", Times: 1, Status: 429, Headers: map[string]string{"Retry-After": "3600"},
				Body: `{"message":"You have exceeded a secondary rate limit.","status":"429"}`},
			wantErr:   "create comment on pull request acme/models#42: POST ",
			wantHint:  "re-run the job later",
			wantCalls: []string{list, post},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, c, clk := setup(t)
			if tt.fault != nil {
				f.Fail(*tt.fault)
			}
			_, err := Upsert(context.Background(), c, tt.target, "preview", "body", Options{Author: Author{AnyBot: true}})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if h := fault.Hint(err); !strings.Contains(h, tt.wantHint) {
				t.Errorf("hint = %q, want it to contain %q", h, tt.wantHint)
			}
			if len(clk.Slept()) != 0 {
				t.Errorf("waited %v on an error that retrying cannot fix", clk.Slept())
			}
			if diff := cmp.Diff(tt.wantCalls, calls(f)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}
