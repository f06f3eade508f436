package cfntemplate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
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
func (t *Template) CheckParameters(pf *cfn.ParamFile, filled []string) []*Finding {
	file, values := pf.Path, pf.Values
	params := t.section("Parameters")
	isFilled := map[string]bool{}
	for _, f := range filled {
		isFilled[f] = true
	}
	var fs []*Finding
	add := func(key, fix, format string, args ...any) *Finding {
		f := &Finding{File: file, Line: pf.Line(key), Key: key, Msg: fmt.Sprintf(format, args...), Fix: fix}
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

// checkValue returns what is wrong with value for parameter k, or "".
// Constraints follow https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html.
func (t *Template) checkValue(k, value string) string {
	p, _ := t.section("Parameters")[k].(map[string]any)
	typ, _ := p["Type"].(string)
	items := []string{value}
	if strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" {
		items = strings.Split(value, ",")
	}
	for _, item := range items {
		item = strings.TrimSpace(item)
		if msg := checkItem(p, typ, item); msg != "" {
			return fmt.Sprintf("value %q: %s", value, msg)
		}
	}
	return ""
}

func checkItem(p map[string]any, typ, v string) string {
	if allowed, ok := p["AllowedValues"].([]any); ok {
		found := false
		for _, a := range allowed {
			found = found || fmt.Sprint(a) == v
		}
		if !found {
			return fmt.Sprintf("must be one of %v", allowed)
		}
	}
	if pat, ok := p["AllowedPattern"].(string); ok {
		re, err := regexp.Compile("^(?:" + pat + ")$")
		if err != nil {
			return fmt.Sprintf("AllowedPattern %q does not compile: %v", pat, err)
		}
		if !re.MatchString(v) {
			return fmt.Sprintf("does not match AllowedPattern %q%s", pat, constraint(p))
		}
	}
	if typ == "Number" || typ == "List<Number>" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "must be a number"
		}
		if lo, ok := number(p["MinValue"]); ok && n < lo {
			return fmt.Sprintf("must be at least %v", lo)
		}
		if hi, ok := number(p["MaxValue"]); ok && n > hi {
			return fmt.Sprintf("must be at most %v", hi)
		}
	}
	if lo, ok := number(p["MinLength"]); ok && float64(len(v)) < lo {
		return fmt.Sprintf("must be at least %v characters", lo)
	}
	if hi, ok := number(p["MaxLength"]); ok && float64(len(v)) > hi {
		return fmt.Sprintf("must be at most %v characters", hi)
	}
	return ""
}

func constraint(p map[string]any) string {
	if c, ok := p["ConstraintDescription"].(string); ok {
		return " (" + c + ")"
	}
	return ""
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}
