package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/probe"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// defaultCases is where endpoint test cases live when neither a flag nor the
// environment's tests setting names them.
const defaultCases = "tests/endpoint/*.yaml"

// testRun is everything `mlops test` resolved before it sends a request.
type testRun struct {
	env    *config.Environment
	stack  string
	pr     int
	url    string
	host   string
	target probe.Target // where the requests go, resolved from url, host and the stack
	suites []*probe.Suite
	json   string
	junit  string
}

// testOptions are the settings of mlops test.
type testOptions struct {
	Env, URL, Host string
	PR             int
	Cases          []string
	JSON, JUnit    string
	Config         string
}

func runTest(ctx context.Context, e *Env, args []string) error {
	var o testOptions
	opts := e.newOptions("test", "(--env NAME [--pr N] | --url URL) [--host H] [--cases FILE]... [--json FILE] [--junit FILE]")
	opts.envOption(&o.Env, "environment whose stack output (url_output) holds the endpoint URL")
	opts.String(&o.URL, "url", "endpoint base URL to test instead of an environment's")
	opts.String(&o.Host, "host", "Host header to send, e.g. to test through the load balancer's DNS name before DNS exists")
	opts.PR(&o.PR, "pull request number, for a preview environment")
	// The cases input is whitespace-separated.
	opts.List(&o.Cases, "cases", "case file or glob; repeatable (default: the environment's tests, else "+defaultCases+")").Fields()
	opts.String(&o.JSON, "json", "write the results as JSON to this file")
	opts.String(&o.JUnit, "junit", "write the results as JUnit XML to this file")
	opts.configOption(&o.Config)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	tr, err := e.resolveTest(ctx, &o)
	if err != nil {
		return err
	}
	return e.executeTest(ctx, tr)
}

// resolveTest checks every input; any problem is a usage error, found before
// a request is sent to the endpoint.
func (e *Env) resolveTest(ctx context.Context, o *testOptions) (*testRun, error) {
	tr := &testRun{url: o.URL, host: o.Host, json: o.JSON, junit: o.JUnit}
	envName := o.Env
	if (envName == "") == (tr.url == "") {
		return nil, fault.Usagef("mlops test: give exactly one of --env NAME (test a deployed environment) or --url URL")
	}
	var cfg *config.Config
	if envName != "" {
		var err error
		if cfg, err = loadConfigFile(o.Config); err != nil {
			return nil, err
		}
		if err := tr.resolveEnv(cfg, envName, o.PR); err != nil {
			return nil, err
		}
	}
	files, err := caseFiles(o.Cases, tr.env)
	if err != nil {
		return nil, err
	}
	if tr.suites, err = probe.LoadFiles(files); err != nil {
		return nil, fault.Usage(err)
	}
	if tr.url != "" {
		if tr.target, err = probe.ParseTarget(tr.url, tr.host); err != nil {
			return nil, fault.Usagef("mlops test: %w", err)
		}
	} else if _, err := probe.ParseTarget("http://example.com", tr.host); err != nil {
		return nil, fault.Usagef("mlops test: %w", err)
	}
	if envName != "" {
		if err := e.stackURL(ctx, cfg, tr); err != nil {
			return nil, err
		}
	}
	return tr, nil
}

func (tr *testRun) resolveEnv(cfg *config.Config, name string, pr int) error {
	env, err := cfg.Env(name)
	if err != nil {
		return fault.Usage(err)
	}
	tr.env = env
	if env.URLOutput == "" {
		return fault.Usage(&fault.Problem{File: cfg.Path, Key: "environments." + name + ".url_output",
			Msg: "is not set, so mlops test cannot find the endpoint URL; name the stack output that holds it, or pass --url"})
	}
	if env.Preview == nil {
		if pr != 0 {
			return fault.Usagef("mlops test: environment %q is not a preview; drop --pr", name)
		}
		tr.stack = env.StackFor(0)
		return nil
	}
	if pr == 0 {
		return fault.Usagef("mlops test: environment %q is a preview; pass --pr with the pull request number", name)
	}
	tr.pr, tr.stack = pr, env.StackFor(pr)
	return nil
}

