package cli

import (
	"context"
	"fmt"

	"github.com/ecs-mlops/ecs-mlops/internal/check"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// checkOptions are the settings of mlops check.
type checkOptions struct {
	Env    string
	Strict bool
	Config string
}

func runCheck(ctx context.Context, e *Env, args []string) error {
	var o checkOptions
	opts := e.newOptions("check", "[--env NAME] [--strict] [--config FILE]")
	opts.envOption(&o.Env, "check this environment only (and what it joins); default: every environment (env MLOPS_ENV)")
	opts.Bool(&o.Strict, "strict", "fail on warnings too")
	opts.configOption(&o.Config)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	cfg, err := loadConfigFile(o.Config)
	if err != nil {
		return err
	}
	strict := o.Strict
	var names []string
	if n := o.Env; n != "" {
		if _, err := cfg.Env(n); err != nil {
			return fault.Usage(fmt.Errorf("%w; pass --env with one of them", err))
		}
		names = []string{n}
	}
	ps := check.Run(cfg, "", names)
	for _, p := range ps {
		e.reportProblem(p)
	}
	errs, warns := len(ps.Errors()), len(ps.Warnings())
	checked := len(names)
	if checked == 0 {
		checked = len(cfg.Environments)
	}
	fmt.Fprintf(e.Stdout, "mlops check: %d error(s), %d warning(s) in %d environment(s)\n", errs, warns, checked)
	if errs > 0 || strict && warns > 0 {
		return fault.Usagef("mlops check: %d error(s), %d warning(s); fix them as each says above (warnings fail only with --strict)", errs, warns)
	}
	return nil
}

// preflight runs mlops check on the environment before a plan or deploy
// makes any AWS call: warnings are shown, errors stop it (exit 2). flags
// are the parameters --param and --image set, which count as given.
func (e *Env) preflight(cfg *config.Config, name string, flags []string) error {
	ps := check.Run(cfg, "", []string{name}, check.SetByFlags(flags...))
	for _, p := range ps.Warnings() {
		e.reportProblem(p)
	}
	if errs := ps.Errors(); len(errs) > 0 {
		return fault.WithHint(fault.Usage(errs.Err()), fmt.Sprintf("nothing was sent to AWS; fix the problems above (mlops check --env %s lists them)", name))
	}
	return nil
}
