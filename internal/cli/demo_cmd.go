package cli

import (
	"context"
	"errors"
	"strconv"
)

// DemoOptions are the settings of one mlops demo run.
type DemoOptions struct {
	// Root is the checkout whose config, templates, endpoint test cases and
	// example weights the demo deploys.
	Root string
	// Verbose prints every step's log, not only the logs of failed steps.
	Verbose bool
}

const demoSynopsis = `[--root DIR] [--verbose]

Plays real GitHub webhook payloads through the commands the workflows run —
push to master → build → deploy ep-a → test; label deploy-preview → preview
up with its comment and deployment; a manual weight sync; label removed →
teardown — against in-process stand-ins for AWS and GitHub and the real
example endpoint on a loopback port. Needs no AWS account, no GitHub and no
Docker; prints each job summary and the pull request comment.`

func runDemo(ctx context.Context, e *Env, args []string) error {
	fs := e.flags("demo", demoSynopsis)
	fs.String("root", ".", "repository checkout holding .github/mlops.yml, cf_templates/, tests/endpoint/ and endpoint/")
	fs.Bool("verbose", false, "print the log of every step, not only of failed ones")
	if err := e.parse(fs, args, false); err != nil {
		return err
	}
	o := DemoOptions{Root: fs.Lookup("root").Value.String()}
	o.Verbose, _ = strconv.ParseBool(fs.Lookup("verbose").Value.String())
	if e.Services.Demo == nil {
		return errors.New("mlops demo: this build has no demo; run it from the mlops binary (go run . demo)")
	}
	return e.Services.Demo(ctx, e, o)
}
