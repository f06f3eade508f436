// Package cfn is the suite's one home of CloudFormation knowledge that more
// than one part needs: how a template or parameter file is decoded (with the
// line of every key), the short-form intrinsics, the template model
// (Template, its parameters, resources and outputs, and the attributes
// Fn::GetAtt asks of them), stack statuses, the limits on a template, and
// how decoded values are rendered as CloudFormation passes them. The deploy
// engine, the offline checks and the CloudFormation fake all read templates
// through it, so a file one of them accepts is accepted by all.
package cfn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Tree is a decoded YAML or JSON document: JSON-shaped values
// (map[string]any, []any, string, int64, float64, bool or nil) with
// short-form intrinsics in their long form, plus the line of every key path.
type Tree struct {
	// Value is the document's root; nil for an empty document.
	Value any
	lines map[string]int
}

// Decode parses YAML or JSON the way CloudFormation reads templates
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html):
// short-form intrinsics (!Ref, !Sub, !GetAtt ...) become their long form;
// duplicate keys, aliases and merge keys are refused, as CloudFormation
// refuses them. gopkg.in/yaml.v3 reads flow mappings such as
// {"aws:SourceAccount": !Ref AWS::AccountId} as CloudFormation does.
func Decode(data []byte) (*Tree, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root, next yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("want exactly one YAML document; remove the second (after ---)")
	}
	t := &Tree{lines: map[string]int{}}
	if len(root.Content) == 0 {
		return t, nil
	}
	v, err := t.convert(root.Content[0], "")
	if err != nil {
		return nil, err
	}
	t.Value = v
	return t, nil
}

// Line returns the line of key path p (Resources.Service.Properties,
// Parameters[2].ParameterKey), or of its nearest parent that has one; 0 when
// none has.
func (t *Tree) Line(p string) int {
	for ; p != ""; p = Parent(p) {
		if l, ok := t.lines[p]; ok {
			return l
		}
	}
	return 0
}

// Parent returns the key path p is in: "A.B" for "A.B.C" and "A.B[2]".
func Parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Key returns the key path of key inside the mapping at p.
func Key(p, key string) string {
	if p == "" {
		return key
	}
	return p + "." + key
}

// Index returns the key path of element i of the list at p.
func Index(p string, i int) string { return p + "[" + strconv.Itoa(i) + "]" }

func (t *Tree) convert(n *yaml.Node, p string) (any, error) {
	if _, ok := t.lines[p]; !ok {
		t.lines[p] = n.Line
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return t.convertTag(n, p)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return t.convertMap(n, p)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, v := range n.Content {
			c, err := t.convert(v, Index(p, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n.Line, p, err)
		}
		if i, ok := v.(int); ok {
			return int64(i), nil
		}
		return v, nil
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML anchors and aliases are not supported by CloudFormation", n.Line)
	}
	return nil, fmt.Errorf("line %d: %s: unsupported YAML node", n.Line, p)
}

func (t *Tree) convertMap(n *yaml.Node, p string) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			return nil, fmt.Errorf("line %d: YAML merge keys (<<) are not supported by CloudFormation", k.Line)
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: %s: key %q appears twice", k.Line, p, k.Value)
		}
		kp := Key(p, k.Value)
		t.lines[kp] = k.Line
		c, err := t.convert(v, kp)
		if err != nil {
			return nil, err
		}
		out[k.Value] = c
	}
	return out, nil
}

// shortForms maps a YAML tag to the long-form key of the intrinsic
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap",
	"!GetAtt": "Fn::GetAtt", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue",
	"!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split", "!Sub": "Fn::Sub",
	"!Transform": "Fn::Transform", "!And": "Fn::And", "!Equals": "Fn::Equals",
	"!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or", "!Length": "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

func (t *Tree) convertTag(n *yaml.Node, p string) (any, error) {
	long, ok := shortForms[n.Tag]
	if !ok {
		known := make([]string, 0, len(shortForms))
		for k := range shortForms {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("line %d: %s: unknown tag %s; CloudFormation knows %s", n.Line, p, n.Tag, strings.Join(known, " "))
	}
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str"
	}
	v, err := t.convert(&plain, Key(p, long))
	if err != nil {
		return nil, err
	}
	// !GetAtt Resource.Attribute is the string form of [Resource, Attribute].
	if s, isStr := v.(string); isStr && long == "Fn::GetAtt" {
		res, attr, found := strings.Cut(s, ".")
		if !found {
			return nil, fmt.Errorf("line %d: %s: !GetAtt %q must be Resource.Attribute", n.Line, p, s)
		}
		v = []any{res, attr}
	}
	return map[string]any{long: v}, nil
}

// ScalarString renders a decoded scalar the way CloudFormation passes
// parameter values: strings as is, whole numbers without a decimal point.
func ScalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
