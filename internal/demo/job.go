package demo

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
)

// trigger is one webhook delivery: the event name and its payload file.
type trigger struct {
	name    string // GITHUB_EVENT_NAME
	file    string // payload file name in internal/fixtures
	payload *event.Payload
}

// job runs steps the way a GitHub-hosted runner runs a workflow job: every
// step is one mlops command with the job's GITHUB_* variables plus the
// step's env:, its own GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the
// job summary is what the steps appended, in order.
type job struct {
	d        *Demo
	workflow string
	name     string
	trig     trigger
	runID    int
	summary  strings.Builder
}

// step is the result of one step.
type step struct {
	code    int
	stdout  string
	log     string
	outputs map[string]string
}

func (d *Demo) newJob(workflow, name string, t trigger) *job {
	d.runs++
	return &job{d: d, workflow: workflow, name: name, trig: t, runID: 7100000000 + d.runs}
}

// env is what the runner sets for every step of the job.
func (j *job) env() map[string]string {
	p := j.trig.payload
	env := map[string]string{
		"CI":                "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_WORKFLOW":   j.workflow,
		"GITHUB_JOB":        j.name,
		"GITHUB_RUN_ID":     strconv.Itoa(j.runID),
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_API_URL":    j.d.world.github.APIURL(),
		"GITHUB_REPOSITORY": p.Repository.FullName,
		"GITHUB_EVENT_NAME": j.trig.name,
		"GITHUB_EVENT_PATH": j.d.ws.event(j.trig.file),
		"GITHUB_TOKEN":      token,
		"MLOPS_CONFIG":      j.d.ws.config,
	}
	switch {
	case p.PullRequest != nil:
		// GITHUB_SHA of a pull_request run is the merge commit; mlops reads
		// the head commit from the payload.
		env["GITHUB_SHA"] = p.PullRequest.Head.SHA
		env["GITHUB_REF"] = fmt.Sprintf("refs/pull/%d/merge", p.PullRequest.Number)
	case p.Ref != nil:
		env["GITHUB_SHA"], env["GITHUB_REF"] = p.After, *p.Ref
	}
	if env["GITHUB_SHA"] == "" && j.trig.name == "workflow_dispatch" {
		// A manual run is on the branch's head; the recorded payload names none.
		env["GITHUB_SHA"] = j.d.headSHA
	}
	return env
}

// run runs one step: title as the step's name, stepEnv as its env:, args
// the mlops command line. A step that exits non-zero fails the job.
func (j *job) run(ctx context.Context, title string, stepEnv map[string]string, args ...string) (*step, error) {
	dir, err := j.d.ws.stepDir()
	if err != nil {
		return nil, err
	}
	env := j.env()
	maps.Copy(env, stepEnv)
	env["GITHUB_OUTPUT"] = filepath.Join(dir, "output")
	env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary")
	var stdout, stderr bytes.Buffer
	e := cli.NewEnv(&stdout, &stderr, strings.NewReader(""), func(k string) string { return env[k] })
	j.d.world.wire(e)
	j.d.printf("  ▸ %s\n    $ mlops %s\n", title, strings.Join(args, " "))
	code := cli.RunEnv(ctx, args, e)
	s := &step{code: code, stdout: stdout.String(), log: stderr.String(), outputs: readOutputs(env["GITHUB_OUTPUT"])}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if len(summary) > 0 {
		j.summary.Write(summary)
		if !bytes.HasSuffix(summary, []byte("\n")) {
			j.summary.WriteString("\n")
		}
	}
	j.d.printIndented(s.stdout, "    ")
	if j.d.opts.Verbose || code != cli.ExitOK {
		j.d.printIndented(s.log, "    │ ")
	}
	j.d.steps = append(j.d.steps, StepResult{Workflow: j.workflow, Job: j.name, Step: title, Args: args, Code: code})
	if code != cli.ExitOK {
		return s, fmt.Errorf("workflow %s, job %q, step %q: mlops %s exited %d", j.workflow, j.name, title, args[0], code)
	}
	return s, nil
}

// route runs the step every workflow starts with (actions/route-event):
// mlops event, whose outputs the later jobs branch on.
func (j *job) route(ctx context.Context) (*step, error) {
	return j.run(ctx, "route the event (actions/route-event)", nil, "event")
}

// end prints the job summary as the run page shows it.
func (j *job) end() {
	if j.summary.Len() == 0 {
		return
	}
	j.d.printf("\n  ┌─ job summary: %s / %s\n", j.workflow, j.name)
	j.d.printIndented(j.summary.String(), "  │ ")
	j.d.printf("  └─\n")
	j.d.summaries = append(j.d.summaries, JobSummary{Workflow: j.workflow, Job: j.name, Markdown: j.summary.String()})
}

var outputRe = regexp.MustCompile(`(?m)^([^<\n]+)<<(\S+)\n((?s:.*?))\n(\S+)$`)

// readOutputs parses a GITHUB_OUTPUT file (name<<delimiter blocks).
func readOutputs(path string) map[string]string {
	data, err := os.ReadFile(path)
	out := map[string]string{}
	if err != nil {
		return out
	}
	for _, m := range outputRe.FindAllStringSubmatch(string(data), -1) {
		if m[2] == m[4] {
			out[m[1]] = m[3]
		}
	}
	return out
}
