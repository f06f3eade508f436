package report

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

const (
	sha   = "0123abc4567def890123abc4567def890123abcd"
	image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint:pr-42-0123abc"
	run   = "https://github.com/acme/models/actions/runs/987654321"
	repo  = "https://github.com/acme/models"
)

// hostileName is a case name as a pull request could write it: mentions,
// an image, raw HTML, a link, pipes, references, autolinks, markup and the
// sticky comment's marker.
const hostileName = "@octocat @acme/admins look ![x](https://evil.example/t.png) <img src=x onerror=alert(1)> " +
	"[click](https://evil.example) | pipe #1 www.evil.example https://evil.example/x <https://evil.example> " +
	"`tick` *bold* _em_ ~~s~~ \\| &#64;alice <!-- mlops:preview -->"

func previewCases() []CaseResult {
	return []CaseResult{
		{Name: "ping", Passed: true, Requests: 1, P50: 2100 * time.Microsecond, P95: 2100 * time.Microsecond, P99: 2100 * time.Microsecond},
		{Name: "predict iris setosa", Passed: true, Requests: 50, P50: 840 * time.Microsecond, P95: 14 * time.Millisecond, P99: 1240 * time.Millisecond},
		{Name: "version", Passed: true, Requests: 1, P50: 3 * time.Millisecond, P95: 3 * time.Millisecond, P99: 3 * time.Millisecond},
	}
}

const noWeights = "the endpoint has no model weights yet (X-Weights-Status: none); run the sync-weights workflow or mlops sync-weights, then test again"

// skippedCases is the committed health check passing and two cases
// skipped for reason.
func skippedCases(reason string) []CaseResult {
	return []CaseResult{
		{Name: "ping answers ok", Passed: true, Requests: 10, P50: 1100 * time.Microsecond, P95: 2 * time.Millisecond, P99: 2 * time.Millisecond},
		{Name: "weights are loaded", Skipped: true, Reason: reason},
		{Name: "a virginica flower is virginica", Skipped: true, Reason: reason},
	}
}

func timings() []Timing {
	return []Timing{{"build", 72 * time.Second}, {"deploy", 184 * time.Second}, {"test", 9400 * time.Millisecond}}
}

