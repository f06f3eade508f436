package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

const commentRepo = "acme/models"

// commentWorld is a fake GitHub with pull request 42 and the Actions
// environment a workflow step sees.
type commentWorld struct {
	gh  *ghfake.Server
	env map[string]string
	dir string
}

func newCommentWorld(t *testing.T) *commentWorld {
	t.Helper()
	gh := ghfake.New(t)
	gh.AddToken("ghs_job", ghfake.ActionsBot())
	gh.AddPR(commentRepo, 42)
	dir := t.TempDir()
	return &commentWorld{gh: gh, dir: dir, env: map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_API_URL":      gh.APIURL(),
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   commentRepo,
		"GITHUB_RUN_ID":       "987654321",
		"GITHUB_RUN_ATTEMPT":  "1",
		"GITHUB_TOKEN":        "ghs_job",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}}
}

// run executes mlops with args on a fake clock.
func (w *commentWorld) run(t *testing.T, args ...string) (code int, stdout, stderr string, clk *clock.Fake) {
	t.Helper()
	var out, errb bytes.Buffer
	e := NewTestEnv(&out, &errb, w.env)
	clk = clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	e.Clock = clk
	code = RunEnv(context.Background(), args, e)
	return code, out.String(), errb.String(), clk
}

func (w *commentWorld) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *commentWorld) results(t *testing.T, r report.Results) string {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return w.write(t, "results.json", string(b))
}

func previewResults(status string) report.Results {
	return report.Results{
		Status: status, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42,
		URL: "https://pr-42.preview.example.com", Commit: "0123abc4567def890123abc4567def890123abcd",
		Image:   "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:pr-42-0123abc",
		Timings: []report.Timing{{Phase: "deploy", Duration: 184 * time.Second}, {Phase: "test", Duration: 9 * time.Second}},
		Cases: []report.CaseResult{
			{Name: "ping", Passed: true, Requests: 1, P50: 2 * time.Millisecond, P95: 2 * time.Millisecond, P99: 2 * time.Millisecond},
			{Name: "predict", Passed: true, Requests: 20, P50: 4 * time.Millisecond, P95: 9 * time.Millisecond, P99: 12 * time.Millisecond},
		},
	}
}

func TestCommentFromResultsCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	w := newCommentWorld(t)
	w.gh.Seed(commentRepo, 42, ghfake.User{Login: "alice", ID: 7, Type: "User"}, "please deploy a preview")

	code, stdout, stderr, _ := w.run(t, "comment", "--pr", "42", "--marker", "preview", "--from-results", w.results(t, previewResults("in_progress")))
	if code != ExitOK {
		t.Fatalf("first run: exit %d, stderr:\n%s", code, stderr)
	}
	first := strings.TrimSpace(stdout)
	code, stdout, stderr, _ = w.run(t, "comment", "--pr", "42", "--marker", "preview", "--from-results", w.results(t, previewResults("success")))
	if code != ExitOK {
		t.Fatalf("second run: exit %d, stderr:\n%s", code, stderr)
	}
	if got := strings.TrimSpace(stdout); got != first || !strings.HasPrefix(got, "https://github.com/acme/models/pull/42#issuecomment-") {
		t.Errorf("comment URLs %q then %q, want the same comment", first, got)
	}
	comments := w.gh.Comments(commentRepo, 42)
	if len(comments) != 2 {
		t.Fatalf("PR has %d comments, want alice's and exactly one bot comment", len(comments))
	}
	if comments[1].User != ghfake.ActionsBot() {
		t.Errorf("comment author = %+v, want github-actions[bot]", comments[1].User)
	}
	golden.Check(t, "comment/preview-success.md", comments[1].Body)

	out, _ := os.ReadFile(w.env["GITHUB_OUTPUT"])
	for _, want := range []string{"comment-url<<", first, "created<<", "comment-id<<"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("step outputs lack %q:\n%s", want, out)
		}
	}
	if summary, err := os.ReadFile(w.env["GITHUB_STEP_SUMMARY"]); err == nil {
		t.Errorf("job summary written although the comment holds everything:\n%s", summary)
	}
}

func TestCommentTooLongKeepsFullTextInSummary(t *testing.T) {
	t.Parallel()
	w := newCommentWorld(t)
	long := strings.Repeat("| row | with | cells |\n", 5000)
	code, _, stderr, _ := w.run(t, "comment", "--pr", "42", "--marker", "log", "--body-file", w.write(t, "long.md", long))
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "::warning::the comment on acme/models#42 was cut to GitHub's limit of 65536 characters") {
		t.Errorf("no warning about the cut:\n%s", stderr)
	}
	summary, _ := os.ReadFile(w.env["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(summary), long) {
		t.Errorf("job summary lacks the full text (%d bytes written)", len(summary))
	}
	body := w.gh.Comments(commentRepo, 42)[0].Body
	if !strings.Contains(body, "⚠️ **Truncated:** showing ") || !strings.Contains(body, "(https://github.com/acme/models/actions/runs/987654321)") {
		t.Errorf("comment lacks the truncation note with the run link:\n%s", body[len(body)-300:])
	}
}

