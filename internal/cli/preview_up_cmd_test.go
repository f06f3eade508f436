package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/fixtures"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// TestPreviewUpCommand runs preview up on a labelled pull request through
// the real deploy engine (on the CloudFormation stand-in) and the real probe
// runner against a live endpoint, and checks what a user sees.
func TestPreviewUpCommand(t *testing.T) {
	t.Parallel()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	t.Cleanup(endpoint.Close)
	cases, err := filepath.Abs("testdata/preview/ping.yaml")
	must(t, err)
	cfg := strings.Replace(previewConfig(t, ""), "    image_parameter: ImageUri\n", "    image_parameter: ImageUri\n    url_output: EndpointUrl\n    tests: ["+cases+"]\n", 1)
	j := newPreviewJob(t, cfg, "pull_request", "pull_request.labeled.json")
	j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
	cfn := j.cfn
	const listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
	cfn.OutputValues = map[string]string{"PreviewHttpsListenerArn": listener, "EndpointUrl": endpoint.URL}
	tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
	must(t, err)
	cfn.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
	j.elb.AddListener(listener)
	for _, p := range []int{1, 2, 101} { // 101 is PR 2's first choice
		if _, err := j.elb.CreateRule(listener, p); err != nil {
			t.Fatal(err)
		}
	}
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("ab", 32)
	if code := j.run(t, "preview", "up", "--image", image); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if got := strings.TrimSpace(j.stdout.String()); got != endpoint.URL {
		t.Errorf("stdout = %q, want the preview URL %s", got, endpoint.URL)
	}
	st, err := cfn.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-b-pr-2")})
	must(t, err)
	got := map[string]string{}
	for _, p := range st.Stacks[0].Parameters {
		got[*p.ParameterKey] = *p.ParameterValue
	}
	for _, tg := range st.Stacks[0].Tags {
		got["tag "+*tg.Key] = *tg.Value
	}
	want := map[string]string{
		"PreviewHttpsListenerArn": listener, // endpoint A's output, taken as a parameter instead of an import
		"HostHeaderApi":           "pr-2.preview.example.com", "ListenerRulePriority": "102", "ImageUri": image,
		"tag mlops:preview": "true", "tag mlops:pr": "2", "tag mlops:environment": "ep-b", "tag mlops:commit": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stack parameters and tags (-want +got):\n%s", diff)
	}
	var states []string
	for _, c := range j.gh.Requests() {
		if c.Method == "POST" && strings.HasSuffix(c.Path, "/statuses") {
			var body map[string]any
			must(t, json.Unmarshal([]byte(c.Body), &body))
			states = append(states, fmt.Sprint(body["state"], " ", body["environment_url"]))
		}
	}
	if diff := cmp.Diff([]string{"in_progress <nil>", "success " + endpoint.URL}, states); diff != "" {
		t.Errorf("deployment statuses (-want +got):\n%s", diff)
	}
	out := j.file(t, "GITHUB_OUTPUT")
	for _, w := range []string{"status<<", "success", "url<<", endpoint.URL, "stack<<", "ep-b-pr-2"} {
		if !strings.Contains(out, w) {
			t.Errorf("step outputs lack %q:\n%s", w, out)
		}
	}
	if s := j.file(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "### ✅ Preview `ep-b-pr-2` is up — the endpoint test passed") {
		t.Errorf("summary:\n%s", s)
	}
	// One sticky comment, edited from "deploying" to the result.
	comments := j.comments()
	if len(comments) != 1 {
		t.Fatalf("%d comments on the pull request, want 1: %q", len(comments), comments)
	}
	golden.Check(t, "preview/up-comment.md.golden", strings.ReplaceAll(comments[0], endpoint.URL, "http://endpoint.test"))
}

// A fork's pull request gets the reason as a comment, and nothing else.
func TestPreviewForkCommand(t *testing.T) {
	t.Parallel()
	data, err := fixtures.GitHubEvent("pull_request.labeled.json")
	must(t, err)
	fork := strings.Replace(string(data), `"full_name": "Codertocat/Hello-World"`, `"full_name": "forker/Hello-World"`, 1)
	if fork == string(data) {
		t.Fatal("fixture has no head repository full_name to replace")
	}
	path := filepath.Join(t.TempDir(), "fork.json")
	must(t, os.WriteFile(path, []byte(fork), 0o644))
	j := newPreviewJob(t, previewConfig(t, ""), "pull_request", "")
	j.env["GITHUB_EVENT_PATH"] = path
	if code := j.run(t, "preview", "up"); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	c := j.comments()
	if len(c) != 1 || !strings.Contains(c[0], "### ⏭️ No preview for this pull request") || !strings.Contains(c[0], "comes from the fork forker/Hello-World") {
		t.Errorf("comments = %q, want the fork notice", c)
	}
	if len(j.purposes) != 0 {
		t.Errorf("AWS clients built for %v", j.purposes)
	}
}

