package cfn

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MaxTemplateBody is the largest template CloudFormation accepts inline
// (TemplateBody); larger ones must be uploaded to S3 and passed by URL.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
const MaxTemplateBody = 51200

// Template is a CloudFormation template read from a file: its raw body and
// the parts the engine checks offline.
type Template struct {
	Path       string
	Body       []byte
	Parameters map[string]ParamSpec
	Resources  map[string]Resource
	Outputs    map[string]OutputSpec
	// Conditions maps a condition name to its decoded expression
	// (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition).
	Conditions map[string]any
}

// ParamSpec is one declared template parameter with its constraints.
type ParamSpec struct {
	Name                  string
	Type                  string
	Default               *string
	AllowedValues         []string
	AllowedPattern        string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64
	NoEcho                bool
	ConstraintDescription string
}

// Resource is one declared resource: its type, policies and properties.
type Resource struct {
	LogicalID           string // set when it stands for a live resource of a stack
	PhysicalID          string // set when it stands for a live resource of a stack
	Type                string
	DeletionPolicy      string
	UpdateReplacePolicy string
	// Condition names the template condition that decides whether
	// CloudFormation creates the resource at all ("" means always).
	Condition string
	// DependsOn lists the resources the template says must exist first.
	DependsOn  []string
	Properties map[string]any
}

// OutputSpec is one declared output; Value is the decoded expression.
type OutputSpec struct {
	Description string
	Value       any
	// ExportName is the decoded expression of Export.Name, nil when the
	// output is not exported.
	ExportName any
	// Condition names the template condition that decides whether the
	// stack has the output at all ("" means always).
	Condition string
}

// ParseTemplate parses a YAML or JSON template; path is used in messages.
func ParseTemplate(path string, data []byte) (*Template, error) {
	decoded, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid YAML or JSON template: %s", path, strings.TrimSpace(err.Error()))
	}
	root, ok := decoded.Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a template is a mapping with Resources; found %T", path, decoded.Value)
	}
	t := &Template{Path: path, Body: data, Parameters: map[string]ParamSpec{}, Resources: map[string]Resource{}, Outputs: map[string]OutputSpec{}}
	res, _ := root["Resources"].(map[string]any)
	if len(res) == 0 {
		return nil, fmt.Errorf("%s: template has no Resources section; every CloudFormation template needs at least one resource", path)
	}
	for id, v := range res {
		m, _ := v.(map[string]any)
		typ, _ := m["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("%s: Resources.%s has no Type", path, id)
		}
		props, _ := m["Properties"].(map[string]any)
		var deps []string
		switch d := m["DependsOn"].(type) {
		case string:
			deps = []string{d}
		case []any:
			for _, e := range d {
				deps = append(deps, ScalarString(e))
			}
		}
		t.Resources[id] = Resource{Type: typ, DeletionPolicy: ScalarString(m["DeletionPolicy"]), UpdateReplacePolicy: ScalarString(m["UpdateReplacePolicy"]),
			Condition: ScalarString(m["Condition"]), DependsOn: deps, Properties: props}
	}
	params, _ := root["Parameters"].(map[string]any)
	for name, v := range params {
		m, _ := v.(map[string]any)
		p, err := ParseParamSpec(name, m)
		if err != nil {
			return nil, fmt.Errorf("%s: Parameters.%s: %w", path, name, err)
		}
		t.Parameters[name] = p
	}
	if conds, ok := root["Conditions"].(map[string]any); ok {
		t.Conditions = conds
	}
	outs, _ := root["Outputs"].(map[string]any)
	for name, v := range outs {
		m, _ := v.(map[string]any)
		o := OutputSpec{Description: ScalarString(m["Description"]), Value: m["Value"], Condition: ScalarString(m["Condition"])}
		if exp, ok := m["Export"].(map[string]any); ok {
			o.ExportName = exp["Name"]
		}
		t.Outputs[name] = o
	}
	return t, nil
}

// ParseParamSpec reads the declaration of parameter name (its map in the
// template's Parameters section) into a ParamSpec; a declaration CloudFormation
// would refuse (no Type, a length or value bound that is not a number) is an
// error.
func ParseParamSpec(name string, m map[string]any) (ParamSpec, error) {
	p := ParamSpec{Name: name, Type: ScalarString(m["Type"]), AllowedPattern: ScalarString(m["AllowedPattern"]), ConstraintDescription: ScalarString(m["ConstraintDescription"])}
	if p.Type == "" {
		return p, errors.New("has no Type")
	}
	if d, ok := m["Default"]; ok {
		s := ScalarString(d)
		if l, isList := d.([]any); isList {
			parts := make([]string, len(l))
			for i, x := range l {
				parts[i] = ScalarString(x)
			}
			s = strings.Join(parts, ",")
		}
		p.Default = &s
	}
	if av, ok := m["AllowedValues"].([]any); ok {
		for _, x := range av {
			p.AllowedValues = append(p.AllowedValues, ScalarString(x))
		}
	}
	p.NoEcho = ScalarString(m["NoEcho"]) == "true"
	var err error
	if p.MinLength, err = intField(m, "MinLength"); err != nil {
		return p, err
	}
	if p.MaxLength, err = intField(m, "MaxLength"); err != nil {
		return p, err
	}
	if p.MinValue, err = floatField(m, "MinValue"); err != nil {
		return p, err
	}
	p.MaxValue, err = floatField(m, "MaxValue")
	return p, err
}

func floatField(m map[string]any, key string) (*float64, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	var f float64
	if _, err := fmt.Sscanf(ScalarString(v), "%g", &f); err != nil {
		return nil, fmt.Errorf("%s %q is not a number", key, ScalarString(v))
	}
	return &f, nil
}

func intField(m map[string]any, key string) (*int, error) {
	f, err := floatField(m, key)
	if f == nil || err != nil {
		return nil, err
	}
	i := int(*f)
	return &i, nil
}

// ParamNames returns the declared parameter names, sorted.
func (t *Template) ParamNames() []string {
	names := make([]string, 0, len(t.Parameters))
	for n := range t.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ResourceIDs returns the logical resource ids, sorted.
func (t *Template) ResourceIDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// TemplateURL is the virtual-hosted S3 URL CloudFormation reads a template from.
func TemplateURL(bucket, region, key string) string {
	if region == "" {
		return fmt.Sprintf("https://%s.s3.amazonaws.com/%s", bucket, key)
	}
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", bucket, region, key)
}
