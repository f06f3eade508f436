package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/suggest"
)

// schema checks the YAML tree against the Config type before decoding, so
// that every unknown key, repeated key and value of the wrong kind is
// reported at once with its key path and line, instead of only the first
// one the decoder meets.
type schema struct{ ps []*fault.Problem }

func (s *schema) add(key string, n ast.Node, format string, args ...any) {
	s.ps = append(s.ps, &fault.Problem{Key: key, Line: line(n), Msg: fmt.Sprintf(format, args...)})
}

func line(n ast.Node) int {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// unwrap skips tags and anchors; aliases are left to the decoder.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

func (s *schema) check(n ast.Node, t reflect.Type, key string) {
	n = unwrap(n)
	if n == nil {
		return
	}
	switch n.(type) {
	case *ast.NullNode, *ast.AliasNode:
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		s.mapping(n, key, func(name string) (reflect.Type, []string) { return fieldType(t, name) })
	case reflect.Map:
		s.mapping(n, key, func(string) (reflect.Type, []string) { return t.Elem(), nil })
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			s.add(key, n, "must be a list, e.g. [%s]", n)
			return
		}
		for i, v := range seq.Values {
			s.check(v, t.Elem(), fmt.Sprintf("%s[%d]", key, i))
		}
	case reflect.Int:
		if _, ok := n.(*ast.IntegerNode); !ok {
			s.add(key, n, "must be a whole number, got %s", describe(n))
		}
	case reflect.Float64:
		switch n.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
		default:
			s.add(key, n, "must be a number, got %s", describe(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			s.add(key, n, "must be true or false, got %s", describe(n))
		}
	case reflect.String:
		if _, ok := n.(ast.ScalarNode); !ok {
			s.add(key, n, "must be a single value, got %s", describe(n))
		}
	}
}

// mapping checks a YAML mapping whose value types come from lookup; lookup
// returns nil and the known keys for a key that does not exist.
func (s *schema) mapping(n ast.Node, key string, lookup func(string) (reflect.Type, []string)) {
	values, ok := mappingValues(n)
	if !ok {
		s.add(key, n, "must be a mapping of keys to values, got %s", describe(n))
		return
	}
	seen := map[string]int{}
	for _, mv := range values {
		if mv.Key.IsMergeKey() {
			continue
		}
		name := keyName(mv.Key)
		path := join(key, name)
		if first, dup := seen[name]; dup {
			s.add(path, mv.Key, "%q is defined twice (first on line %d); each key may appear once, so merge or rename one", name, first)
			continue
		}
		seen[name] = line(mv.Key)
		ft, known := lookup(name)
		if ft == nil {
			s.add(path, mv.Key, "%s", unknownKey(name, known))
			continue
		}
		s.check(mv.Value, ft, path)
	}
}

func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func keyName(k ast.MapKeyNode) string {
	if s, ok := unwrap(k).(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// fieldType returns the type of the field tagged name, or nil and the
// struct's keys.
func fieldType(t reflect.Type, name string) (reflect.Type, []string) {
	var known []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		if tag == name {
			return f.Type, nil
		}
		known = append(known, tag)
	}
	return nil, known
}

func unknownKey(name string, known []string) string {
	sort.Strings(known)
	msg := fmt.Sprintf("unknown key %q", name)
	if best := suggest.Closest(name, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return msg + " Keys here: " + strings.Join(known, ", ")
}

func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return strconv.Quote(strings.TrimSpace(n.String()))
}
