package demo

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/weights"
)

// registry is where the image stand-in keeps the suite's repository.
const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint"

// pushSHA and prSHA are the commits of the recorded push and pull request.
const (
	pushSHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	prSHA   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
)

// TestDemo runs the whole demo against the repository's own config,
// templates, test cases and example weights, and checks each effect a user
// would look for: what was deployed with which parameters, what the pull
// request shows, what the endpoint serves, and that the preview is gone.
func TestDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Root: filepath.Join("..", ".."), Out: &out})
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	for _, s := range res.Steps {
		if s.Code != 0 {
			t.Errorf("step %s / %s / %s exited %d", s.Workflow, s.Job, s.Step, s.Code)
		}
	}
	t.Run("push deploys ep-a with the image it built", func(t *testing.T) { checkPush(t, res) })
	t.Run("label brings the preview up", func(t *testing.T) { checkPreview(t, res) })
	t.Run("weight sync reaches the endpoint", func(t *testing.T) { checkWeights(t, res) })
	t.Run("unlabel tears the preview down", func(t *testing.T) { checkTeardown(t, res) })
	t.Run("job summaries", func(t *testing.T) {
		golden.Check(t, "summaries.md.golden", normalize(joinSummaries(res.Summaries)))
	})
	t.Run("pull request comment", func(t *testing.T) {
		if len(res.Comments) != 2 {
			t.Fatalf("saw %d comment bodies, want one after preview up and one after teardown", len(res.Comments))
		}
		golden.Check(t, "comment-up.md.golden", normalize(res.Comments[0]))
		golden.Check(t, "comment-down.md.golden", normalize(res.Comments[1]))
		if res.PRComments != 1 {
			t.Errorf("pull request has %d comments, want the one sticky comment updated in place", res.PRComments)
		}
	})
}

func checkPreview(t *testing.T, res *Result) {
	// Pull request images live in the preview repository, apart from the
	// images endpoint A runs.
	previewRepo := registry + "-preview"
	wantImage := previewRepo + "@" + digestOf(previewRepo+":pr-2-"+prSHA)
	if res.PreviewImage != wantImage {
		t.Errorf("preview image = %q, want %q", res.PreviewImage, wantImage)
	}
	st, ok := res.Stacks["ep-b-pr-2"]
	if !ok {
		t.Fatalf("no preview stack ep-b-pr-2 was deployed; stacks: %v", res.Stacks)
	}
	prio := (&preview.Allocator{}).FirstChoice(2, 0)
	got := map[string]string{"status": st.Status, "ImageUri": st.Params["ImageUri"], "HostHeaderApi": st.Params["HostHeaderApi"],
		"ListenerRulePriority": st.Params["ListenerRulePriority"], "PreviewHttpsListenerArn": st.Params["PreviewHttpsListenerArn"],
		"mlops:preview": st.Tags["mlops:preview"], "mlops:pr": st.Tags["mlops:pr"], "mlops:commit": st.Tags["mlops:commit"]}
	want := map[string]string{"status": "CREATE_COMPLETE", "ImageUri": wantImage, "HostHeaderApi": "pr-2.preview.example.com",
		"ListenerRulePriority": strconv.Itoa(prio),
		// endpoint A's output, taken as a parameter: a preview imports nothing
		"PreviewHttpsListenerArn": res.Stacks["ecs-mlops-ep-a"].Outputs["PreviewHttpsListenerArn"],
		"mlops:preview":           "true", "mlops:pr": "2", "mlops:commit": prSHA}
	if diff := cmp.Diff(want, got); diff != "" || !strings.HasPrefix(got["PreviewHttpsListenerArn"], "arn:") {
		t.Errorf("stack ep-b-pr-2 (-want +got):\n%s", diff)
	}
	if prio == 1 {
		t.Errorf("preview got priority 1, which endpoint A's rule holds")
	}
	if len(res.Deployments) != 1 {
		t.Fatalf("deployments = %+v, want one for the preview", res.Deployments)
	}
	dep := res.Deployments[0]
	wantDep := Deployment{Environment: "preview/pr-2", Ref: prSHA, States: []string{"in_progress", "success", "inactive"}, URL: res.EndpointURLs[1]}
	if diff := cmp.Diff(wantDep, dep); diff != "" {
		t.Errorf("deployment (-want +got):\n%s", diff)
	}
}

func checkTeardown(t *testing.T, res *Result) {
	got := map[string]any{"stacks": res.StacksLeft, "images": res.PreviewImagesLeft, "rules": res.ListenerRules}
	want := map[string]any{"stacks": []string{"ecs-mlops-ep-a"}, "images": []string(nil), "rules": []int(nil)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after teardown (-want +got):\n%s", diff)
	}
}

