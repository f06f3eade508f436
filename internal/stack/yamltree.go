package stack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decodeTree parses YAML or JSON into plain Go values (map[string]any,
// []any, string, float64, bool, nil). CloudFormation's short-form
// intrinsics (!Ref, !Sub, !GetAtt ...) become their long form
// ({"Ref": ...}, {"Fn::Sub": ...}), as CloudFormation itself reads them:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
func decodeTree(data []byte) (any, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, err
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	return nodeValue(f.Docs[0].Body)
}

func nodeValue(n ast.Node) (any, error) {
	switch v := n.(type) {
	case *ast.DocumentNode:
		return nodeValue(v.Body)
	case *ast.NullNode:
		return nil, nil
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	case *ast.IntegerNode:
		return toFloat(v.Value), nil
	case *ast.FloatNode:
		return v.Value, nil
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.AnchorNode:
		return nodeValue(v.Value)
	case *ast.TagNode:
		return tagValue(v)
	case *ast.MappingValueNode:
		return mappingValue([]*ast.MappingValueNode{v})
	case *ast.MappingNode:
		return mappingValue(v.Values)
	case *ast.SequenceNode:
		out := make([]any, 0, len(v.Values))
		for _, e := range v.Values {
			x, err := nodeValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node %s", line(n), n.Type())
}

func mappingValue(values []*ast.MappingValueNode) (any, error) {
	out := make(map[string]any, len(values))
	for _, mv := range values {
		k, err := nodeValue(mv.Key)
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			ks = scalarString(k)
		}
		x, err := nodeValue(mv.Value)
		if err != nil {
			return nil, err
		}
		out[ks] = x
	}
	return out, nil
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	}
	f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
	return f
}

// tagValue expands a short-form intrinsic. !GetAtt takes "A.B" as well as a
// list; every other tag is "Fn::<Name>" except !Ref and !Condition.
func tagValue(t *ast.TagNode) (any, error) {
	tag := t.Start.Value
	inner, err := nodeValue(t.Value)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "!!str":
		return scalarString(inner), nil
	case "!!int", "!!float":
		return inner, nil
	case "!Ref":
		return map[string]any{"Ref": inner}, nil
	case "!Condition":
		return map[string]any{"Condition": inner}, nil
	case "!GetAtt":
		if s, ok := inner.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
		return map[string]any{"Fn::GetAtt": inner}, nil
	}
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return nil, fmt.Errorf("line %d: unknown YAML tag %s", line(t), tag)
	}
	return map[string]any{"Fn::" + strings.TrimPrefix(tag, "!"): inner}, nil
}

func line(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// scalarString renders a decoded scalar the way CloudFormation passes
// parameter values: strings as is, whole numbers without a decimal point.
func scalarString(v any) string {
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
