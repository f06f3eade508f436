// Package demo is the local end-to-end run of the suite (go run ./cmd/demo):
// it plays recorded GitHub webhook payloads through the same mlops commands
// the workflows run, in-process, against stateful stand-ins for AWS
// (CloudFormation, ECS, ELB, ECR, S3) and GitHub, with the real example
// endpoint serving on a loopback port. It needs no AWS account, no GitHub,
// no Docker and no network, and finishes in seconds: AWS waits run on a
// fake clock, the endpoint on the real one.
//
// The commands are the binary's own (cli.RunEnv); only the Env's client
// factories and clock point at the stand-ins (world.wire).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Options configure one run.
type Options struct {
	// Root is the repository checkout: .github/mlops.yml, cf_templates/,
	// tests/endpoint/ and endpoint/example-weights/.
	Root string
	// Out receives the narrative: steps, their output, job summaries and
	// the pull request comment. Nil discards it.
	Out io.Writer
	// Verbose also prints the log of every step (stderr of the command).
	Verbose bool
}

// StepResult is one step as it ran.
type StepResult struct {
	Workflow, Job, Step string
	Args                []string
	Code                int
}

// JobSummary is the job summary of one job, as the run page shows it.
type JobSummary struct {
	Workflow, Job string
	Markdown      string
}

// Demo is one run: the stand-ins, the workspace and what happened.
type Demo struct {
	opts  Options
	out   io.Writer
	ws    *workspace
	world *world
	ep    *endpoint // endpoint A (ep-a)
	prev  *endpoint // the pull request's preview
	runs  int
	pr    int // the pull request of the recorded pull_request events

	headSHA   string // the commit the push deployed
	steps     []StepResult
	summaries []JobSummary
	res       *Result
}

// start is when the demo's fake AWS clock begins.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Run plays the whole demo and removes everything it made (temporary
// files, servers) before it returns. The error names the first step that
// failed; the Result holds what happened up to there.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	began := time.Now()
	d := &Demo{opts: o, out: &lockedWriter{w: o.Out}, res: &Result{Stacks: map[string]Stack{}}}
	if o.Out == nil {
		d.out = io.Discard
	}
	defer func() {
		res = d.res
		res.Steps, res.Summaries, res.Runs = d.steps, d.summaries, d.runs
		res.Elapsed = time.Since(began)
		err = errors.Join(err, d.close())
	}()
	if err := d.setUp(ctx); err != nil {
		return nil, err
	}
	for _, scene := range []func(context.Context) error{d.push, d.labelPreview, d.syncWeights, d.unlabelPreview} {
		if err := scene(ctx); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func (d *Demo) setUp(ctx context.Context) error {
	var err error
	if d.ws, err = newWorkspace(d.opts.Root); err != nil {
		return err
	}
	d.res.Workspace = d.ws.dir
	d.world = newWorld(newRunClock(start), d.ws.cfg.Region)
	if err := d.world.bootstrap(ctx, d.ws.cfg); err != nil {
		return err
	}
	endpointLog := io.Discard
	if d.opts.Verbose {
		endpointLog = prefixWriter{d.out, "    endpoint │ "}
	}
	if d.ep, err = startEndpoint(d.ws.efs, "ep-a", 50*time.Millisecond, endpointLog); err != nil {
		return err
	}
	// The preview runs in A's infrastructure; it serves the pull
	// request's retrained weights, so its comment compares the new model
	// with the one A serves.
	if d.prev, err = startEndpoint(d.ws.prEFS, "preview", 50*time.Millisecond, endpointLog); err != nil {
		return err
	}
	d.res.EndpointURLs = []string{d.ep.URL, d.prev.URL}
	if err := d.pointStacks(); err != nil {
		return err
	}
	d.printf("demo: AWS and GitHub are in-process stand-ins; the example endpoint serves at %s (ep-a) and %s (preview)\n", d.ep.URL, d.prev.URL)
	d.printf("ep-a serves the weights %s (hand-set); the pull request retrains the model (go run ./endpoint/train), and its preview serves the result, compared with ep-a in the pull request comment\n", productionWeights)
	d.printf("workspace %s (removed at the end)\n", d.ws.dir)
	return nil
}

// pointStacks makes the URL output of ep-a's stack and of the pull
// request's preview stack name the endpoints on their loopback ports, where
// in AWS they would name the load balancer's host; each stack's AlbDnsName
// is its endpoint's address, where mlops test and preview up connect.
func (d *Demo) pointStacks() error {
	t, err := d.load("pull_request", labelEvent)
	if err != nil {
		return err
	}
	d.pr = t.payload.PullRequest.Number
	for _, env := range d.ws.cfg.Environments {
		if env.URLOutput == "" {
			continue
		}
		// Tests go through the load balancer, whose address is the
		// stack's AlbDnsName output: here, the endpoint's port.
		outs := map[string]string{env.URLOutput: d.ep.URL, "AlbDnsName": strings.TrimPrefix(d.ep.URL, "http://")}
		if env.Preview != nil {
			outs = map[string]string{env.URLOutput: d.prev.URL, "AlbDnsName": strings.TrimPrefix(d.prev.URL, "http://")}
		}
		d.world.acct.CloudFormation.StackOutputValues[env.StackFor(d.pr)] = outs
	}
	return nil
}

// close stops the endpoints and servers and removes the workspace.
func (d *Demo) close() error {
	var errs []error
	for _, ep := range []*endpoint{d.ep, d.prev} {
		if ep != nil {
			errs = append(errs, ep.stop())
		}
	}
	if d.world != nil {
		d.world.close()
	}
	if d.ws != nil {
		errs = append(errs, d.ws.remove())
	}
	return errors.Join(errs...)
}

func (d *Demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

// scene prints the heading of one part of the story.
func (d *Demo) scene(format string, args ...any) {
	d.printf("\n━━ %s\n", fmt.Sprintf(format, args...))
}

func (d *Demo) printIndented(text, prefix string) {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		d.printf("%s%s\n", prefix, line)
	}
}

// lockedWriter serialises writes: the endpoints log from their own goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// prefixWriter prefixes each write (a log line) for the narrative.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	_, err := fmt.Fprintf(p.w, "%s%s", p.prefix, b)
	return len(b), err
}