func TestCommentBodyFileAndEventPR(t *testing.T) {
	t.Parallel()
	w := newCommentWorld(t)
	w.gh.AddPR("Codertocat/Hello-World", 2)
	w.env["GITHUB_EVENT_PATH"] = fixtures.GitHubEventPath(t, "pull_request.labeled.json")
	w.env["GITHUB_REPOSITORY"] = "Codertocat/Hello-World"
	body := w.write(t, "plan.md", "### Plan\n\n| Action | Resource |\n")
	code, _, stderr, _ := w.run(t, "comment", "--marker", "plan", "--body-file", body)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	got := w.gh.Comments("Codertocat/Hello-World", 2)
	want := []ghfake.Comment{{ID: got[0].ID, Body: "<!-- mlops:plan -->\n### Plan\n\n| Action | Resource |\n", User: ghfake.ActionsBot()}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func TestCommentBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	results := func(w *commentWorld, t *testing.T) string { return w.results(t, previewResults("success")) }
	tests := []struct {
		name    string
		args    func(w *commentWorld, t *testing.T) []string
		env     map[string]string
		wantErr string
	}{
		{
			name: "non-numeric PR",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "abc", "--marker", "preview", "--from-results", results(w, t)}
			},
			wantErr: `mlops comment: --pr "abc" is not a pull request number; pass one such as 42`,
		},
		{
			name: "zero PR",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "0", "--marker", "preview", "--from-results", results(w, t)}
			},
			wantErr: `mlops comment: --pr "0" is not a pull request number`,
		},
		{
			name: "no PR outside a pull_request event",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--marker", "preview", "--from-results", results(w, t)}
			},
			env:     map[string]string{"GITHUB_EVENT_PATH": fixtures.GitHubEventPath(t, "push.0.json")},
			wantErr: "no --pr: pass the pull request number",
		},
		{
			name: "missing token",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "preview", "--from-results", results(w, t)}
			},
			env:     map[string]string{"GITHUB_TOKEN": ""},
			wantErr: "no GitHub token: set GITHUB_TOKEN",
		},
		{
			name: "missing body file",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "preview", "--body-file", "no/such.md"}
			},
			wantErr: "--body-file: file no/such.md not found",
		},
		{
			name: "empty body file",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "preview", "--body-file", w.write(t, "empty.md", "\n")}
			},
			wantErr: "empty; GitHub refuses an empty comment",
		},
		{
			name: "both bodies",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "preview", "--body-file", results(w, t), "--from-results", results(w, t)}
			},
			wantErr: "--body-file and --from-results both given",
		},
		{
			name:    "no body",
			args:    func(w *commentWorld, t *testing.T) []string { return []string{"--pr", "42", "--marker", "preview"} },
			wantErr: "no body: pass --body-file FILE or --from-results FILE",
		},
		{
			name: "marker that would break the HTML comment",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "x -->", "--from-results", results(w, t)}
			},
			wantErr: `marker "x -->": use 1-100 letters`,
		},
		{
			name: "bad repository",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "p", "--repo", "acme", "--from-results", results(w, t)}
			},
			wantErr: `--repo "acme": want OWNER/NAME`,
		},
		{
			name: "results that are not JSON",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "p", "--from-results", w.write(t, "bad.json", "{\n  \"status\": \"success\",\n  oops\n}")}
			},
			wantErr: "bad.json:3: not JSON",
		},
		{
			name: "results with a wrong type",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "p", "--from-results", w.write(t, "type.json", "{\n  \"status\": \"success\",\n  \"pr\": \"42\"\n}")}
			},
			wantErr: `type.json:3: key "pr"`,
		},
		{
			name: "results with an unknown status",
			args: func(w *commentWorld, t *testing.T) []string {
				return []string{"--pr", "42", "--marker", "p", "--from-results", w.write(t, "status.json", `{"status":"ok"}`)}
			},
			wantErr: `key "status": "ok" is not one of success, failure, removed, in_progress`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newCommentWorld(t)
			for k, v := range tt.env {
				w.env[k] = v
			}
			code, _, stderr, _ := w.run(t, append([]string{"comment"}, tt.args(w, t)...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
			if reqs := w.gh.Requests(); len(reqs) != 0 {
				t.Errorf("sent %d requests on bad input: %+v", len(reqs), reqs)
			}
		})
	}
}

func TestCommentMissingPRIsAClearFailure(t *testing.T) {
	t.Parallel()
	w := newCommentWorld(t)
	code, _, stderr, _ := w.run(t, "comment", "--pr", "999", "--marker", "preview", "--from-results", w.results(t, previewResults("success")))
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	for _, want := range []string{"::error::pull request acme/models#999 not found (or the token cannot see it)", "hint: check --pr and --repo"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, r := range w.gh.Requests() {
		if r.Method != "GET" {
			t.Errorf("wrote %s %s for a missing pull request", r.Method, r.Path)
		}
	}
}

func TestCommentWaitsOnRateLimitThroughTheDefaultClient(t *testing.T) {
	t.Parallel()
	w := newCommentWorld(t)
	w.gh.Fail(ghfake.Fault{Method: "POST", Times: 1, Status: 429, Headers: map[string]string{"Retry-After": "12"},
		Body: `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"429"}`})
	code, _, stderr, clk := w.run(t, "comment", "--pr", "42", "--marker", "preview", "--from-results", w.results(t, previewResults("success")))
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if diff := cmp.Diff([]time.Duration{12 * time.Second}, clk.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, "rate limited (HTTP 429, retry-after); retrying in 12s") {
		t.Errorf("the wait is not in the log:\n%s", stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		// ::add-mask:: is the workflow command that hides the value; the
		// runner does not print it.
		if strings.Contains(line, "ghs_job") && !strings.HasPrefix(line, "::add-mask::") {
			t.Errorf("the token appeared in the log: %q", line)
		}
	}
}
