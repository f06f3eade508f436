package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/ecs-mlops/ecs-mlops/internal/compare"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/probe"
)

// compareRun is everything `mlops compare` resolved before it sends a request.
type compareRun struct {
	a, b     compare.Side
	settings config.Compare
	reqs     []compare.Request
	json     string
}

// compareOptions are the settings of mlops compare.
type compareOptions struct {
	Env      string
	PR       int
	A, B     string
	Requests []string
	JSON     string
	Config   string
	// configGiven is whether the config file was named (flag, input or
	// MLOPS_CONFIG) rather than defaulted.
	configGiven bool
}

func runCompare(ctx context.Context, e *Env, args []string) error {
	var o compareOptions
	opts := e.newOptions("compare", "(--env NAME --pr N | --a URL --b URL) [--requests FILE]... [--json FILE]")
	opts.envOption(&o.Env, "the preview environment whose pull request's preview is B; A is compare.baseline, else the environment previews join")
	opts.PR(&o.PR, "pull request number of the preview")
	opts.String(&o.A, "a", "A's base URL, instead of an environment's stack")
	opts.String(&o.B, "b", "B's base URL, instead of an environment's stack")
	opts.List(&o.Requests, "requests", "request file or glob (JSON lines); repeatable (default compare.requests, else "+config.DefaultCompareRequests+")")
	opts.String(&o.JSON, "json", "write the comparison as JSON to this file")
	opts.configOption(&o.Config)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	o.configGiven = opts.from("config") != "default"
	cr, err := e.resolveCompare(ctx, &o)
	if err != nil {
		return err
	}
	return e.executeCompare(ctx, cr)
}

// resolveCompare checks every input, request files included, before any
// request is sent; a problem is a usage error.
func (e *Env) resolveCompare(ctx context.Context, o *compareOptions) (*compareRun, error) {
	envName, aURL, bURL := o.Env, o.A, o.B
	if (envName == "") == (aURL == "" && bURL == "") || (envName == "" && (aURL == "" || bURL == "")) {
		return nil, fault.Usagef("mlops compare: give --env NAME --pr N (a preview against its baseline) or both --a URL and --b URL")
	}
	cfg, err := compareConfig(o, envName != "")
	if err != nil {
		return nil, err
	}
	cr := &compareRun{settings: cfg.CompareSettings(), json: o.JSON}
	if len(o.Requests) > 0 {
		cr.settings.Requests = o.Requests
	}
	var a, b *testRun
	if envName == "" {
		if cr.a, err = urlSide("a", aURL); err == nil {
			cr.b, err = urlSide("b", bURL)
		}
	} else {
		a, b, err = compareEnvs(cfg, envName, o.PR)
	}
	if err != nil {
		return nil, err
	}
	if cr.reqs, err = compare.Load(cr.settings.Requests); err != nil {
		return nil, fault.Usage(err)
	}
	if a != nil {
		return cr, e.stackSides(ctx, cfg, cr, a, b)
	}
	return cr, nil
}

// compareConfig is the config file, or (comparing two URLs without one)
// an empty config with the defaults.
func compareConfig(o *compareOptions, required bool) (*config.Config, error) {
	if !required && !o.configGiven {
		if _, err := os.Stat(config.DefaultPath); err != nil {
			return &config.Config{}, nil
		}
	}
	return loadConfigFile(o.Config)
}

func urlSide(name, raw string) (compare.Side, error) {
	t, err := probe.ParseTarget(raw, "")
	if err != nil {
		return compare.Side{}, fault.Usagef("mlops compare: --%s: %w", name, err)
	}
	return compare.Side{Name: t.URL.Host, Target: t}, nil
}

// compareEnvs checks B (the preview of pr) and A (the baseline) offline.
func compareEnvs(cfg *config.Config, envName string, pr int) (a, b *testRun, err error) {
	b = &testRun{}
	if env, err := cfg.Env(envName); err == nil && env.Preview == nil {
		return nil, nil, fault.Usagef("mlops compare: environment %q is not a preview; B is a pull request's preview (or pass --a and --b)", envName)
	}
	if err := b.resolveEnv(cfg, envName, pr); err != nil {
		return nil, nil, err
	}
	base := cfg.BaselineEnv()
	if base == nil {
		return nil, nil, fault.Usagef("mlops compare: no environment to compare %q with; set compare.baseline", envName)
	}
	a = &testRun{}
	if err := a.resolveEnv(cfg, base.Name, 0); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// stackSides finds B and A from their stacks' outputs, reached through
// their load balancers as mlops test reaches an environment.
func (e *Env) stackSides(ctx context.Context, cfg *config.Config, cr *compareRun, a, b *testRun) error {
	for _, tr := range []*testRun{a, b} {
		if err := e.stackURL(ctx, cfg, tr); err != nil {
			return err
		}
	}
	cr.a = compare.Side{Name: a.env.Name, Target: a.target}
	cr.b = compare.Side{Name: b.stack, Target: b.target}
	return nil
}

func (e *Env) executeCompare(ctx context.Context, cr *compareRun) error {
	c, err := compare.New(e.probeClient(), e.Clock, cr.settings, cr.reqs)
	if err != nil {
		return fault.Usage(err)
	}
	end := e.Action.Group(fmt.Sprintf("compare B %s with A %s: %d requests each", cr.b.Target, cr.a.Target, len(cr.reqs)))
	res, err := c.Measure(ctx, cr.a, cr.b)
	end()
	if err != nil {
		return err
	}
	fmt.Fprint(e.Stdout, res.Text())
	e.Action.Summary(res.Markdown())
	e.Action.SetOutput("passed", strconv.FormatBool(res.Passed()))
	e.Action.SetOutput("agreement", strconv.FormatFloat(res.AgreementRate(), 'f', 4, 64))
	e.Action.SetOutput("skipped", strconv.FormatBool(res.Skipped != ""))
	if cr.json != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(cr.json, append(b, '\n'), 0o644)
		}
		if err != nil {
			return fmt.Errorf("write comparison JSON %s: %w", cr.json, err)
		}
	}
	if !res.Passed() {
		return fmt.Errorf("B (%s) vs A (%s): %d compare %s exceeded", cr.b.Name, cr.a.Name, len(res.Failures), map[bool]string{true: "threshold", false: "thresholds"}[len(res.Failures) == 1])
	}
	return nil
}
