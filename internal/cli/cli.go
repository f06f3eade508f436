// Package cli holds the mlops commands. Run is the whole program as a
// function, so tests drive it end to end into buffers.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"golang.org/x/term"
)

// Exit codes of the mlops binary.
const (
	ExitOK          = 0   // the command did what was asked (including "nothing to do")
	ExitFailure     = 1   // an operation failed: a deploy rolled back, a test case failed
	ExitUsage       = 2   // bad input: flags, config, event or parameter files; nothing was written
	ExitInterrupted = 130 // cancelled by a signal
)

// command is one mlops subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *Env, args []string) error
}

// commands lists every registered command, in help order. Only commands that
// work are listed.
func commands() []command {
	return []command{
		{"bootstrap", "deploy the OIDC trust, the roles, the image repository and the artifact bucket; prints the role ARNs", runBootstrap},
		{"build", "build the endpoint image and push it to ECR, once per commit; prints the image reference", runBuild},
		{"deploy", "deploy an environment's stack: change set, live events, ECS rollout, outputs", runDeploy},
		{"check", "check the environments' templates, parameter files and config offline, across stacks; exit 2 on an error", runCheck},
		{"plan", "show the change set a deploy would execute (table and markdown); nothing is executed", runPlan},
		{"doctor", "check a deployed environment (EFS access, health path, targets, listener rules, image) and say how to fix it", runDoctor},
		{"event", "decide what a GitHub event means: deploy, preview up/down, sync weights or nothing", runEvent},
		{"comment", "create or update the sticky pull request comment from markdown or results JSON", runComment},
		{"config", "check the config file (config validate)", runConfig},
		{"init", "set a repository up for the suite: .github/mlops.yml and the workflows, from its templates or a CodePipeline buildspec", runInit},
		{"preview", "pull request previews: up, down, or gc to remove those of closed pull requests", runPreview},
		{"compare", "send the same requests to a preview (B) and to A; agreement, accuracy, latency and errors, checked against compare thresholds", runCompare},
		{"test", "run the endpoint test cases (tests/endpoint/*.yaml) against a deployed environment or a URL", runTest},
		{"version", "print the mlops version", runVersion},
		{"sync-weights", "copy model weights from S3 to a volume, verified, switched atomically (or remotely with --remote)", runSyncWeights},
	}
}

// Run executes mlops with args (without the program name) and returns the
// exit code. It reads the real process environment.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunEnv(ctx, args, DefaultEnv(stdout, stderr))
}

// DefaultEnv is the process's real environment.
func DefaultEnv(stdout, stderr io.Writer) *Env {
	tty := false
	if f, ok := stderr.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return newEnv(stdout, stderr, os.Stdin, os.Getenv, tty)
}

// RunEnv executes mlops in an injected environment.
func RunEnv(ctx context.Context, args []string, e *Env) int {
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return RunEnv(ctx, []string{args[1], "--help"}, e)
		}
		printUsage(e.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			// A step output or summary that could not be written fails
			// the step: a workflow must not branch on a missing output.
			return e.exit(errors.Join(c.run(ctx, e, args[1:]), e.Action.Err()))
		}
	}
	if args[0] == "demo" {
		// The demo links the fakes, so it is a program of its own; the
		// product binary carries none of them.
		fmt.Fprintln(e.Stderr, "mlops: the demo is its own program: run go run ./cmd/demo in a checkout of the repository")
		return ExitUsage
	}
	fmt.Fprintf(e.Stderr, "mlops: unknown command %q; run mlops --help to list the commands\n", args[0])
	return ExitUsage
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

func printUsage(w io.Writer) {
	fmt.Fprint(w, "mlops deploys ML model endpoints to AWS ECS Fargate from GitHub Actions.\n\nUsage:\n  mlops <command> [flags]\n\nCommands:\n")
	cs := commands()
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun mlops <command> --help for the flags of a command.\n")
}

// exit reports err the way the user should see it and maps it to an exit
// code. Each joined error (a config file's problems, say) becomes its own
// annotation, pointing at its own file and line.
func (e *Env) exit(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, context.Canceled):
		e.Action.Errorf(action.Location{}, "interrupted: %v", err)
		return ExitInterrupted
	}
	for _, leaf := range leaves(err) {
		var p *config.Problem
		if errors.As(leaf, &p) && leaf == error(p) {
			e.reportProblem(p)
			continue
		}
		loc := action.Location{}
		if errors.As(leaf, &p) {
			loc = action.Location{File: p.File, Line: p.Line}
		}
		// One annotation per line: the runner shows the first line of an
		// annotation in the summary, so each line must stand on its own.
		for _, line := range strings.Split(leaf.Error(), "\n") {
			e.Action.Errorf(loc, "%s", line)
		}
	}
	if h := fault.Hint(err); h != "" {
		fmt.Fprintf(e.Stderr, "hint: %s\n", h)
	}
	if code := fault.ExitCode(err); code > 0 && code < 256 {
		return code
	}
	if fault.IsUsage(err) {
		return ExitUsage
	}
	return ExitFailure
}

// reportProblem reports one located problem: in Actions as an annotation
// on its file and line; on a terminal as its own text, which already
// starts with the file. A flag ("--param") is never an annotation's file.
func (e *Env) reportProblem(p *config.Problem) {
	report := e.Action.Errorf
	if p.Warning {
		report = e.Action.Warningf
	}
	if !e.Action.InActions() || strings.HasPrefix(p.File, "--") {
		report(action.Location{}, "%s", p.Error())
		return
	}
	report(action.Location{File: p.File, Line: p.Line}, "%s", p.Error())
}

// leaves splits err into the errors joined inside it, looking through the
// usage and hint markers but not through errors that add their own context.
func leaves(err error) []error {
	var u *fault.UsageError
	if errors.As(err, &u) && u == err {
		return leaves(u.Err)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
