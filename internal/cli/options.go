package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/action"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// options are the settings of one command, each declared once (flag name,
// usage, default, action input, environment variables, config key) and
// resolved into a typed field of the command's options struct by one
// resolver that keeps the suite's precedence: flag > action input
// (INPUT_*) > environment > .github/mlops.yml > default.
type options struct {
	e    *Env
	cmd  string
	fs   *flag.FlagSet
	list []*option
}

// option is one declared setting.
type option struct {
	name   string   // flag name, also the action input name unless input is set
	input  string   // action input name
	env    []string // environment variables, first set wins
	cfgKey string   // the config key, named in errors, e.g. "weights.keep"
	cfg    func(*config.Config) string
	def    string // default when no source has a value
	// set parses a value into the field; its error says what is wanted,
	// e.g. "must be true or false".
	set func(string) error
	// lines splits a list input into its items; nil for a single value.
	lines func(string) []string
	// reset empties a list before its input fills it, so resolving again
	// (with the config) does not repeat the items.
	reset func()
	from  string // where the value came from, once resolved
}

// newOptions starts the options of command cmd; synopsis is its usage line.
func (e *Env) newOptions(cmd, synopsis string) *options {
	return &options{e: e, cmd: cmd, fs: e.flags(cmd, synopsis)}
}

func (o *options) add(op *option) *option {
	op.input = op.name
	o.list = append(o.list, op)
	return op
}

// String declares a string option; the flag's default is empty and
// Default sets the resolved one.
func (o *options) String(p *string, name, usage string) *option {
	o.fs.String(name, "", usage)
	return o.add(&option{name: name, set: func(v string) error { *p = v; return nil }})
}

// Int declares an integer option of at least lo, def by default.
func (o *options) Int(p *int, name string, def, lo int, usage string) *option {
	o.fs.Int(name, def, usage)
	return o.add(&option{name: name, def: strconv.Itoa(def), set: func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo {
			return fmt.Errorf("must be a whole number of at least %d", lo)
		}
		*p = n
		return nil
	}})
}

// Bool declares a boolean option, false by default.
func (o *options) Bool(p *bool, name, usage string) *option {
	o.fs.Bool(name, false, usage)
	return o.add(&option{name: name, def: "false", set: func(v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return errors.New("must be true or false")
		}
		*p = b
		return nil
	}})
}

// Duration declares a positive duration option, def by default; like the
// existing flags it is a string flag, so its help shows no Go type.
func (o *options) Duration(p *time.Duration, name string, def time.Duration, usage string) *option {
	o.fs.String(name, "", usage)
	return o.add(&option{name: name, def: def.String(), set: func(v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return errors.New("is not a positive duration such as 30m or 1h")
		}
		*p = d
		return nil
	}})
}

// OptionalBool declares a boolean option that may be left unset (nil):
// "" is unset, like the string flag it is declared as.
func (o *options) OptionalBool(p **bool, name, usage string) *option {
	o.fs.String(name, "", usage)
	return o.add(&option{name: name, set: func(v string) error {
		if v = strings.TrimSpace(v); v == "" {
			*p = nil
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*p = &b
		return nil
	}})
}

// PR declares a pull request number option ("42" or "#42"); 0 when unset.
func (o *options) PR(p *int, usage string) *option {
	o.fs.String("pr", "", usage)
	return o.add(&option{name: "pr", set: func(v string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			*p = 0
			return nil
		}
		n, err := strconv.Atoi(strings.TrimPrefix(v, "#"))
		if err != nil || n <= 0 {
			return errors.New("is not a pull request number; pass one such as 42")
		}
		*p = n
		return nil
	}})
}

// envOption declares --env, an environment of the config (env MLOPS_ENV).
func (o *options) envOption(p *string, usage string) *option {
	return o.String(p, "env", usage).Env("MLOPS_ENV")
}

// List declares a repeatable flag; its action input holds one item per
// line (Input and Fields change that).
func (o *options) List(p *[]string, name, usage string) *option {
	o.fs.Var((*listFlag)(p), name, usage)
	return o.add(&option{name: name, lines: nonEmptyLines, reset: func() { *p = nil }, set: func(v string) error {
		*p = append(*p, v)
		return nil
	}})
}

// Input names the action input when it is not the flag's name.
func (op *option) Input(name string) *option { op.input = name; return op }

// Env names the environment variables the value may come from.
func (op *option) Env(vars ...string) *option { op.env = vars; return op }

