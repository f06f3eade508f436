package preview_test

import (
	"encoding/json"
	"testing"
	"time"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/ghfake"
	"github.com/ecs-mlops/ecs-mlops/internal/preview"
	"github.com/ecs-mlops/ecs-mlops/internal/preview/previewtest"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

const (
	listenerARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/ep-a/50dc6c495c0c9188/f2f7dc8efc522ab2"
	runURL      = "https://github.com/octo/models/actions/runs/42"
	sha         = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	registry    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	ghToken     = "ghs_previewtoken"
)

// rig is one repository with endpoint A deployed and every stand-in wired
// into a Lifecycle.
type rig struct {
	cfn       *awsfake.CloudFormation
	elb       *awsfake.ELB
	ecr       *awsfake.ECR
	gh        *ghfake.Server
	deployer  *previewtest.Deployer
	commenter *previewtest.Commenter
	tester    *previewtest.Tester
	life      *preview.Lifecycle
	logs      []string
}

func previewEnv() *config.Environment {
	return &config.Environment{
		Name:           "ep-b",
		Template:       "cf_templates/add-ep-b.yaml",
		ImageParameter: "ImageUri",
		Preview: &config.Preview{
			Stack:             "ep-b-pr-{pr}",
			Host:              "pr-{pr}.preview.example.com",
			Label:             "deploy-preview",
			PriorityParameter: "ListenerRulePriority",
			HostParameter:     "HostHeaderApi",
		},
	}
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{
		ecr:       awsfake.NewECR(awsfake.DefaultRegion, awsfake.DefaultAccount),
		commenter: &previewtest.Commenter{},
		tester:    &previewtest.Tester{Cases: []report.CaseResult{{Name: "predict", Passed: true, Requests: 5, P50: 12 * time.Millisecond}}},
	}
	r.gh = ghfake.New(t)
	r.gh.AddToken(ghToken, ghfake.ActionsBot())
	r.gh.CapPerPage(2) // deployments are listed over several pages
	r.ecr.AddRepo("ecs-mlops", ecrtypes.ImageTagMutabilityMutable)
	r.ecr.ListPageSize = 2 // teardown lists images over several pages
	clk := clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	r.cfn = awsfake.NewCloudFormation(clk)
	r.elb = awsfake.NewELB(clk)
	r.cfn.StackPageSize = 3 // listing previews takes several pages
	r.cfn.Put(awsfake.StackSeed{Name: "ep-a", Outputs: map[string]string{"HttpsListenerArn": listenerARN}})
	r.elb.AddListener(listenerARN)
	// Endpoint A's and B's own rules.
	for _, p := range []int{1, 2} {
		if _, err := r.elb.CreateRule(listenerARN, p); err != nil {
			t.Fatal(err)
		}
	}
	r.deployer = &previewtest.Deployer{CFN: r.cfn, ELB: r.elb, Listener: listenerARN, PriorityParameter: "ListenerRulePriority", Clock: clk, Took: 3*time.Minute + 12*time.Second}
	r.life = &preview.Lifecycle{
		Env:            previewEnv(),
		Stacks:         &preview.Stacks{CFN: r.cfn, Clock: clk},
		Allocator:      &preview.Allocator{ELB: r.elb},
		Images:         &preview.Images{ECR: r.ecr, Repository: "ecs-mlops"},
		GitHub:         &preview.GitHub{Client: r.gh.Client(ghToken), Owner: "octo", Repo: "models"},
		Deployer:       r.deployer,
		Builder:        &previewtest.Builder{ECR: r.ecr, Registry: registry, Repository: "ecs-mlops", Clock: clk, Took: 48 * time.Second},
		Tester:         r.tester,
		Commenter:      r.commenter,
		Clock:          clk,
		Log:            func(f string, a ...any) { t.Logf(f, a...) },
		ListenerStack:  "ep-a",
		ListenerOutput: "HttpsListenerArn",
		RunURL:         runURL,
		RepoURL:        "https://github.com/octo/models",
	}
	return r
}

// call is a GitHub request as the tests compare it: path with query, JSON
// body decoded.
type call struct {
	Method string
	Path   string
	Body   map[string]any
}

// writes returns the recorded GitHub calls that changed something.
func (r *rig) writes() []call {
	var out []call
	for _, q := range r.gh.Requests() {
		if q.Method == "GET" {
			continue
		}
		c := call{Method: q.Method, Path: q.Path}
		if q.Query != "" {
			c.Path += "?" + q.Query
		}
		if q.Body != "" {
			if err := json.Unmarshal([]byte(q.Body), &c.Body); err != nil {
				c.Body = map[string]any{"undecodable": q.Body}
			}
		}
		out = append(out, c)
	}
	return out
}

// setPermission gives login permission on the rig's repository.
func (r *rig) setPermission(login, permission string) {
	r.gh.SetPermission("octo/models", login, permission)
}

// push puts an image tagged tag into the repository.
func (r *rig) push(t *testing.T, tag string) {
	t.Helper()
	if err := r.ecr.PushTag("ecs-mlops", tag); err != nil {
		t.Fatal(err)
	}
}

// tags returns the repository's tags.
func (r *rig) tags() []string { return r.ecr.Tags("ecs-mlops") }

// newELB returns a load balancer fake with no listeners.
func newELB() *awsfake.ELB {
	return awsfake.NewELB(clock.NewFake(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)))
}
