// Package check runs every offline check of the suite on the environments
// of a config: each template against the resource specification and the
// suite's rules, each parameter file against its template, the config's
// keys against the templates they name, and each stack that joins
// another (endpoint B, previews) against the resources of the one it
// joins. mlops check reports the result; plan and deploy run it first and
// write nothing to AWS when it finds an error.
package check

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/cfntemplate"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// Problems is what a check found, errors and warnings, in file order.
type Problems []*config.Problem

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Err joins the problems into one error (nil when there are none).
func (ps Problems) Err() error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Option changes what Run takes as given.
type Option func(*options)

type options struct{ flags []string }

// SetByFlags names parameters given on the command line (--param,
// --image): they have a value whatever the parameter file says.
func SetByFlags(params ...string) Option {
	return func(o *options) { o.flags = append(o.flags, params...) }
}

// Run checks the named environments of cfg (all when names is empty).
// The config's paths are relative to root ("" for the working directory,
// as for every command), and problems name files as root/path.
func Run(cfg *config.Config, root string, names []string, opts ...Option) Problems {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	if len(names) == 0 {
		names = cfg.EnvNames()
	}
	var out Problems
	var base *env
	if b := cfg.BaseEnv(); b != nil {
		var ps Problems
		base, ps = load(cfg, root, b, nil)
		if base == nil {
			out = append(out, ps...)
		}
	}
	for _, n := range names {
		e := cfg.Environments[n]
		if e == nil {
			out = append(out, &config.Problem{File: cfg.Path, Msg: fmt.Sprintf("unknown environment %q; known environments: %s", n, strings.Join(cfg.EnvNames(), ", "))})
			continue
		}
		joins := base
		if base != nil && base.cfg == e {
			joins = nil
		}
		loaded, ps := load(cfg, root, e, joins)
		out = append(out, ps...)
		if loaded != nil {
			loaded.setByFlags(o.flags)
			out = append(out, loaded.check(cfg)...)
		}
	}
	return sorted(dedupe(out))
}

// env is one environment's template and values, ready to check.
type env struct {
	cfg    *config.Environment
	stack  *cfntemplate.Stack
	file   string
	values map[string]string // the parameter file's
	params *cfn.ParamFile    // nil when the environment has none
	filled []string          // parameters mlops sets on every deploy
}

// load reads the environment's template and parameter file; a file that
// cannot be read is a problem, and the environment is not checked further.
func load(cfg *config.Config, root string, e *config.Environment, base *env) (*env, Problems) {
	tpath := filepath.Join(root, e.Template)
	t, err := cfntemplate.Open(tpath)
	if err != nil {
		return nil, Problems{{File: tpath, Msg: err.Error(), Fix: "fix the template, or the environment's template key in " + cfg.Path}}
	}
	out := &env{cfg: e, values: map[string]string{}}
	if e.Parameters != "" {
		out.file = filepath.Join(root, e.Parameters)
		pf, err := cfn.ReadParamFile(out.file)
		if err != nil {
			var p *config.Problem
			if errors.As(err, &p) {
				return nil, Problems{p}
			}
			return nil, Problems{{File: out.file, Msg: err.Error()}}
		}
		out.values, out.params = pf.Values, pf
	}
	values := maps.Clone(out.values)
	params := t.Doc["Parameters"]
	has := func(name string) bool { m, _ := params.(map[string]any); return name != "" && m[name] != nil }
	for _, k := range []string{e.ImageParameter, previewKey(e, "priority"), previewKey(e, "host")} {
		if has(k) {
			out.filled = append(out.filled, k)
		}
	}
	if e.Preview != nil {
		values[e.Preview.HostParameter] = e.HostFor(1)
		values[e.Preview.PriorityParameter] = "1"
	}
	out.stack = &cfntemplate.Stack{T: t, Name: e.StackFor(1), Values: values}
	if base != nil {
		out.stack.Base, out.stack.FromBase = base.stack, true
		outs, _ := base.stack.T.Doc["Outputs"].(map[string]any)
		m, _ := params.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, inFile := out.values[k]; !inFile && outs[k] != nil && !slices.Contains(out.filled, k) {
				out.filled = append(out.filled, k)
			}
		}
	}
	return out, nil
}

