package preview_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

func TestUpCreatesPreview(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	res, err := r.life.Up(context.Background(), preview.UpRequest{PR: 2, SHA: sha})
	if err != nil {
		t.Fatal(err)
	}
	image := registry + "/ecs-mlops:pr-2-" + sha
	wantDeploy := []preview.DeployRequest{{
		Environment: "ep-b",
		Stack:       "ep-b-pr-2",
		Image:       image,
		Parameters:  map[string]string{"ListenerRulePriority": "101", "HostHeaderApi": "pr-2.preview.example.com"},
		Tags:        map[string]string{"mlops:preview": "true", "mlops:pr": "2", "mlops:environment": "ep-b", "mlops:commit": sha},
		// The base stack's outputs go with the request, for the template's
		// parameters of their name.
		BaseStack:   "ep-a",
		BaseOutputs: map[string]string{"HttpsListenerArn": listenerARN},
	}}
	if diff := cmp.Diff(wantDeploy, r.deployer.Requests); diff != "" {
		t.Errorf("deploys (-want +got):\n%s", diff)
	}
	wantWrites := []call{
		{Method: "POST", Path: "/repos/octo/models/deployments", Body: map[string]any{
			"ref": sha, "environment": "preview/pr-2", "description": "mlops preview",
			"transient_environment": true, "production_environment": false, "auto_merge": false, "required_contexts": []any{},
		}},
		{Method: "POST", Path: "/repos/octo/models/deployments/1/statuses", Body: map[string]any{"state": "in_progress", "log_url": runURL}},
		{Method: "POST", Path: "/repos/octo/models/deployments/1/statuses", Body: map[string]any{"state": "success", "log_url": runURL, "environment_url": "https://pr-2.preview.example.com"}},
	}
	if diff := cmp.Diff(wantWrites, r.writes()); diff != "" {
		t.Errorf("GitHub writes (-want +got):\n%s", diff)
	}
	wantResult := report.Results{
		Status: "success", Environment: "ep-b", Stack: "ep-b-pr-2", PR: 2, URL: "https://pr-2.preview.example.com",
		Commit: sha, Image: image, RunURL: runURL,
		Outputs: map[string]string{"ServiceName": "ep-b-pr-2", "ListenerRuleArn": listenerARN + "/rule/3"},
		Cases:   r.tester.Cases,
		Timings: []report.Timing{{Phase: "build", Duration: 48 * time.Second}, {Phase: "deploy", Duration: 3*time.Minute + 12*time.Second}, {Phase: "test"}},
	}
	if diff := cmp.Diff(wantResult, *res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	// The comment shows the deploy in progress first, then the result.
	ups := r.commenter.Updates()
	if len(ups) != 2 || !strings.HasPrefix(ups[0], "### ⏳ Preview `ep-b-pr-2` is deploying…") {
		t.Fatalf("comment updates = %q, want in progress then the result", ups)
	}
	golden.Check(t, "up-success.md", ups[1])
	wantTarget := []preview.TestTarget{{Environment: "ep-b", URL: "https://pr-2.preview.example.com", Host: "pr-2.preview.example.com", Outputs: res.Outputs}}
	if diff := cmp.Diff(wantTarget, r.tester.Targets); diff != "" {
		t.Errorf("test targets (-want +got):\n%s", diff)
	}
}

// An update keeps the priority the stack already has, even when the
// first choice has become free since.
func TestUpKeepsPriorityAcrossUpdates(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	blocker, err := r.elb.CreateRule(listenerARN, 101)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.life.Up(ctx, preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"}); err != nil {
		t.Fatal(err)
	}
	r.elb.DeleteRule(blocker)
	if _, err := r.life.Up(ctx, preview.UpRequest{PR: 2, SHA: "0123456789abcdef", Image: "img:2"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range r.deployer.Requests {
		got = append(got, d.Parameters["ListenerRulePriority"])
	}
	if diff := cmp.Diff([]string{"102", "102"}, got); diff != "" {
		t.Errorf("priorities of the two deploys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2, 102}, r.elb.Priorities(listenerARN)); diff != "" {
		t.Errorf("listener rules (-want +got):\n%s", diff)
	}
}

func TestUpFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(r *rig)
		wantErr   string
		wantStack bool // the preview stack exists afterwards
	}{
		{
			name: "deploy fails on first create: stack removed",
			setup: func(r *rig) {
				r.deployer.Fail = errors.New("ECS service ep-b-pr-2: CannotPullContainerError: pull access denied")
			},
			wantErr: `deploy preview stack "ep-b-pr-2": ECS service ep-b-pr-2: CannotPullContainerError: pull access denied`,
		},
		{
			name: "endpoint tests fail: preview kept for debugging",
			setup: func(r *rig) {
				r.tester.Cases = []report.CaseResult{{Name: "predict", Passed: false, Reason: "status 500, want 200"}}
			},
			wantErr:   "endpoint tests failed against https://pr-2.preview.example.com",
			wantStack: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			tt.setup(r)
			res, err := r.life.Up(context.Background(), preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"})
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Up error = %v, want %q", err, tt.wantErr)
			}
			if res.Status != "failure" || res.Message != tt.wantErr {
				t.Errorf("result status %q message %q, want failure with the error", res.Status, res.Message)
			}
			last := r.writes()[len(r.writes())-1]
			want := call{Method: "POST", Path: "/repos/octo/models/deployments/1/statuses", Body: map[string]any{"state": "failure", "log_url": runURL}}
			if diff := cmp.Diff(want, last); diff != "" {
				t.Errorf("last GitHub write (-want +got):\n%s", diff)
			}
			ups := r.commenter.Updates()
			if got := ups[len(ups)-1]; !strings.HasPrefix(got, "### ❌ Preview `ep-b-pr-2`") || !strings.Contains(got, tt.wantErr) {
				t.Errorf("last comment:\n%s\nwant a failure headline and the error", got)
			}
			if _, ok := r.cfn.Stack("ep-b-pr-2"); ok != tt.wantStack {
				t.Errorf("stack ep-b-pr-2 exists = %v, want %v", ok, tt.wantStack)
			}
		})
	}
}

// Refusals happen before any write: no deployment, no comment, no deploy.
func TestUpRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *rig)
		req     preview.UpRequest
		wantErr string
	}{
		{
			name: "stack of the same name not tagged for the PR",
			setup: func(r *rig) {
				r.cfn.Put(awsfake.StackSeed{Name: "ep-b-pr-2", Tags: map[string]string{"team": "ml"}})
			},
			req:     preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"},
			wantErr: `stack "ep-b-pr-2" exists but is not tagged mlops:preview=true, mlops:pr=2; refusing to take it over as a preview; rename preview.stack or remove that stack`,
		},
		{
			name:    "shared stack missing",
			setup:   func(r *rig) { r.life.ListenerStack = "ep-x" },
			req:     preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"},
			wantErr: `stack "ep-x", which previews join, does not exist; deploy it first (mlops deploy)`,
		},
		{
			name:    "listener output missing",
			setup:   func(r *rig) { r.life.ListenerOutput = "ListenerArn" },
			req:     preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"},
			wantErr: `stack "ep-a" has no output "ListenerArn" holding the listener ARN; add the output to its template or set preview.listener_output`,
		},
		{
			name:    "no image and no builder",
			setup:   func(r *rig) { r.life.Builder = nil },
			req:     preview.UpRequest{PR: 2, SHA: sha},
			wantErr: "no image to deploy; pass --image with the built image",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			tt.setup(r)
			_, err := r.life.Up(context.Background(), tt.req)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Up error = %v, want %q", err, tt.wantErr)
			}
			if n := len(r.writes()) + len(r.commenter.Updates()) + len(r.deployer.Requests); n != 0 {
				t.Errorf("%d writes before the refusal, want none", n)
			}
		})
	}
}

