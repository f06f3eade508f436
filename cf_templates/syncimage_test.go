package cftemplates

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/iampolicy"
)

const (
	pythonImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	syncImage   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-mlops/endpoint-sync@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// endpointA evaluates create-ep-a.yaml with params over its defaults; the
// log groups its role policies name get example ARNs.
func endpointA(t *testing.T, params map[string]string) *account {
	t.Helper()
	p := map[string]string{"AWS::StackName": "ecs-mlops-ep-a", "WeightsSourceBucket": "ecs-mlops-weights-123456789012", "ImageUri": pythonImage}
	for k, v := range params {
		p[k] = v
	}
	a := newAccount(t, parse(t, readFile(t, "create-ep-a.yaml")), p)
	for _, lg := range []string{"LogGroup", "WeightsLogGroup", "PreviewLogGroup"} {
		a.values[lg+".Arn"] = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/ecs-mlops-ep-a/" + lg + ":*"
	}
	return a
}

// The weight-sync task runs the sync image, never the endpoint image, and
// the template refuses a deploy that does not name one.
func TestSyncTaskRunsTheSyncImage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		syncImage string
		wantRule  bool
	}{
		{"sync image given", syncImage, true},
		{"sync image empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := endpointA(t, map[string]string{"WeightsSyncImageUri": tc.syncImage})
			rules, _ := a.tmpl["Rules"].(map[string]any)
			rule, _ := rules["SyncImageGiven"].(map[string]any)
			asserts, _ := rule["Assertions"].([]any)
			if len(asserts) != 1 {
				t.Fatalf("Rules.SyncImageGiven has %d assertions, want 1", len(asserts))
			}
			as := digMap(t, asserts, 0)
			if got := a.eval(as["Assert"]); got != tc.wantRule {
				t.Errorf("SyncImageGiven with WeightsSyncImageUri=%q holds: %v, want %v", tc.syncImage, got, tc.wantRule)
			}
			if d, _ := as["AssertDescription"].(string); d == "" {
				t.Error("SyncImageGiven has no AssertDescription")
			}
			c := digMap(t, props(resources(a.tmpl)["WeightsSyncTaskDefinition"]), "ContainerDefinitions", 0)
			got := map[string]any{"Image": a.eval(c["Image"]), "EntryPoint": a.eval(c["EntryPoint"])}
			want := map[string]any{"Image": tc.syncImage, "EntryPoint": []any{"/mlops"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("weight-sync container (-want +got):\n%s", diff)
			}
		})
	}
}

// Endpoint A's execution role pulls the sync image from the repository
// bootstrap.yaml creates, and the permissions boundary lets it.
func TestExecutionRolePullsTheSyncImage(t *testing.T) {
	t.Parallel()
	boundary := []iampolicy.Document{newAccount(t, parse(t, Bootstrap()), exampleParams).managedPolicy("StackRoleBoundary")}
	other := "arn:aws:ecr:eu-west-1:123456789012:repository/ml/sync"
	for _, tc := range []struct {
		name   string
		params map[string]string
		repo   string
		want   iampolicy.Decision
	}{
		{"default sync repository", nil, syncRepo, iampolicy.Allow},
		{"endpoint repository", nil, mainRepo, iampolicy.Allow},
		{"named sync repository", map[string]string{"SyncImageRepositoryName": "ml/sync"}, other, iampolicy.Allow},
		{"named sync repository replaces the default", map[string]string{"SyncImageRepositoryName": "ml/sync"}, syncRepo, iampolicy.ImplicitDeny},
		{"preview repository", nil, previewRepo, iampolicy.ImplicitDeny},
	} {
		a := endpointA(t, tc.params)
		got := iampolicy.Evaluate(a.policies("ExecutionRole"), req("ecr:BatchGetImage", tc.repo, nil)).Decision
		if got != tc.want {
			t.Errorf("%s: ExecutionRole ecr:BatchGetImage on %s = %v, want %v", tc.name, tc.repo, got, tc.want)
		}
		if tc.params == nil && tc.want == iampolicy.Allow {
			if b := iampolicy.EvaluateBounded(a.policies("ExecutionRole"), boundary, req("ecr:BatchGetImage", tc.repo, nil)).Decision; b != iampolicy.Allow {
				t.Errorf("%s: the boundary caps ExecutionRole's pull of %s: %v", tc.name, tc.repo, b)
			}
		}
	}
}
