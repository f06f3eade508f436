package stack

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeTree parses YAML or JSON into plain Go values (map[string]any,
// []any, string, float64, bool, nil). CloudFormation's short-form
// intrinsics (!Ref, !Sub, !GetAtt ...) become their long form
// ({"Ref": ...}, {"Fn::Sub": ...}), as CloudFormation itself reads them:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
// gopkg.in/yaml.v3 reads flow mappings such as {"aws:SourceAccount": !Ref
// AWS::AccountId} as CloudFormation does, which not every YAML parser does.
func decodeTree(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return nodeValue(doc.Content[0])
}

func nodeValue(n *yaml.Node) (any, error) {
	if n.Tag != "" && !strings.HasPrefix(n.Tag, "!!") {
		return tagValue(n)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0])
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys (<<) are not supported in templates", k.Line)
			}
			x, err := nodeValue(v)
			if err != nil {
				return nil, err
			}
			out[k.Value] = x
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			x, err := nodeValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	return scalarValue(n), nil
}

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		return b
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i)
		}
	}
	return n.Value
}

// tagValue expands a short-form intrinsic. !GetAtt takes "A.B" as well as a
// list; every other tag is "Fn::<Name>" except !Ref and !Condition.
func tagValue(n *yaml.Node) (any, error) {
	tag := n.Tag
	inner := *n
	inner.Tag = ""
	if n.Kind == yaml.ScalarNode {
		inner.Tag = "!!str"
	}
	v, err := nodeValue(&inner)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "!Ref":
		return map[string]any{"Ref": v}, nil
	case "!Condition":
		return map[string]any{"Condition": v}, nil
	case "!GetAtt":
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	if !strings.HasPrefix(tag, "!") {
		return nil, fmt.Errorf("line %d: unknown YAML tag %s", n.Line, tag)
	}
	return map[string]any{"Fn::" + strings.TrimPrefix(tag, "!"): v}, nil
}

// ScalarString renders a decoded scalar the way CloudFormation passes
// parameter values: strings as is, whole numbers without a decimal point.
func ScalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