// setByFlags counts parameters given on the command line as filled.
func (e *env) setByFlags(params []string) {
	declared, _ := e.stack.T.Doc["Parameters"].(map[string]any)
	for _, k := range params {
		// An undeclared one is stack.Resolve's to report, with the flag.
		if _, inFile := e.values[k]; !inFile && declared[k] != nil && !slices.Contains(e.filled, k) {
			e.filled = append(e.filled, k)
		}
	}
}

func previewKey(e *config.Environment, which string) string {
	if e.Preview == nil {
		return ""
	}
	if which == "priority" {
		return e.Preview.PriorityParameter
	}
	return e.Preview.HostParameter
}

// check runs every check of one environment.
func (e *env) check(cfg *config.Config) Problems {
	s, t := e.stack, e.stack.T
	var out Problems
	for _, fs := range [][]*cfntemplate.Finding{
		t.CheckResources(),
		t.CheckReferences(),
		s.CheckImports(),
		e.parameters(),
		t.CheckSecurity(),
		s.CheckServices(),
		t.CheckRetain(),
		t.CheckActions(),
		s.CheckRoleArns(),
		s.CheckListenerTLS(),
		e.configKeys(cfg),
	} {
		out = append(out, fs...)
	}
	return out
}

// parameters checks the parameter file; a parameter without a value that
// the base has no output for gets the nearest output named in its fix.
func (e *env) parameters() []*config.Problem {
	pf := e.params
	if pf == nil {
		pf = &cfn.ParamFile{Path: e.stack.T.Path + " (no parameter file)", Values: e.values}
	}
	file := pf.Path
	fs := e.stack.T.CheckParameters(pf, e.filled)
	if e.stack.Base == nil {
		return fs
	}
	outs, _ := e.stack.Base.T.Doc["Outputs"].(map[string]any)
	names := slices.Sorted(maps.Keys(outs))
	for _, f := range fs {
		k, ok := strings.CutPrefix(f.Key, "Parameters.")
		if !ok || !strings.Contains(f.Msg, "has no value") {
			continue
		}
		f.Msg += fmt.Sprintf(", and %s has no output %s to fill it from", e.stack.Base.T.Path, k)
		if c := suggest.Closest(k, names); c != "" {
			f.Fix = fmt.Sprintf("rename it to %s, the output of %s it stands for, or add %s to %s", c, e.stack.Base.T.Path, k, file)
		}
	}
	return fs
}

// configKeys checks the keys of the environment that name a template's
// output or parameter.
func (e *env) configKeys(cfg *config.Config) []*config.Problem {
	k := "environments." + e.cfg.Name
	t := e.stack.T
	var out []*config.Problem
	add := func(key, kind, name string, tmpl *cfntemplate.Template) {
		sec, _ := tmpl.Doc[kind].(map[string]any)
		if name == "" || sec[name] != nil {
			return
		}
		names := slices.Sorted(maps.Keys(sec))
		p := &config.Problem{File: cfg.Path, Line: cfg.Line(key), Key: key,
			Msg: fmt.Sprintf("names %s %q, which %s does not have (%s: %s)", strings.ToLower(strings.TrimSuffix(kind, "s")), name, tmpl.Path, strings.ToLower(kind), strings.Join(names, ", "))}
		if c := suggest.Closest(name, names); c != "" {
			p.Fix = "did you mean " + c + "?"
		}
		out = append(out, p)
	}
	add(k+".url_output", "Outputs", e.cfg.URLOutput, t)
	add(k+".image_parameter", "Parameters", e.cfg.ImageParameter, t)
	if pv := e.cfg.Preview; pv != nil {
		add(k+".preview.priority_parameter", "Parameters", pv.PriorityParameter, t)
		add(k+".preview.host_parameter", "Parameters", pv.HostParameter, t)
		if e.stack.Base != nil {
			lo := pv.ListenerOutput
			if lo == "" {
				lo = "PreviewHttpsListenerArn"
			}
			add(k+".preview.listener_output", "Outputs", lo, e.stack.Base.T)
		}
	}
	return out
}

func dedupe(ps Problems) Problems {
	seen := map[string]bool{}
	var out Problems
	for _, p := range ps {
		if !seen[p.Error()] {
			seen[p.Error()] = true
			out = append(out, p)
		}
	}
	return out
}

// sorted orders problems by file and line, keeping the checks' order
// within a line.
func sorted(ps Problems) Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
	return ps
}
