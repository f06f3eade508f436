package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

func runEvent(_ context.Context, e *Env, args []string) error {
	fs := e.flags("event", "[--event-name NAME] [--event-path FILE] [--config FILE]")
	fs.String("event-name", "", "webhook event name (default $GITHUB_EVENT_NAME)")
	fs.String("event-path", "", "webhook payload file (default $GITHUB_EVENT_PATH)")
	fs.String("config", "", "config file (default .github/mlops.yml; env MLOPS_CONFIG)")
	if err := e.parse(fs, args, false); err != nil {
		return err
	}
	name := e.resolve(fs, "event-name", "", "", "GITHUB_EVENT_NAME")
	path := e.resolve(fs, "event-path", "", "", "GITHUB_EVENT_PATH")
	if name == "" || path == "" {
		return fault.Usagef("mlops event: no event; pass --event-name and --event-path, or run inside GitHub Actions")
	}
	cfg, err := e.loadConfig(fs)
	if err != nil {
		return err
	}
	p, err := event.ReadFile(path)
	if err != nil {
		return fault.Usage(err)
	}
	d, err := event.Decide(name, p, rulesFor(cfg))
	if err != nil {
		return fault.Usage(fmt.Errorf("event file %s: %w", path, err))
	}
	out, _ := json.Marshal(d)
	fmt.Fprintln(e.Stdout, string(out))
	e.writeDecision(d)
	return nil
}

func (e *Env) writeDecision(d event.Decision) {
	e.Action.SetOutput("action", d.Action)
	e.Action.SetOutput("environment", d.Environment)
	e.Action.SetOutput("pr", fmt.Sprint(d.PR))
	e.Action.SetOutput("sha", d.SHA)
	e.Action.SetOutput("ref", d.Ref)
	e.Action.SetOutput("reason", d.Reason)
	e.Action.Logf("decision: %s (%s)", d.Action, d.Reason)
}

// rulesFor derives the routing rules from the config: the protected
// (or first non-preview) environment is what a push deploys.
func rulesFor(c *config.Config) event.Rules {
	r := event.Rules{}
	for _, n := range c.EnvNames() {
		env := c.Environments[n]
		switch {
		case env.Preview != nil:
			r.PreviewEnv, r.PreviewLabel = n, env.Preview.Label
		case env.Protected && r.DeployEnv == "":
			r.DeployEnv = n
		}
	}
	if r.DeployEnv == "" {
		for _, n := range c.EnvNames() {
			if c.Environments[n].Preview == nil {
				r.DeployEnv = n
				break
			}
		}
	}
	r.WeightsEnv = r.DeployEnv
	if c.Weights != nil && c.Weights.Environment != "" {
		r.WeightsEnv = c.Weights.Environment
	}
	return r
}
