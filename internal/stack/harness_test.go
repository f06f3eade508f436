package stack_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/rollout"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// logReport records phases and lines as the deploy log would show them,
// and when (on clk, if set) each line was written.
type logReport struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	clk   *clock.Fake
	lines []timedLine
}

type timedLine struct {
	at   time.Time
	text string
}

func (r *logReport) Phase(title string) func() {
	r.Printf("== %s", title)
	return func() {}
}

func (r *logReport) Printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := fmt.Sprintf(format, args...)
	r.buf.WriteString(line + "\n")
	if r.clk != nil {
		r.lines = append(r.lines, timedLine{at: r.clk.Now(), text: line})
	}
}

// at returns how long after epoch the first line containing s was
// written, and false when there is none.
func (r *logReport) at(s string) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		if strings.Contains(l.text, s) {
			return l.at.Sub(epoch), true
		}
	}
	return 0, false
}

func (r *logReport) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// world is a deployer wired to one fake account (its CloudFormation, ECS
// and ELB, and a template bucket) on the account's clock.
type world struct {
	clk *clock.Fake
	cf  *awsfake.CloudFormation
	s3  *awsfake.TemplateBucket
	ecs *awsfake.ECS
	elb *awsfake.ELB
	log *logReport
	d   *stack.Deployer
}

func newWorld(t testing.TB) *world {
	t.Helper()
	clk := clock.NewFake(epoch)
	a := awsfake.NewAccount(clk)
	cf := a.CloudFormation
	w := &world{clk: clk, cf: cf, s3: &awsfake.TemplateBucket{CloudFormation: cf, Region: a.Region}, ecs: a.ECS, elb: a.ELB, log: &logReport{clk: clk}}
	w.d = &stack.Deployer{CFN: cf, S3: w.s3, Bucket: "artifacts", Prefix: "templates", Region: a.Region, Clock: clk, Report: w.log,
		Verifier: &rollout.Checker{ECS: w.ecs, ELB: w.elb, Clock: clk, Log: w.log.Printf}}
	return w
}

func readTemplate(t testing.TB, name string) *cfn.Template {
	t.Helper()
	tpl, err := stack.ReadTemplate(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// request builds a valid request for the ep-a test template.
func request(t testing.TB, overrides ...string) stack.Request {
	t.Helper()
	tpl := readTemplate(t, "ep-a.yaml")
	pf, err := cfn.ReadParamFile("testdata/create-ep-a.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := stack.Resolve(stack.Inputs{Template: tpl, File: pf, Overrides: overrides, ImageParam: "ImageUri",
		Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/endpoint:abc123"})
	if err != nil {
		t.Fatal(err)
	}
	return stack.Request{Stack: "ep-a", Template: tpl, Params: p, Commit: "0123456789abcdef",
		Tags: map[string]string{"mlops:environment": "ep-a", "mlops:commit": "0123456789abcdef"}}
}

func count(calls []string, op string) int {
	n := 0
	for _, c := range calls {
		if c == op {
			n++
		}
	}
	return n
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}