func checkPush(t *testing.T, res *Result) {
	wantImage := registry + "@" + digestOf(registry+":"+pushSHA)
	if res.Image != wantImage {
		t.Errorf("built image = %q, want %q", res.Image, wantImage)
	}
	st, ok := res.Stacks["ecs-mlops-ep-a"]
	if !ok {
		t.Fatalf("no stack ecs-mlops-ep-a was deployed; stacks: %v", res.Stacks)
	}
	// The weight-sync task runs the weight-sync image, never the endpoint's.
	wantSync := registry + "-sync@" + digestOf(registry+"-sync:"+pushSHA)
	got := map[string]string{"status": st.Status, "ImageUri": st.Params["ImageUri"], "HostHeaderApi": st.Params["HostHeaderApi"],
		"WeightsSyncImageUri": st.Params["WeightsSyncImageUri"],
		"mlops:commit":        st.Tags["mlops:commit"], "mlops:environment": st.Tags["mlops:environment"]}
	want := map[string]string{"status": "CREATE_COMPLETE", "ImageUri": wantImage, "HostHeaderApi": "api.example.com",
		"WeightsSyncImageUri": wantSync,
		"mlops:commit":        pushSHA, "mlops:environment": "ep-a"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stack ecs-mlops-ep-a (-want +got):\n%s", diff)
	}
	if u := st.Outputs["EndpointUrl"]; !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Errorf("EndpointUrl = %q, want the example endpoint on a loopback port", u)
	}
}

var versionRe = regexp.MustCompile(`^20260302T\d{6}Z-[0-9a-f]{12}$`)

func checkWeights(t *testing.T, res *Result) {
	wantTask := []string{"sync-weights", "--source", "s3://ecs-mlops-weights-123456789012/endpoint", "--target", "/mnt/weights", "--keep", "3", "--concurrency", strconv.Itoa(weights.DefaultConcurrency)}
	if diff := cmp.Diff(wantTask, res.WeightsTask); diff != "" {
		t.Errorf("weights-sync task command (-want +got):\n%s", diff)
	}
	if !versionRe.MatchString(res.WeightsVersion) {
		t.Errorf("synced weights version = %q, want a new version id like 20260302T090442Z-7fc08353a953", res.WeightsVersion)
	}
	if res.EndpointWeights != res.WeightsVersion {
		t.Errorf("endpoint A reports weights %q, want the synced %q", res.EndpointWeights, res.WeightsVersion)
	}
}

func joinSummaries(ss []JobSummary) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("<!-- " + s.Workflow + " / " + s.Job + " -->\n" + s.Markdown + "\n")
	}
	return b.String()
}

var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`/[^\s` + "`" + `|]*/mlops-demo-\d+`), "$WORK"},
	{regexp.MustCompile(`20260302T\d{6}Z-[0-9a-f]{12}`), "$VERSION"},
	{regexp.MustCompile(`mlops-20260302-\d{6}-`), "mlops-20260302-$TIME-"},
	// Latencies and transfer rates are measured on the wall clock.
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms)\b`), "$DUR"},
	// AWS waits run on the fake clock, but the wall time of the work between
	// them is added, which can tip a rounded duration either way.
	{regexp.MustCompile(`\b\d+(\.\d+)? ms\b`), "$DUR"},
	{regexp.MustCompile(`\b(\d+h ?)?(\d+m ?)?\d+(\.\d+)?s\b`), "$DUR"},
	{regexp.MustCompile(`\b\d+(\.\d+)? [KMG]?i?B/s\b`), "$RATE"},
	// B vs A: latency ratios and the chart's milliseconds.
	{regexp.MustCompile(`\b\d+\.\d\d×`), "$RATIO×"},
	{regexp.MustCompile(`    bar \[[0-9., ]+\]`), "    bar [$MS]"},
}

// normalize replaces what differs between runs: ports, temporary
// directories, version ids that carry a time, wall-clock durations.
func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllLiteralString(s, v.with)
	}
	return s
}

// TestDemoStopsAtAFailingStep runs the demo on a checkout whose endpoint
// cases cannot pass: the run fails, names the step, runs nothing after it,
// and still removes its workspace and stops its servers.
func TestDemoStopsAtAFailingStep(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	repo := filepath.Join("..", "..")
	for _, dir := range []string{".github", "cf_templates", "endpoint/example-weights"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
			t.Fatal(err)
		}
	}
	failing := "cases:\n  - name: the endpoint is a teapot\n    path: /ping\n    expect:\n      status: 418\n"
	if err := os.MkdirAll(filepath.Join(root, "tests", "endpoint"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "tests", "endpoint", "teapot.yaml"), []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Root: root})
	wantErr := `workflow deploy, job "build, deploy and test ep-a", step "Test the endpoint": mlops test exited 1`
	if err == nil || err.Error() != wantErr {
		t.Fatalf("Run error = %v, want %q", err, wantErr)
	}
	last := res.Steps[len(res.Steps)-1]
	if got := strings.Join(last.Args, " "); got != "test --env ep-a" || last.Code != 1 {
		t.Errorf("last step ran %q and exited %d, want the failed test --env ep-a (exit 1)", got, last.Code)
	}
	if _, err := os.Stat(res.Workspace); !os.IsNotExist(err) {
		t.Errorf("workspace %s still exists after the run (stat: %v)", res.Workspace, err)
	}
	for _, u := range res.EndpointURLs {
		if resp, err := http.Get(u + "/ping"); err == nil {
			resp.Body.Close()
			t.Errorf("endpoint %s still answers after the run", u)
		}
	}
}

// TestDemoBadRoot is bad input through the program: no config in the
// checkout is exit 2 with the fix, before anything starts.
func TestDemoBadRoot(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--root", root}, &stdout, &stderr)
	want := "error: demo: " + root + " has no .github/mlops.yml; run go run ./cmd/demo in the repository checkout or pass --root DIR\n"
	if code != cli.ExitUsage || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 and stderr %q", code, stderr.String(), stdout.String(), want)
	}
}
