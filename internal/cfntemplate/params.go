package cfntemplate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// CheckParameters compares a parameter file with the template: every key
// must be a parameter; a parameter without a Default needs a value, from
// the file or from what mlops fills in (filled: the image, a preview's
// priority and host, the base stack's outputs); a filled parameter the
// file sets too is dead weight (a warning); every value and every default
// must satisfy the parameter's constraints, and no value may be a
// placeholder left from a README ("Get from ACM", CHANGE_ME) or empty
// where the parameter has no Default.
func (t *Template) CheckParameters(pf *cfn.ParamFile, filled []string) []*fault.Problem {
	file, values := pf.Path, pf.Values
	params := t.section("Parameters")
	isFilled := map[string]bool{}
	for _, f := range filled {
		isFilled[f] = true
	}
	var fs []*fault.Problem
	add := func(key, fix, format string, args ...any) *fault.Problem {
		f := &fault.Problem{File: file, Line: pf.Line(key), Key: key, Msg: fmt.Sprintf(format, args...), Fix: fix}
		fs = append(fs, f)
		return f
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		p, _ := params[k].(map[string]any)
		switch {
		case params[k] == nil:
			add(k, "", "not a parameter of %s; remove it from %s or add the parameter to the template%s", t.Path, file, closest(k, params))
		case isFilled[k]:
			add(k, "remove it from "+file, "is set by mlops on every deploy (see .github/mlops.yml), so this value is never used").Warning = true
		case isPlaceholder(values[k]):
			add(k, "put the real value in "+file+constraintHint(p), "value %q is a placeholder, not a value", values[k])
		case values[k] == "" && p["Default"] == nil:
			add(k, "set a value in "+file+" or give the parameter a Default", "is empty, and the parameter has no Default, so it is required")
		default:
			if msg := t.checkValue(k, values[k]); msg != "" {
				add(k, "", "%s", msg)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		p, _ := params[k].(map[string]any)
		d, hasDefault := p["Default"]
		if hasDefault {
			if msg := t.checkValue(k, scalar(d)); msg != "" {
				fs = append(fs, t.finding("Parameters."+k+".Default", "%s", msg))
			}
		}
		if _, ok := values[k]; !ok && !isFilled[k] && !hasDefault {
			fs = append(fs, t.problem("Parameters."+k, "add "+k+" to "+file+" (or pass --param "+k+"=VALUE to mlops deploy and plan), or give it a Default",
				"parameter %s has no value: it has no Default, %s does not set it and mlops does not fill it", k, file))
		}
	}
	for _, k := range filled {
		if params[k] == nil {
			add(k, "", "mlops fills %q but %s has no such parameter; fix .github/mlops.yml or the template", k, t.Path)
		}
	}
	return fs
}

// placeholder matches values that stand for one still to be filled in.
var placeholder = regexp.MustCompile(`(?i)^\s*(change[ _-]?me|replace[ _-]?me|todo|tbd|fixme|x{3,}|<[^>]*>|get (it )?from .*|your[ _-].*|.*placeholder.*|\.\.\.)\s*$`)

func isPlaceholder(v string) bool { return placeholder.MatchString(v) }

func constraintHint(p map[string]any) string {
	if c, ok := p["ConstraintDescription"].(string); ok {
		return " (" + c + ")"
	}
	if pat, ok := p["AllowedPattern"].(string); ok {
		return " (it must match " + pat + ")"
	}
	if d, ok := p["Description"].(string); ok {
		return " (" + d + ")"
	}
	return ""
}

func closest(k string, params map[string]any) string {
	if s := suggest.Closest(k, slices.Sorted(maps.Keys(params))); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}

// checkValue returns what is wrong with value for parameter k, or "": the
// constraints as cfn checks them for the deploy engine too, so a file mlops
// deploy accepts passes here and the other way round.
func (t *Template) checkValue(k, value string) string {
	p, _ := t.section("Parameters")[k].(map[string]any)
	spec, err := cfn.ParseParamSpec(k, p)
	if err != nil {
		return fmt.Sprintf("the declaration of parameter %s in %s %v, so CloudFormation refuses the template; fix the declaration", k, t.Path, err)
	}
	if msg := spec.Violation(value); msg != "" {
		return fmt.Sprintf("value %s %s", spec.Shown(value), msg)
	}
	return ""
}