// caseFiles expands globs; a pattern that matches nothing is an error, since
// a test run that silently tests nothing would pass.
func caseFiles(patterns []string, env *config.Environment) ([]string, error) {
	if len(patterns) == 0 && env != nil {
		patterns = env.Tests
	}
	if len(patterns) == 0 {
		patterns = []string{defaultCases}
	}
	seen := map[string]bool{}
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fault.Usagef("mlops test: case pattern %q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fault.Usagef("mlops test: no case file matches %q; pass --cases FILE or add files under tests/endpoint/", p)
		}
		sort.Strings(m)
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// stackURL reads the endpoint's URL from the stack, and the load
// balancer's DNS name when the stack has it: the requests connect there,
// with the endpoint's host as Host header and TLS server name, so the test
// needs no DNS record for that host (a first deploy's may not exist yet).
func (e *Env) stackURL(ctx context.Context, cfg *config.Config, tr *testRun) error {
	awsCfg, err := e.Services.AWSConfig(ctx, cfg, tr.env.RoleFor())
	if err != nil {
		return fmt.Errorf("aws credentials for %s: %w", tr.env.RoleFor(), err)
	}
	outs, err := probe.StackOutputs(ctx, e.Services.CloudFormation(awsCfg), tr.stack)
	if err != nil {
		return err
	}
	u, err := probe.OutputOf(outs, tr.stack, tr.env.URLOutput)
	if err != nil {
		return err
	}
	if alb := outs[probe.LoadBalancerOutput]; alb != "" {
		tr.target, err = probe.ThroughLoadBalancer(u, tr.host, alb)
	} else {
		tr.target, err = probe.ParseTarget(u, tr.host)
	}
	if err != nil {
		return fmt.Errorf("output %s of stack %q: %w", tr.env.URLOutput, tr.stack, err)
	}
	if tr.target.Dial == "" {
		e.Action.Logf("stack %q has no %s output; the requests go to %s through DNS", tr.stack, probe.LoadBalancerOutput, tr.target.URL.Host)
	}
	tr.url = u
	return nil
}

func (e *Env) executeTest(ctx context.Context, tr *testRun) error {
	t := tr.target
	tr.url = t.URL.String()
	end := e.Action.Group("endpoint tests: " + t.String())
	if t.Dial != "" {
		e.Action.Logf("connecting to %s with Host and TLS server name %s, so no DNS record for it is needed", t.Dial, t.URL.Host)
	}
	runner := &probe.Runner{Client: e.probeClient(), Clock: e.Clock, Logf: e.Action.Logf}
	res := runner.Run(ctx, t, tr.suites)
	end()
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprint(e.Stdout, res.Text())
	e.annotateTest(res)
	e.Action.Summary(res.Markdown())
	e.Action.SetOutput("url", tr.url)
	e.Action.SetOutput("passed", strconv.FormatBool(res.Failed() == 0))
	e.Action.SetOutput("failed", strconv.Itoa(res.Failed()))
	e.Action.SetOutput("skipped", strconv.Itoa(res.Skipped()))
	e.Action.SetOutput("weights", res.Weights)
	if err := e.writeTestFiles(tr, res); err != nil {
		return err
	}
	if n := res.Failed(); n > 0 {
		return fmt.Errorf("%d of %d endpoint test cases failed against %s", n, len(res.Cases), tr.url)
	}
	return nil
}

// annotateTest marks each failed case on its file and line, and warns once
// for the cases skipped while the endpoint has no weights. On a terminal
// the text output already says it.
func (e *Env) annotateTest(res *probe.Result) {
	if !e.Action.InActions() {
		return
	}
	var skipped *report.CaseResult
	for i, c := range res.Cases {
		switch {
		case c.Failed():
			e.Action.Errorf(action.Location{File: c.File, Line: c.Line}, "endpoint test %q failed: %s", c.Name, c.Reason)
		case c.Skipped && skipped == nil:
			skipped = &res.Cases[i]
		}
	}
	if skipped != nil {
		e.Action.Warningf(action.Location{File: skipped.File, Line: skipped.Line}, "%s", res.WeightsNotice())
	}
}

func (e *Env) writeTestFiles(tr *testRun, res *probe.Result) error {
	if tr.json != "" {
		b, err := json.MarshalIndent(e.testResults(tr, res), "", "  ")
		if err == nil {
			err = os.WriteFile(tr.json, append(b, '\n'), 0o644)
		}
		if err != nil {
			return fmt.Errorf("write results JSON %s: %w", tr.json, err)
		}
	}
	if tr.junit != "" {
		b, err := res.JUnit()
		if err == nil {
			err = os.WriteFile(tr.junit, b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("write JUnit XML %s: %w", tr.junit, err)
		}
	}
	return nil
}

// testResults is the shared results record for `mlops comment` and previews.
func (e *Env) testResults(tr *testRun, res *probe.Result) *report.Results {
	out := &report.Results{Status: "success", Stack: tr.stack, PR: tr.pr, URL: tr.url, Cases: res.Cases, Weights: res.Weights,
		Commit: e.GitHub.SHA, RunURL: e.GitHub.RunURL(), Timings: []report.Timing{{Phase: "test", Duration: res.Duration}}}
	if tr.env != nil {
		out.Environment = tr.env.Name
	}
	if f := res.Failed(); f > 0 {
		out.Status = "failure"
		out.Message = fmt.Sprintf("%d of %d endpoint test cases failed", f, len(res.Cases))
	}
	return out
}