// A cancelled run still reports its outcome: the deployment does not stay
// in_progress and the comment says the deploy failed.
func TestUpReportsWhenCancelled(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	r.deployer.Fail = nil
	r.life.Deployer = deployFunc(func(context.Context, preview.DeployRequest) (map[string]string, error) {
		cancel()
		return nil, context.Canceled
	})
	_, err := r.life.Up(ctx, preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up error = %v, want context.Canceled", err)
	}
	w := r.writes()
	if last := w[len(w)-1]; last.Body["state"] != "failure" {
		t.Errorf("last GitHub write %+v, want the failure status", last)
	}
}

type deployFunc func(context.Context, preview.DeployRequest) (map[string]string, error)

func (f deployFunc) Deploy(ctx context.Context, req preview.DeployRequest) (map[string]string, error) {
	return f(ctx, req)
}

func TestUpWithoutDeploymentsPermission(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.gh.DenyDeployments(true)
	_, err := r.life.Up(context.Background(), preview.UpRequest{PR: 2, SHA: sha, Image: "img:1"})
	if err == nil || !strings.Contains(err.Error(), "create deployment for preview/pr-2") || !strings.Contains(err.Error(), "403 Resource not accessible by integration") {
		t.Fatalf("Up error = %v, want the refused deployment", err)
	}
	if h := fault.Hint(err); h != "give the job permissions: deployments: write (and pull-requests: write for the comment)" {
		t.Errorf("hint = %q", h)
	}
	if len(r.deployer.Requests)+len(r.commenter.Updates()) != 0 {
		t.Error("deployed or commented without a deployment")
	}
}