// ruleProbe calls after once its first DescribeRules call.
type ruleProbe struct {
	*awsfake.ELB
	calls int
	after func()
}

func (r *ruleProbe) DescribeRules(ctx context.Context, in *elbv2.DescribeRulesInput, o ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	r.calls++
	if r.calls == 2 {
		r.after()
	}
	return r.ELB.DescribeRules(ctx, in, o...)
}

// When another preview takes the chosen priority first, CloudFormation fails
// the rule with PriorityInUse; the deploy engine reports it, and preview up
// chooses again and succeeds with a different priority.
func TestPreviewUpRetriesPriorityInUse(t *testing.T) {
	t.Parallel()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	t.Cleanup(endpoint.Close)
	cases, err := filepath.Abs("testdata/preview/ping.yaml")
	must(t, err)
	cfg := strings.Replace(previewConfig(t, ""), "    image_parameter: ImageUri\n", "    image_parameter: ImageUri\n    url_output: EndpointUrl\n    tests: ["+cases+"]\n", 1)
	j := newPreviewJob(t, cfg, "pull_request", "pull_request.labeled.json")
	j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
	cfn := j.cfn
	const listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
	cfn.OutputValues = map[string]string{"PreviewHttpsListenerArn": listener, "EndpointUrl": endpoint.URL}
	tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
	must(t, err)
	cfn.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
	cfn.Fail["Rule"] = "Priority '101' is currently in use (Service: ElasticLoadBalancingV2; Status Code: 400; Error Code: PriorityInUse)"
	j.elb.AddListener(listener)
	probe := &ruleProbe{ELB: j.elb, after: func() { delete(cfn.Fail, "Rule") }}
	j.rules = probe
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("ab", 32)
	if code := j.run(t, "preview", "up", "--image", image); code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, j.stderr.String())
	}
	if !strings.Contains(j.stderr.String(), "listener rule priority 101 is taken; choosing another") {
		t.Errorf("stderr does not say the priority was taken:\n%s", j.stderr.String())
	}
	st, err := cfn.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("ep-b-pr-2")})
	must(t, err)
	for _, p := range st.Stacks[0].Parameters {
		if *p.ParameterKey == "ListenerRulePriority" && (*p.ParameterValue == "101" || *p.ParameterValue == "") {
			t.Errorf("ListenerRulePriority = %q, want another than the taken 101", *p.ParameterValue)
		}
	}
	if got := string(st.Stacks[0].StackStatus); got != "CREATE_COMPLETE" {
		t.Errorf("stack status %s, want CREATE_COMPLETE after the recreate", got)
	}
}

