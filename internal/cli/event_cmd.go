package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/event"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// eventOptions are the settings of mlops event.
type eventOptions struct {
	Name, Path, Config string
}

// declare declares them; the event defaults to the run's own.
func (o *eventOptions) declare(opts *options, e *Env) {
	opts.String(&o.Name, "event-name", "webhook event name: "+strings.Join(event.Names(), ", ")+" (default $GITHUB_EVENT_NAME)").Default(e.GitHub.EventName)
	opts.String(&o.Path, "event-path", "webhook payload file (default $GITHUB_EVENT_PATH)").Default(e.GitHub.EventPath)
	opts.configOption(&o.Config)
}

// runEvent prints the decision for one webhook event as a JSON line on
// stdout and, in Actions, as step outputs and a job summary line. Bad input
// (event name, payload, config) is reported before anything is written.
func runEvent(_ context.Context, e *Env, args []string) error {
	var o eventOptions
	opts := e.newOptions("event", "[--event-name NAME] [--event-path FILE] [--config FILE]")
	o.declare(opts, e)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	name, path := o.Name, o.Path
	if name == "" || path == "" {
		return fault.Usagef("mlops event: no event; pass --event-name and --event-path, or run inside GitHub Actions")
	}
	if !event.Supported(name) {
		return fault.Usagef("mlops event: event %q is not routed; mlops routes %s (check the workflow's on: triggers)", name, strings.Join(event.Names(), ", "))
	}
	cfg, err := loadConfigFile(o.Config)
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
	if d.SHA == "" {
		// A manual run's payload names no commit; the run's own is GITHUB_SHA.
		d.SHA = e.GitHub.SHA
	}
	out, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode decision: %w", err)
	}
	fmt.Fprintln(e.Stdout, string(out))
	e.writeDecision(name, d)
	return nil
}

// writeDecision sets the step outputs workflows branch on and adds one line
// to the job summary; outside Actions it logs the decision to stderr.
func (e *Env) writeDecision(name string, d event.Decision) {
	pr := ""
	if d.PR > 0 {
		pr = strconv.Itoa(d.PR)
	}
	inputs := "{}"
	if len(d.Inputs) > 0 {
		b, _ := json.Marshal(d.Inputs) // a map of strings always encodes
		inputs = string(b)
	}
	e.Action.SetOutput("action", d.Action)
	e.Action.SetOutput("environment", d.Environment)
	e.Action.SetOutput("pr", pr)
	e.Action.SetOutput("sha", d.SHA)
	e.Action.SetOutput("ref", d.Ref)
	e.Action.SetOutput("reason", d.Reason)
	e.Action.SetOutput("inputs", inputs)
	e.Action.Summary(decisionSummary(name, d))
	e.Action.Logf("decision: %s (%s)", d.Action, d.Reason)
}

// decisionSummary is the job summary line for a decision. The reason can
// quote a label or branch name, so HTML in it is escaped.
func decisionSummary(name string, d event.Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**mlops event** `%s`: **%s**", name, d.Action)
	if d.Environment != "" {
		fmt.Fprintf(&b, " %s", d.Environment)
	}
	if d.PR > 0 {
		fmt.Fprintf(&b, " for #%d", d.PR)
	}
	if len(d.SHA) >= 7 {
		fmt.Fprintf(&b, " at `%s`", d.SHA[:7])
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", " ").Replace(d.Reason)
	fmt.Fprintf(&b, " — %s\n", r)
	return b.String()
}

// rulesFor derives the routing rules from the config: the protected
// (or first non-preview) environment is what a push deploys, and manual runs
// sync weights into weights.environment (default: that same environment).
func rulesFor(c *config.Config) event.Rules {
	r := event.Rules{Environments: c.EnvNames()}
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
	if c.Weights != nil {
		r.WeightsEnv = r.DeployEnv
		if c.Weights.Environment != "" {
			r.WeightsEnv = c.Weights.Environment
		}
	}
	return r
}
