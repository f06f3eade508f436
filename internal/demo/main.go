package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/cli"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

const usage = `Usage: go run ./cmd/demo [--root DIR] [--verbose]

Plays real GitHub webhook payloads through the commands the workflows run —
push to master → build → deploy ep-a → test; label deploy-preview → preview
up with its comment and deployment; a manual weight sync; label removed →
teardown — against in-process stand-ins for AWS and GitHub and the real
example endpoint on a loopback port. Needs no AWS account, no GitHub and no
Docker; prints each job summary and the pull request comment.

Flags:
`

// player runs one demo; Main plays Run, tests a stand-in.
type player func(context.Context, Options) (*Result, error)

// Main is the demo program (cmd/demo): it reads the flags in args, plays
// the demo into stdout and returns the exit code, cli's codes: 0 when every
// step passed, 1 when one failed, 2 for bad input.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, stdout, stderr, Run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, play player) int {
	o, err := parse(args, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cli.ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "error: demo: %v; run go run ./cmd/demo --help\n", err)
		return cli.ExitUsage
	}
	o.Out = stdout
	res, err := play(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		if fault.IsUsage(err) {
			return cli.ExitUsage
		}
		return cli.ExitFailure
	}
	fmt.Fprintf(stdout, "\ndemo finished: %d steps in %d jobs passed in %s\n", len(res.Steps), res.Runs, res.Elapsed.Round(time.Millisecond))
	return cli.ExitOK
}

func parse(args []string, stdout io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&o.Root, "root", ".", "repository checkout holding .github/mlops.yml, cf_templates/, tests/endpoint/ and endpoint/")
	fs.BoolVar(&o.Verbose, "verbose", false, "print the log of every step, not only of failed ones")
	// Help goes to stdout; a bad flag is one error line (run prints it),
	// not flag's message followed by the whole usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}
