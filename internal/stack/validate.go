package stack

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// Inputs are the sources of a deploy's parameter values, lowest precedence
// first: the parameter file, then the image, then --param overrides.
type Inputs struct {
	Template   *cfn.Template
	File       *cfn.ParamFile // nil when the environment has no parameter file
	Image      string         // image reference from --image, "" for none
	ImageParam string         // template parameter that receives Image
	Overrides  []string       // Key=Value
	// Base holds the outputs of the stack this one joins; each that names
	// a template parameter is its value unless the file, --image or
	// --param sets it.
	Base *BaseOutputs
}

// BaseOutputs are the outputs of a stack another stack takes as
// parameters (a preview takes endpoint A's, instead of importing exports).
type BaseOutputs struct {
	Stack   string
	Outputs map[string]string
}

// For returns the outputs that name a parameter of t, sorted by name.
func (b *BaseOutputs) For(t *cfn.Template) []string {
	if b == nil {
		return nil
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(b.Outputs)) {
		if _, ok := t.Parameters[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// Params are validated parameter values ready for a change set.
type Params struct {
	Values map[string]string
	Tags   map[string]string // from a CodePipeline-form file
	Source map[string]string // where each value came from: a file, --image or --param
	noEcho map[string]bool
}

// Redacted is shown instead of a NoEcho parameter's value.
const Redacted = "****"

// Display returns the value of key as it may be printed: NoEcho values never are.
func (p *Params) Display(key string) string {
	if p.noEcho[key] {
		return Redacted
	}
	return p.Values[key]
}

// Secrets returns the values of NoEcho parameters, for log masking.
func (p *Params) Secrets() []string {
	var out []string
	for _, k := range p.Keys() {
		if p.noEcho[k] && p.Values[k] != "" {
			out = append(out, p.Values[k])
		}
	}
	return out
}

// Keys returns the parameter names, sorted.
func (p *Params) Keys() []string { return slices.Sorted(maps.Keys(p.Values)) }

// Resolve merges the inputs and checks every value against the template
// offline: unknown keys, missing required parameters and the declared
// constraints. It reports all problems at once, each naming file and key.
func Resolve(in Inputs) (*Params, error) {
	t := in.Template
	p := &Params{Values: map[string]string{}, Source: map[string]string{}, Tags: map[string]string{}, noEcho: map[string]bool{}}
	for name, spec := range t.Parameters {
		p.noEcho[name] = spec.NoEcho
	}
	var probs []error
	for _, k := range in.Base.For(t) {
		p.Values[k], p.Source[k] = in.Base.Outputs[k], "output of stack "+in.Base.Stack
	}
	if in.File != nil {
		for _, k := range slices.Sorted(maps.Keys(in.File.Values)) {
			if err := checkKnown(t, in.File.Path, in.File.Line(k), k); err != nil {
				probs = append(probs, err)
				continue
			}
			p.Values[k], p.Source[k] = in.File.Values[k], in.File.Path
		}
		for k, v := range in.File.Tags {
			p.Tags[k] = v
		}
	}
	if in.Image != "" {
		if err := setImage(p, in); err != nil {
			probs = append(probs, err)
		}
	}
	for _, o := range in.Overrides {
		k, v, err := ParseOverride(o)
		if err != nil {
			probs = append(probs, &fault.Problem{File: "--param", Msg: err.Error()})
			continue
		}
		if err := checkKnown(t, "--param", 0, k); err != nil {
			probs = append(probs, err)
			continue
		}
		p.Values[k], p.Source[k] = v, "--param"
	}
	for _, name := range t.ParamNames() {
		if err := checkValue(t, t.Parameters[name], p, in.File); err != nil {
			probs = append(probs, err)
		}
	}
	return p, errors.Join(probs...)
}

func setImage(p *Params, in Inputs) error {
	if err := CheckImageRef(in.Image); err != nil {
		return &fault.Problem{File: "--image", Msg: err.Error()}
	}
	if in.ImageParam == "" {
		return &fault.Problem{File: config.DefaultPath, Key: "image_parameter", Msg: "--image was given but the environment names no image_parameter; set it to the template parameter that takes the image (e.g. ImageUri)"}
	}
	if err := checkKnown(in.Template, config.DefaultPath, 0, in.ImageParam); err != nil {
		return err
	}
	p.Values[in.ImageParam], p.Source[in.ImageParam] = in.Image, "--image"
	return nil
}

func checkKnown(t *cfn.Template, file string, line int, key string) error {
	if _, ok := t.Parameters[key]; ok {
		return nil
	}
	msg := fmt.Sprintf("parameter %q is not declared in %s; remove it", key, t.Path)
	if s := suggest.Closest(key, t.ParamNames()); s != "" {
		msg += fmt.Sprintf(" or rename it to %q", s)
	}
	if len(t.Parameters) > 0 {
		msg += " (declared: " + strings.Join(t.ParamNames(), ", ") + ")"
	}
	return &fault.Problem{File: file, Line: line, Key: key, Msg: msg}
}

func checkValue(t *cfn.Template, spec cfn.ParamSpec, p *Params, f *cfn.ParamFile) error {
	v, ok := p.Values[spec.Name]
	file := p.Source[spec.Name]
	if !ok {
		if spec.Default != nil {
			return nil
		}
		where := "--param " + spec.Name + "=VALUE"
		if f != nil {
			where = f.Path + " or pass --param " + spec.Name + "=VALUE"
			file = f.Path
		} else {
			file = t.Path
		}
		return &fault.Problem{File: file, Key: spec.Name, Msg: fmt.Sprintf("required parameter has no value and no Default in %s; add it to %s", t.Path, where)}
	}
	msg := spec.Violation(v)
	if msg == "" {
		return nil
	}
	fix := "change the value in " + file
	if file == "--param" || file == "--image" {
		fix = "pass a valid " + file
	}
	prob := &fault.Problem{File: file, Key: spec.Name, Msg: fmt.Sprintf("value %s %s; %s", spec.Shown(v), msg, fix)}
	if f != nil && file == f.Path {
		prob.Line = f.Line(spec.Name)
	}
	return prob
}
