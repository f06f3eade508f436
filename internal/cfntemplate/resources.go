package cfntemplate

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
)

// resourceAttributes are the keys a resource may carry besides its Type
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-product-attribute-reference.html).
func resourceAttributes() map[string]bool {
	return map[string]bool{
		"Type": true, "Properties": true, "DependsOn": true, "Condition": true, "Metadata": true,
		"DeletionPolicy": true, "UpdateReplacePolicy": true, "CreationPolicy": true, "UpdatePolicy": true,
	}
}

// CheckResources checks every resource against goformation's typed model of
// the CloudFormation resource specification: the type must be known, every
// property must survive a round trip through the typed resource (a property
// the model does not know is dropped on the way and reported), and required
// properties must be present. Intrinsic functions stand in for values of
// the property's type; both sides of every Fn::If are checked.
func (t *Template) CheckResources() []*Finding {
	resources, _ := t.Doc["Resources"].(map[string]any)
	if len(resources) == 0 {
		return []*Finding{t.finding("Resources", "a template needs at least one resource")}
	}
	all := cloudformation.AllResources()
	attrs := resourceAttributes()
	var fs []*Finding
	for _, name := range slices.Sorted(maps.Keys(resources)) {
		p := "Resources." + name
		r, ok := resources[name].(map[string]any)
		if !ok {
			fs = append(fs, t.finding(p, "a resource must be a mapping with Type and Properties"))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(r)) {
			if !attrs[k] {
				fs = append(fs, t.finding(cfn.Key(p, k), "unknown resource attribute %q", k))
			}
		}
		typ, _ := r["Type"].(string)
		switch {
		case typ == "":
			fs = append(fs, t.finding(p, "resource has no Type"))
			continue
		case strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource":
			continue
		}
		proto, ok := all[typ]
		if !ok {
			fs = append(fs, t.finding(cfn.Key(p, "Type"), "unknown resource type %q", typ))
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		rt := reflect.TypeOf(proto).Elem()
		for _, branch := range []int{1, 2} {
			fs = append(fs, t.roundTrip(typ, rt, props, p+".Properties", branch)...)
		}
	}
	return dedupe(fs)
}

// roundTrip fills intrinsics with typed stand-ins, decodes the properties
// into goformation's resource struct, encodes them again and reports every
// key that did not come back, and every required property that is absent.
func (t *Template) roundTrip(typ string, rt reflect.Type, props map[string]any, p string, branch int) []*Finding {
	var unknown []string
	filled := fill(props, rt, branch, p, &unknown)
	var fs []*Finding
	for _, u := range unknown {
		fs = append(fs, t.finding(u, "property %q is not known to %s in the resource specification; check its spelling and nesting", last(u), typ))
	}
	in, err := json.Marshal(map[string]any{"Type": typ, "Properties": filled})
	if err != nil {
		return []*Finding{t.finding(p, "cannot encode properties: %v", err)}
	}
	res := reflect.New(rt).Interface()
	if err := json.Unmarshal(in, res); err != nil {
		return append(fs, t.finding(p, "properties do not match %s in the resource specification: %v", typ, err))
	}
	out, err := json.Marshal(res)
	if err != nil {
		return []*Finding{t.finding(p, "cannot encode %s: %v", typ, err)}
	}
	var back struct{ Properties any }
	if err := json.Unmarshal(out, &back); err != nil {
		return []*Finding{t.finding(p, "cannot decode %s: %v", typ, err)}
	}
	for _, d := range dropped(filled, back.Properties, p) {
		fs = append(fs, t.finding(d, "property %q of %s was dropped by the typed round trip; check its spelling and nesting", last(d), typ))
	}
	for _, m := range missingRequired(filled, rt, p) {
		fs = append(fs, t.finding(cfn.Parent(m), "required property %q of %s is missing", last(m), typ))
	}
	return fs
}

// noValue marks a value removed by Ref AWS::NoValue.
type noValue struct{}

// fill returns v with every intrinsic function replaced by a stand-in of the
// Go type t expects, Fn::If resolved to its first (branch 1) or second
// (branch 2) value, and scalars converted to t's kind, as CloudFormation
// converts them. Keys t has no field for are left out and their paths
// added to unknown (goformation's decoder refuses them and would stop at
// the first).
func fill(v any, t reflect.Type, branch int, p string, unknown *[]string) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if fn, arg, ok := cfn.Intrinsic(v); ok {
		switch {
		case fn == "Ref" && arg == "AWS::NoValue":
			return noValue{}
		case fn == "Fn::If":
			if args, ok := arg.([]any); ok && len(args) == 3 {
				return fill(args[branch], t, branch, p, unknown)
			}
		}
		if t.Kind() == reflect.Interface {
			return v
		}
		return standIn(t)
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		fields := jsonFields(t)
		out := make(map[string]any, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			f, known := fields[k]
			if !known {
				*unknown = append(*unknown, cfn.Key(p, k))
				continue
			}
			if y := fill(m[k], f.Type, branch, cfn.Key(p, k), unknown); y != (noValue{}) {
				out[k] = y
			}
		}
		return out
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, 0, len(l))
		for i, x := range l {
			if y := fill(x, t.Elem(), branch, cfn.Index(p, i), unknown); y != (noValue{}) {
				out = append(out, y)
			}
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = fill(x, t.Elem(), branch, cfn.Key(p, k), unknown)
		}
		return out
	}
	return convertScalar(v, t)
}