// A preview's host name is new and its DNS record may not exist yet, so
// preview up tests it through the load balancer: the connection goes to the
// stack's AlbDnsName output, while the URL, Host header and TLS server name
// are the preview's host, and the certificate is verified against it.
func TestPreviewUpTestsThroughLoadBalancer(t *testing.T) {
	t.Parallel()
	// The test certificate covers example.com and *.example.com only.
	for _, tc := range []struct {
		name, host string
		code       int
		want       string
	}{
		{"certificate covers the host", "pr-{pr}.example.com", ExitOK, "testing https://pr-2.example.com through the load balancer"},
		{"certificate does not cover the host", "pr-{pr}.preview.example.com", ExitFailure, "certificate is valid for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			host := strings.ReplaceAll(tc.host, "{pr}", "2")
			lb := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// The load balancer's host rule: only the preview's host
				// reaches the preview.
				if r.Host != host || r.TLS == nil || r.TLS.ServerName != host {
					http.Error(w, "no endpoint for this host", http.StatusNotFound)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"ok"}`)
			}))
			t.Cleanup(lb.Close)
			cases, err := filepath.Abs("testdata/preview/ping.yaml")
			must(t, err)
			cfg := strings.Replace(previewConfig(t, ""), "    image_parameter: ImageUri\n", "    image_parameter: ImageUri\n    url_output: EndpointUrl\n    tests: ["+cases+"]\n", 1)
			cfg = strings.Replace(cfg, "host: pr-{pr}.preview.example.com", "host: "+tc.host, 1)
			cfg = strings.Replace(cfg, "testdata/preview/ep-b.yaml", "testdata/preview/ep-b-alb.yaml", 1)
			j := newPreviewJob(t, cfg, "pull_request", "pull_request.labeled.json")
			j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
			j.http = lb.Client() // trusts the test certificate authority, nothing else
			cfn := j.cfn
			const listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
			// EndpointUrl names the preview's host, which has no DNS record;
			// AlbDnsName is where the load balancer answers.
			cfn.OutputValues = map[string]string{"PreviewHttpsListenerArn": listener, "EndpointUrl": "https://" + host, "AlbDnsName": lb.Listener.Addr().String()}
			tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
			must(t, err)
			cfn.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
			j.elb.AddListener(listener)
			image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint-preview@sha256:" + strings.Repeat("ab", 32)
			code := j.run(t, "preview", "up", "--image", image)
			out := j.stdout.String() + j.stderr.String() + j.file(t, "GITHUB_STEP_SUMMARY")
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d with %q; stdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, j.stdout.String(), j.stderr.String())
			}
			if tc.code == ExitOK && strings.TrimSpace(j.stdout.String()) != "https://"+host {
				t.Errorf("stdout = %q, want the preview URL https://%s", j.stdout.String(), host)
			}
		})
	}
}

// TestPreviewUpFailureHint: a preview whose first create fails says the
// stack was rolled back and to rerun mlops preview up, not mlops deploy.
func TestPreviewUpFailureHint(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Abs("testdata/preview/ping.yaml")
	must(t, err)
	cfg := strings.Replace(previewConfig(t, ""), "    image_parameter: ImageUri\n", "    image_parameter: ImageUri\n    tests: ["+cases+"]\n", 1)
	j := newPreviewJob(t, cfg, "pull_request", "pull_request.labeled.json")
	j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
	cfn := j.cfn
	const listener = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
	cfn.OutputValues = map[string]string{"PreviewHttpsListenerArn": listener}
	tplA, err := stack.ReadTemplate("testdata/preview/ep-a.yaml")
	must(t, err)
	cfn.Put(awsfake.StackSeed{Name: "ecs-mlops-ep-a", Status: "CREATE_COMPLETE", Template: tplA})
	cfn.Fail["Rule"] = `Resource handler returned message: "A listener rule cannot have more than 5 conditions"`
	j.elb.AddListener(listener)
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:" + strings.Repeat("ab", 32)
	if code := j.run(t, "preview", "up", "--image", image); code != ExitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFailure, j.stderr.String())
	}
	want := "hint: the first create of stack ep-b-pr-2 failed and CloudFormation rolled it back (ROLLBACK_COMPLETE)"
	if s := j.stderr.String(); !strings.Contains(s, want) || !strings.Contains(s, "then run mlops preview up again\n") {
		t.Errorf("stderr lacks the hint %q ... mlops preview up:\n%s", want, s)
	}
}

// TestPreviewUpChecksFirst: preview up runs the checks plan and deploy run
// (mlops check) before anything else: a placeholder in the parameter file
// stops it with exit 2, and neither GitHub nor AWS hears of it.
func TestPreviewUpChecksFirst(t *testing.T) {
	t.Parallel()
	params := filepath.Join(t.TempDir(), "ep-b.json")
	must(t, os.WriteFile(params, []byte(`[{"ParameterKey":"PreviewHttpsListenerArn","ParameterValue":"CHANGE_ME"}]`), 0o644))
	j := newPreviewJob(t, previewConfig(t, params), "pull_request", "pull_request.labeled.json")
	j.gh.SetPermission("Codertocat/Hello-World", "Codertocat", "write")
	if code := j.run(t, "preview", "up"); code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitUsage, j.stderr.String())
	}
	for _, want := range []string{`PreviewHttpsListenerArn: value "CHANGE_ME" is a placeholder`, "nothing was sent to AWS", "mlops check --env ep-b"} {
		if !strings.Contains(j.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, j.stderr.String())
		}
	}
	if reqs := j.gh.Requests(); len(reqs) != 0 {
		t.Errorf("GitHub got %d requests, want none: %+v", len(reqs), reqs)
	}
	if len(j.purposes) != 0 || len(j.cfn.Calls()) != 0 {
		t.Errorf("AWS: clients for %v, CloudFormation calls %v; want none", j.purposes, j.cfn.Calls())
	}
}