// Default sets the value used when no source has one.
func (op *option) Default(v string) *option { op.def = v; return op }

// Config reads the value from the config file, below the environment.
func (op *option) Config(key string, get func(*config.Config) string) *option {
	op.cfgKey, op.cfg = key, get
	return op
}

// Fields splits a list input on white space instead of lines.
func (op *option) Fields() *option { op.lines = strings.Fields; return op }

// listFlag collects a repeatable flag such as --param K=V.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parse parses args (see Env.parse) and resolves every option without the
// config file; resolve fills the options the config may set.
func (o *options) parse(args []string, positional bool) error {
	if err := o.e.parse(o.fs, args, positional); err != nil {
		return err
	}
	return o.resolve(nil)
}

// resolve fills every option from its first source. cfg may be nil (no
// config file). A value that does not parse is a usage error naming the
// flag, the source and the value; all of them are reported at once.
func (o *options) resolve(cfg *config.Config) error {
	var errs []error
	for _, op := range o.list {
		if err := o.resolveOne(op, cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fault.Usage(errors.Join(errs...))
	}
	return nil
}

func (o *options) resolveOne(op *option, cfg *config.Config) error {
	if op.lines != nil {
		return o.resolveList(op)
	}
	f := o.fs.Lookup(op.name)
	cfgValue := ""
	if cfg != nil && op.cfg != nil {
		cfgValue = op.cfg(cfg)
	}
	v := o.e.Action.Resolve(action.Setting{Flag: op.input, Env: op.env, Config: cfgValue, Def: op.def}, f.Value.String(), isSet(o.fs, op.name))
	op.from = v.Source
	if err := op.set(v.Value); err != nil {
		return fmt.Errorf("mlops %s: --%s %q %v%s", o.cmd, op.name, v.Value, err, o.source(op, v.Source, cfg))
	}
	return nil
}

// resolveList keeps the repeated flags, else reads the action input.
func (o *options) resolveList(op *option) error {
	if isSet(o.fs, op.name) {
		op.from = "flag"
		return nil
	}
	op.reset()
	items := op.lines(o.e.Action.Input(op.input))
	if len(items) > 0 {
		op.from = "input"
	}
	for _, it := range items {
		if err := op.set(it); err != nil {
			return fmt.Errorf("mlops %s: action input %s: %q %v", o.cmd, op.input, it, err)
		}
	}
	return nil
}

// source says where a bad value came from, when not from the flag.
func (o *options) source(op *option, src string, cfg *config.Config) string {
	switch src {
	case "input":
		return " (action input " + op.input + ")"
	case "env":
		for _, v := range op.env {
			if strings.TrimSpace(o.e.Getenv(v)) != "" {
				return " (environment variable " + v + ")"
			}
		}
	case "config":
		return fmt.Sprintf(" (%s in %s)", op.cfgKey, cfg.Path)
	}
	return ""
}

// sourceOf says where option name's value came from, as source does, for
// messages about a value that parsed but does not fit.
func (o *options) sourceOf(name string) string {
	for _, op := range o.list {
		if op.name == name && op.from != "config" {
			return o.source(op, op.from, nil)
		}
	}
	return ""
}

// isSet reports whether option name came from its flag.
func (o *options) isSet(name string) bool { return isSet(o.fs, name) }

// from says where option name's value came from: "flag", "input", "env",
// "config", "default", or "" for a list that is empty.
func (o *options) from(name string) string {
	for _, op := range o.list {
		if op.name == name {
			return op.from
		}
	}
	return ""
}

// configOption declares --config, the file loadConfigFile reads.
func (o *options) configOption(p *string) *option {
	return o.String(p, "config", "config file (default .github/mlops.yml; env MLOPS_CONFIG)").Env("MLOPS_CONFIG").Default(config.DefaultPath)
}

// loadConfigFile reads the config file at path; every problem is a usage
// error.
func loadConfigFile(path string) (*config.Config, error) {
	c, err := config.Load(path)
	if err != nil {
		return nil, fault.Usage(err)
	}
	return c, nil
}

// flags returns a flag set for a command whose usage text goes to stdout on
// --help and whose parse errors become usage errors.
func (e *Env) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("mlops "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintln(e.Stdout, strings.TrimSpace("Usage: mlops "+name+" "+synopsis))
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
	// The flag package prints the usage on every parse error; only --help
	// should, so it is silenced while parsing.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if err == flag.ErrHelp {
			usage()
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
