package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/report"
	"github.com/ecs-mlops/ecs-mlops/internal/stack"
)

// deployOptions are the settings of mlops deploy.
type deployOptions struct {
	stackOptions
	AllowReplace bool
	Results      string
}

func runDeploy(ctx context.Context, e *Env, args []string) error {
	var o deployOptions
	opts := e.newOptions("deploy", "--env NAME [--image REF] [--param K=V ...] [--timeout D] [--allow-replace] [--results FILE]")
	o.stackOptions.declare(opts)
	opts.Bool(&o.AllowReplace, "allow-replace", "allow the change set to replace or delete stateful resources (EFS, ECR, S3)")
	opts.String(&o.Results, "results", "write the result as JSON (report.Results) to FILE, for mlops comment").Env("MLOPS_RESULTS")
	if err := opts.parse(args, false); err != nil {
		return err
	}
	j, err := e.stackJob(ctx, "deploy", &o.stackOptions)
	if err != nil {
		return err
	}
	j.req.AllowReplace = o.AllowReplace
	resultsPath := o.Results
	e.logParams(j)
	d, err := e.deployer(ctx, j)
	if err != nil {
		return err
	}
	res, err := d.Deploy(ctx, j.req)
	e.reportDeploy(j, res, err)
	if resultsPath != "" {
		if werr := writeResults(resultsPath, e.deployResults(j, res, err)); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// logParams shows the resolved parameters once, NoEcho values masked.
func (e *Env) logParams(j *stackJob) {
	end := e.Action.Group("Parameters for " + j.req.Stack)
	defer end()
	e.Action.Logf("%s", paramTable(j.req.Params).Text())
}

func paramTable(p *stack.Params) *report.Table {
	t := &report.Table{Header: []string{"Parameter", "Value", "Source"}}
	for _, k := range p.Keys() {
		t.AddRow(k, p.Display(k), p.Source[k])
	}
	return t
}

// reportDeploy prints outputs (stdout, one Key=Value a line), sets step
// outputs and writes the job summary.
func (e *Env) reportDeploy(j *stackJob, res *stack.Result, err error) {
	for _, o := range res.Outputs {
		fmt.Fprintf(e.Stdout, "%s=%s\n", o.Key, o.Value)
		e.Action.SetOutput(o.Key, o.Value)
	}
	all, _ := json.Marshal(res.OutputMap())
	e.Action.SetOutput("outputs-json", string(all))
	e.Action.SetOutput("stack-name", res.Stack)
	e.Action.SetOutput("stack-id", res.StackID)
	e.Action.SetOutput("stack-status", res.Status)
	e.Action.SetOutput("change-set", res.ChangeSet)
	e.Action.SetOutput("no-changes", strconv.FormatBool(res.NoChanges))
	if j.env.URLOutput != "" {
		e.Action.SetOutput("url", res.OutputMap()[j.env.URLOutput])
	}
	e.Action.Summary(stack.SummaryMarkdown(j.name, res, err))
	switch {
	case err != nil:
	case res.NoChanges:
		e.Action.Logf("%s: stack %s is up to date (%s)", j.name, res.Stack, res.Status)
	default:
		e.Action.Logf("%s: stack %s deployed (%s) in %s", j.name, res.Stack, res.Status, res.Elapsed.Round(time.Second))
	}
}

func (e *Env) deployResults(j *stackJob, res *stack.Result, err error) *report.Results {
	r := &report.Results{Status: "success", Environment: j.name, Stack: res.Stack, PR: j.pr, Commit: j.sha,
		Image: e.imageOf(j), RunURL: e.GitHub.RunURL(), Outputs: res.OutputMap(),
		Timings: []report.Timing{{Phase: "deploy", Duration: res.Elapsed}}}
	if j.env.URLOutput != "" {
		r.URL = r.Outputs[j.env.URLOutput]
	}
	switch {
	case err != nil:
		r.Status, r.Message = "failure", failureHeadline(err)
	case res.NoChanges:
		r.Message = "no changes: the stack was already up to date"
	}
	return r
}

func (e *Env) imageOf(j *stackJob) string {
	if j.env.ImageParameter == "" || j.req.Params == nil {
		return ""
	}
	return j.req.Params.Values[j.env.ImageParameter]
}

func writeResults(path string, r *report.Results) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results %s: %w", path, err)
	}
	return nil
}
