package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-github/v60/github"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/awsauth"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/runner"
)

// Env is everything a command takes from outside the process: streams, the
// environment, the clock and the factories for AWS and GitHub clients.
// Tests build one with fakes; nothing in a command reaches for globals.
type Env struct {
	Stdout   io.Writer
	Stderr   io.Writer
	Stdin    io.Reader
	Getenv   func(string) string
	Clock    clock.Clock
	Action   *action.Action
	Services *Services
}

// Services builds the clients commands use; tests replace any field.
type Services struct {
	// AWSConfig returns SDK configuration with credentials for purpose; the
	// default assumes the purpose's role with the job's OIDC token (awsauth).
	AWSConfig func(ctx context.Context, cfg *config.Config, p config.Purpose) (aws.Config, error)
	// GitHub returns a REST client authenticated with token, against
	// GITHUB_API_URL when set (GitHub Enterprise Server) or the public API.
	GitHub func(getenv func(string) string, token string) (*github.Client, error)
	// ECR returns the image registry client for an AWS configuration.
	ECR func(aws.Config) image.ECRAPI
	// Runner starts external programs (docker, git).
	Runner runner.Runner
}

func newEnv(stdout, stderr io.Writer, stdin io.Reader, getenv func(string) string, tty bool) *Env {
	e := &Env{
		Stdout:   stdout,
		Stderr:   stderr,
		Stdin:    stdin,
		Getenv:   getenv,
		Clock:    clock.Real{},
		Action:   action.New(getenv, stderr, tty),
		Services: defaultServices(),
	}
	e.Services.AWSConfig = e.awsConfig
	return e
}

// NewTestEnv returns an Env for tests: the given environment map only, no
// terminal, a real clock unless replaced.
func NewTestEnv(stdout, stderr io.Writer, env map[string]string) *Env {
	getenv := func(k string) string { return env[k] }
	return newEnv(stdout, stderr, strings.NewReader(""), getenv, false)
}

func defaultServices() *Services {
	return &Services{
		GitHub: defaultGitHub,
		ECR:    func(c aws.Config) image.ECRAPI { return ecr.NewFromConfig(c) },
		Runner: runner.Exec{},
	}
}

func defaultGitHub(getenv func(string) string, token string) (*github.Client, error) {
	c := github.NewClient(nil).WithAuthToken(token)
	if api := getenv("GITHUB_API_URL"); api != "" && api != "https://api.github.com" {
		return c.WithEnterpriseURLs(api, api)
	}
	return c, nil
}

// awsConfig is the default Services.AWSConfig: the role for purpose (action
// input role > MLOPS_ROLE_ARN > roles.<purpose> in the config), assumed
// in-process with the job's OIDC token, or the SDK's default chain without
// one. The region is input region > AWS_REGION > AWS_DEFAULT_REGION > config.
func (e *Env) awsConfig(ctx context.Context, cfg *config.Config, p config.Purpose) (aws.Config, error) {
	cfgRegion, cfgRole, roleKey := "", "", "roles."+string(p)
	if cfg != nil {
		cfgRegion, cfgRole = cfg.Region, cfg.Roles.For(p)
		roleKey = fmt.Sprintf("%s: roles.%s", cfg.Path, p)
	}
	region := e.Action.Resolve(action.Setting{Flag: "region", Env: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}, Config: cfgRegion}, "", false)
	role := e.Action.Resolve(action.Setting{Flag: "role", Env: []string{"MLOPS_ROLE_ARN"}, Config: cfgRole}, "", false)
	from := map[string]string{"input": "action input role", "env": "MLOPS_ROLE_ARN", "config": roleKey}[role.Source]
	return awsauth.Load(ctx, awsauth.Options{
		Getenv:   e.Getenv,
		Region:   region.Value,
		RoleARN:  role.Value,
		RoleFrom: from,
		Purpose:  string(p),
		Mask:     e.Action.Mask,
		Warnf:    func(f string, a ...any) { e.Action.Warningf(action.Location{}, f, a...) },
	})
}

// flags returns a flag set for a command whose usage text goes to stdout on
// --help and whose parse errors become usage errors.
func (e *Env) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("mlops "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.Stdout, "Usage: mlops %s %s\n", name, synopsis)
		if hasFlags(fs) {
			fmt.Fprint(e.Stdout, "\nFlags:\n")
			fs.SetOutput(e.Stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses args; --help prints usage and returns flag.ErrHelp, and other
// errors are usage errors. Positional arguments are refused unless allowed.
func (e *Env) parse(fs *flag.FlagSet, args []string, positional bool) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.Usage()
			return err
		}
		return fault.Usagef("%s: %v; run %s --help", fs.Name(), err, fs.Name())
	}
	if !positional && fs.NArg() > 0 {
		return fault.Usagef("%s: unexpected argument %q; run %s --help", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// resolve applies the suite's precedence (flag > input > env > config > default)
// to one string flag of fs.
func (e *Env) resolve(fs *flag.FlagSet, name string, cfgValue, def string, envVars ...string) string {
	f := fs.Lookup(name)
	v := ""
	if f != nil {
		v = f.Value.String()
	}
	return e.Action.Resolve(action.Setting{Flag: name, Env: envVars, Config: cfgValue, Def: def}, v, isSet(fs, name)).Value
}

// loadConfig reads the config file named by --config (resolved through the
// usual precedence); every problem is a usage error.
func (e *Env) loadConfig(fs *flag.FlagSet) (*config.Config, error) {
	path := e.resolve(fs, "config", "", config.DefaultPath, "MLOPS_CONFIG")
	c, err := config.Load(path)
	if err != nil {
		return nil, fault.Usage(err)
	}
	return c, nil
}