// standIn is a value of type t, as an intrinsic function would produce.
func standIn(t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Interface:
		return "intrinsic"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return 1
	case reflect.Bool:
		return true
	case reflect.Slice:
		return []any{standIn(t.Elem())}
	}
	return map[string]any{}
}

func convertScalar(v any, t reflect.Type) any {
	switch t.Kind() {
	case reflect.String:
		switch x := v.(type) {
		case int64, uint64, float64, bool:
			return fmt.Sprint(x)
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return n
			}
		}
	case reflect.Bool:
		if s, ok := v.(string); ok {
			if b, err := strconv.ParseBool(s); err == nil {
				return b
			}
		}
	}
	return v
}

// jsonFields maps the JSON names of t's fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = f
		}
	}
	return out
}

// dropped lists the key paths of in that are absent from out. An empty
// list or mapping (e.g. every entry removed by AWS::NoValue) carries no
// property, and omitempty rightly leaves it out.
func dropped(in, out any, p string) []string {
	switch in := in.(type) {
	case map[string]any:
		o, _ := out.(map[string]any)
		var ds []string
		for _, k := range slices.Sorted(maps.Keys(in)) {
			x, ok := o[k]
			if !ok {
				if !empty(in[k]) {
					ds = append(ds, cfn.Key(p, k))
				}
				continue
			}
			ds = append(ds, dropped(in[k], x, cfn.Key(p, k))...)
		}
		return ds
	case []any:
		o, _ := out.([]any)
		var ds []string
		for i, x := range in {
			if i < len(o) {
				ds = append(ds, dropped(x, o[i], cfn.Index(p, i))...)
			}
		}
		return ds
	}
	return nil
}

func empty(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// missingRequired lists the paths of required fields of t absent in v: in
// goformation's generated types a required property is a field whose JSON
// tag has no omitempty.
func missingRequired(v any, t reflect.Type, p string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var ms []string
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			x, present := m[name]
			if !present && !strings.Contains(opts, "omitempty") {
				ms = append(ms, cfn.Key(p, name))
				continue
			}
			if present {
				ms = append(ms, missingRequired(x, f.Type, cfn.Key(p, name))...)
			}
		}
	case reflect.Slice:
		l, _ := v.([]any)
		for i, x := range l {
			ms = append(ms, missingRequired(x, t.Elem(), cfn.Index(p, i))...)
		}
	}
	return ms
}

// intrinsic reports whether v is an intrinsic function call {"Fn::X": arg}.
func last(p string) string {
	return strings.TrimPrefix(p[len(cfn.Parent(p)):], ".")
}

func dedupe(fs []*Finding) []*Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		if !seen[f.Error()] {
			seen[f.Error()] = true
			out = append(out, f)
		}
	}
	return out
}
