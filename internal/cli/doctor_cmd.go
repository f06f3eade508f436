package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/doctor"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// doctorOptions are the settings of mlops doctor.
type doctorOptions struct {
	Env    string
	PR     int
	JSON   bool
	Config string
}

func runDoctor(ctx context.Context, e *Env, args []string) error {
	var o doctorOptions
	opts := e.newOptions("doctor", "--env NAME [--pr N] [--json] [--config FILE]")
	opts.envOption(&o.Env, "environment to examine, as named in the config (env MLOPS_ENV)")
	opts.PR(&o.PR, "pull request number, for a preview environment")
	opts.Bool(&o.JSON, "json", "print the findings as JSON on stdout")
	opts.configOption(&o.Config)
	if err := opts.parse(args, false); err != nil {
		return err
	}
	cfg, err := loadConfigFile(o.Config)
	if err != nil {
		return err
	}
	name := o.Env
	if name == "" {
		return fault.Usagef("mlops doctor: --env is required; one of: %s", strings.Join(cfg.EnvNames(), ", "))
	}
	env, err := cfg.Env(name)
	if err != nil {
		return fault.Usage(err)
	}
	target := doctor.Target{Environment: name, Stack: env.Stack, URLOutput: env.URLOutput}
	if env.Preview != nil {
		pr := o.PR
		if pr == 0 {
			return fault.Usagef("mlops doctor: %s is a preview environment; pass --pr with the pull request number", name)
		}
		target.Stack, target.Host = env.StackFor(pr), env.HostFor(pr)
	}
	awsCfg, err := e.Services.AWSConfig(ctx, cfg, env.RoleFor())
	if err != nil {
		return err
	}
	sv := e.Services
	d := &doctor.Doctor{Clients: doctor.Clients{CloudFormation: sv.CloudFormation(awsCfg), EFS: sv.EFS(awsCfg), EC2: sv.EC2(awsCfg),
		ELB: sv.ELB(awsCfg), ECS: sv.ECS(awsCfg), ECR: sv.ECR(awsCfg)}, HTTP: e.Services.HTTP}
	r, err := d.Examine(ctx, target)
	if errors.Is(err, doctor.ErrStackNotFound) {
		return fault.Usage(fault.WithHint(fmt.Errorf("mlops doctor: environment %s: %w", name, err),
			fmt.Sprintf("deploy it first (mlops deploy --env %s) or check region %s", name, cfg.Region)))
	}
	if err != nil {
		return err
	}
	if err := e.printDoctor(r, o.JSON); err != nil {
		return err
	}
	if n := r.Errors(); n > 0 {
		return fmt.Errorf("mlops doctor: %d problem(s) in %s (stack %s); each has a fix above", n, name, r.Stack)
	}
	return nil
}

func (e *Env) printDoctor(r *doctor.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	t := doctorTable(r)
	fmt.Fprintf(e.Stdout, "%s (stack %s)\n%s", r.Environment, r.Stack, t.Text())
	for _, f := range r.Findings {
		if f.Status != doctor.StatusOK {
			fmt.Fprintf(e.Stdout, "\n%s %s: %s\n  fix: %s\n", f.Status, f.Check, f.Resource, f.Fix)
		}
	}
	if e.Action.InActions() {
		t.Header = append(t.Header, "fix")
		for i, f := range r.Findings {
			t.Rows[i] = append(t.Rows[i], f.Fix)
		}
		e.Action.Summary(fmt.Sprintf("### mlops doctor: %s (stack `%s`)\n\n%s", r.Environment, r.Stack, t.Markdown()))
	}
	return nil
}

func doctorTable(r *doctor.Report) *report.Table {
	t := &report.Table{Header: []string{"status", "check", "resource", "finding"}}
	for _, f := range r.Findings {
		t.AddRow(f.Status, f.Check, f.Resource, f.Message)
	}
	return t
}
