package cfn

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Intrinsic reports whether v is an intrinsic function call: a mapping with
// exactly one key, Ref, Condition or Fn::<Name>, and returns it.
func Intrinsic(v any) (fn string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// Walk calls visit for every intrinsic function call in v, depth first and
// in key order; p is the key path of v, and visit gets the path of the
// call's key (Resources.A.Properties.Name.Fn::Sub).
func Walk(v any, p string, visit func(fn string, arg any, p string)) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := Intrinsic(x); ok {
			visit(fn, arg, Key(p, fn))
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			Walk(x[k], Key(p, k), visit)
		}
	case []any:
		for i, e := range x {
			Walk(e, Index(p, i), visit)
		}
	}
}

// Ref is one name an expression refers to: a Ref (Attr ""), an Fn::GetAtt,
// or a ${Name} / ${Resource.Attribute} variable of an Fn::Sub. Path is the
// key path of the function's key.
type Ref struct {
	Path, Name, Attr string
}

// Refs lists every reference in v, in Walk order. Fn::Sub variables given
// their value in the function's own variable map are not references.
func Refs(v any, p string) []Ref {
	var out []Ref
	Walk(v, p, func(fn string, arg any, p string) {
		switch fn {
		case "Ref":
			if name, ok := arg.(string); ok {
				out = append(out, Ref{Path: p, Name: name})
			}
		case "Fn::GetAtt":
			if l, ok := arg.([]any); ok && len(l) == 2 {
				name, _ := l[0].(string)
				attr, _ := l[1].(string)
				out = append(out, Ref{Path: p, Name: name, Attr: attr})
			}
		case "Fn::Sub":
			s, vars, _ := SubArgs(arg)
			for _, name := range SubVars(s) {
				if _, local := vars[name]; !local {
					res, attr, _ := strings.Cut(name, ".")
					out = append(out, Ref{Path: p, Name: res, Attr: attr})
				}
			}
		}
	})
	return out
}

// subVar matches ${Name}, ${Resource.Attribute} and the escape ${!Literal}
// in an Fn::Sub string:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html
var subVar = regexp.MustCompile(`\$\{(!?)([^}]*)\}`)

// SubArgs splits the argument of Fn::Sub, a string or [String, {Variables}],
// into the string and its variables (nil for the string form); ok is false
// for any other shape.
func SubArgs(arg any) (s string, vars map[string]any, ok bool) {
	switch a := arg.(type) {
	case string:
		return a, nil, true
	case []any:
		if len(a) != 2 {
			return "", nil, false
		}
		s, isStr := a[0].(string)
		vars, isMap := a[1].(map[string]any)
		return s, vars, isStr && isMap
	}
	return "", nil, false
}

// SubVars lists the variable names of an Fn::Sub string in order, spaces
// trimmed; ${!Literal} escapes are not variables.
func SubVars(s string) []string {
	var out []string
	for _, m := range subVar.FindAllStringSubmatch(s, -1) {
		if name := strings.TrimSpace(m[2]); m[1] == "" && name != "" {
			out = append(out, name)
		}
	}
	return out
}

// Substitute replaces each variable of an Fn::Sub string with what value
// returns for it, and each ${!Literal} with ${Literal}, as CloudFormation
// does. known is false when value did not know one of them.
func Substitute(s string, value func(name string) (string, bool)) (out string, known bool) {
	known = true
	out = subVar.ReplaceAllStringFunc(s, func(m string) string {
		g := subVar.FindStringSubmatch(m)
		if g[1] == "!" {
			return "${" + g[2] + "}"
		}
		name := strings.TrimSpace(g[2])
		if name == "" {
			return m
		}
		v, ok := value(name)
		known = known && ok
		return v
	})
	return out, known
}