func TestResultsMarkdown(t *testing.T) {
	t.Parallel()
	failed := previewCases()
	failed[1] = CaseResult{
		Name: "predict iris setosa", Passed: false, Requests: 50, Failures: 2,
		P50: 900 * time.Microsecond, P95: 20 * time.Millisecond, P99: 31 * time.Millisecond,
		Reason: "request 17: expected status 200, got 503\nbody: {\"error\":\"weights not loaded | try later\"}\n```\n@someone <script>",
	}
	tests := []struct {
		name string
		r    Results
	}{
		{"preview-success", Results{
			Status: StatusSuccess, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42,
			URL: "https://pr-42.preview.example.com", Commit: sha, Image: image, RunURL: run,
			Timings: timings(), Cases: previewCases(),
		}},
		{"preview-tests-failed", Results{
			Status: StatusSuccess, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42,
			URL: "https://pr-42.preview.example.com", Commit: sha, Image: image, RunURL: run,
			Timings: timings(), Cases: failed,
		}},
		{"deploy-failed", Results{
			Status: StatusFailure, Environment: "ep-a", Stack: "ecs-mlops-ep-a", Commit: sha, Image: image, RunURL: run,
			Message: "stack ecs-mlops-ep-a: UPDATE_ROLLBACK_COMPLETE\nService (AWS::ECS::Service): ECS deployment circuit breaker: tasks failed to start.\nstopped task: CannotPullContainerError: pull image manifest has been retried 5 time(s)",
			Timings: []Timing{{"deploy", 11*time.Minute + 3*time.Second}},
		}},
		{"main-success-with-outputs", Results{
			Status: StatusSuccess, Environment: "ep-a", Stack: "ecs-mlops-ep-a",
			URL: "https://api.example.com", Commit: sha, Image: image, RunURL: run,
			Outputs: map[string]string{"EndpointUrl": "https://api.example.com", "ServiceName": "ep-a"},
			Cases:   previewCases()[:1],
		}},
		{"in-progress", Results{
			Status: StatusInProgress, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42, Commit: sha, RunURL: run,
			Message: "Building the image and deploying; this comment updates when the endpoint is tested.",
		}},
		{"removed", Results{
			Status: StatusRemoved, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42, Commit: sha, RunURL: run,
			Timings: []Timing{{"teardown", 2*time.Minute + 41*time.Second}},
		}},
		{"minimal", Results{Status: StatusSuccess}},
		{"main-no-weights", Results{
			Status: StatusSuccess, Environment: "ep-a", Stack: "ecs-mlops-ep-a", Weights: "none",
			URL: "https://api.example.com", Commit: sha, RunURL: run, Cases: skippedCases(noWeights),
		}},
		{"main-weights-loading", Results{
			Status: StatusSuccess, Environment: "ep-a", Stack: "ecs-mlops-ep-a", Weights: "loading",
			URL: "https://api.example.com", Commit: sha, RunURL: run, Cases: skippedCases("the endpoint's model weights were still loading (X-Weights-Status: loading); test again once they have loaded"),
		}},
		{"main-weights-failed", Results{
			Status: StatusFailure, Environment: "ep-a", Stack: "ecs-mlops-ep-a", Weights: "failed",
			Message: "1 of 3 endpoint test cases failed",
			URL:     "https://api.example.com", Commit: sha, RunURL: run,
			Cases: append([]CaseResult{{Name: "model weights load", Reason: "the endpoint answers, but its model weights failed to load: version iris-v2: model.json has sha256 00, manifest says 8c"}},
				skippedCases("the endpoint's model weights failed to load (X-Weights-Status: failed); publish a good version with the sync-weights workflow or mlops sync-weights")[1:]...),
		}},
		// A preview's lifecycle passes the cases on without the state.
		{"preview-skipped", Results{
			Status: StatusSuccess, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42,
			URL: "https://pr-42.preview.example.com", Commit: sha, Image: image, RunURL: run,
			Timings: timings(), Cases: skippedCases(noWeights),
		}},
		// Every field a pull request or an endpoint can fill in, hostile.
		{"hostile-names", Results{
			Status: StatusSuccess, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42,
			URL: "https://pr-42.example.com/a) ![i](https://evil.example/p.png", Commit: "0123abc](https://evil.example)", Image: "img`x\n\ny",
			RunURL: run, Timings: timings(),
			Cases: []CaseResult{
				{Name: hostileName, Passed: false, Requests: 1, Failures: 1,
					Reason: "got 500: <img src=x onerror=alert(1)> @acme/admins\n<!-- mlops:preview -->\n```\n~~~"},
				{Name: "multi\nline\r\nname\n| --- |", Passed: true, Requests: 1},
				{Name: "<!-- mlops:preview -->", Passed: false, Requests: 1, Failures: 1},
			},
			Outputs: map[string]string{"Key<b>@x_": "v|al\nue`"},
		}},
		{"hostile-note", Results{
			Status: StatusInProgress, Environment: "ep-b", Stack: "ep-b-pr-42", PR: 42, Commit: sha,
			URL:     "javascript:alert(1)",
			Message: "# Heading\n> quote @admin\n    indented\n1. list\n- item\n<!-- mlops:preview -->\nnote ![i](https://evil.example/p.png) &#64;octocat www.evil.example",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden.Check(t, filepath.Join("results", tt.name+".md"), tt.r.Markdown(MarkdownOptions{RepoURL: repo}))
		})
	}
}

// TestResultsJSONRoundTrip keeps the JSON file format stable: what mlops
// test --json writes, mlops comment --from-results reads back unchanged.
func TestResultsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := Results{Status: StatusSuccess, PR: 42, Commit: sha, Cases: previewCases(), Timings: timings()}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Results
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestEffective(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Results
		want string
	}{
		{"success with passing cases", Results{Status: StatusSuccess, Cases: []CaseResult{{Passed: true}}}, StatusSuccess},
		{"success with a failed case is a failure", Results{Status: StatusSuccess, Cases: []CaseResult{{Passed: true}, {Passed: false}}}, StatusFailure},
		{"removed stays removed", Results{Status: StatusRemoved}, StatusRemoved},
	}
	for _, tt := range tests {
		if got := tt.r.Effective(); got != tt.want {
			t.Errorf("%s: Effective() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	lat := map[time.Duration]string{
		0: "–", 420 * time.Microsecond: "0.42 ms", 4200 * time.Microsecond: "4.2 ms",
		42 * time.Millisecond: "42 ms", 1240 * time.Millisecond: "1.24 s",
	}
	for d, want := range lat {
		if got := Latency(d); got != want {
			t.Errorf("Latency(%v) = %q, want %q", d, got, want)
		}
	}
	el := map[time.Duration]string{
		9400 * time.Millisecond: "9s", 184 * time.Second: "3m 4s", 62*time.Minute + 5*time.Second: "1h 2m",
	}
	for d, want := range el {
		if got := Elapsed(d); got != want {
			t.Errorf("Elapsed(%v) = %q, want %q", d, got, want)
		}
	}
}
