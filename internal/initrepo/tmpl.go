package initrepo

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// A small template language for the files init writes: the subset of
// text/template they use ([[.A.B]], [[.]], [[print "[" .A "]"]] of quoted
// strings and fields, [[if]], [[with]], [[range]], [[end]], and [[- ...]]
// to trim the white space before an action), with the same output.
// text/template itself is not used because it can call a method of any
// value by name (reflect.Value.MethodByName), which makes the linker keep
// every exported method of every type in the binary: it made mlops 2.6
// times as large (42 MB to 109 MB).

// node is a piece of a parsed template: text (action ""), a field
// (action "field", only as an operand), values to print (action "print":
// [[.A]] is a print of one field), or a block (if, with, range) with a body.
type node struct {
	action string
	text   string   // the text, for a text node
	path   []string // the field path after the dot; empty for the dot itself
	args   []node   // the operands of print: text nodes (quoted strings) and fields
	body   []node
}

// parseTemplate parses src; name is for errors.
func parseTemplate(name, src string) ([]node, error) {
	nodes, rest, end, err := parseNodes(name, src)
	if err != nil {
		return nil, err
	}
	if end {
		return nil, fmt.Errorf("%s: [[end]] with no block to end", name)
	}
	if rest != "" {
		return nil, fmt.Errorf("%s: text after the end", name)
	}
	return nodes, nil
}

// parseNodes parses until the end of src or an [[end]]; it reports the text
// after the [[end]] and whether there was one.
func parseNodes(name, src string) (nodes []node, rest string, end bool, err error) {
	for src != "" {
		i := strings.Index(src, "[[")
		if i < 0 {
			return append(nodes, node{text: src}), "", false, nil
		}
		text := src[:i]
		j := strings.Index(src[i:], "]]")
		if j < 0 {
			return nil, "", false, fmt.Errorf("%s: unclosed [[", name)
		}
		act := src[i+2 : i+j]
		src = src[i+j+2:]
		if trimmed, ok := strings.CutPrefix(act, "- "); ok {
			text, act = strings.TrimRightFunc(text, unicode.IsSpace), trimmed
		}
		if text != "" {
			nodes = append(nodes, node{text: text})
		}
		n, err := parseAction(name, strings.TrimSpace(act))
		switch {
		case err != nil:
			return nil, "", false, err
		case n.action == "end":
			return nodes, src, true, nil
		case n.action != "print":
			var closed bool
			if n.body, src, closed, err = parseNodes(name, src); err != nil {
				return nil, "", false, err
			}
			if !closed {
				return nil, "", false, fmt.Errorf("%s: [[%s]] has no [[end]]", name, n.action)
			}
		}
		nodes = append(nodes, n)
	}
	return nodes, "", false, nil
}

func parseAction(name, act string) (node, error) {
	if act == "end" {
		return node{action: "end"}, nil
	}
	kind, arg, block := strings.Cut(act, " ")
	switch {
	case !block:
		f, err := parseField(name, act, act)
		return node{action: "print", args: []node{f}}, err
	case kind == "print":
		return parsePrint(name, act, arg)
	case kind != "if" && kind != "with" && kind != "range":
		return node{}, fmt.Errorf("%s: [[%s]] is not a field, print, if, with, range or end", name, act)
	}
	f, err := parseField(name, act, arg)
	return node{action: kind, path: f.path}, err
}

// parseField parses a field reference (.A.B, or . for the data itself).
func parseField(name, act, arg string) (node, error) {
	if !strings.HasPrefix(arg, ".") {
		return node{}, fmt.Errorf("%s: [[%s]] must name a field (.Name)", name, act)
	}
	var path []string
	if arg != "." {
		path = strings.Split(arg[1:], ".")
	}
	return node{action: "field", path: path}, nil
}

// parsePrint parses the operands of [[print ...]]: quoted strings and
// fields, printed one after the other (fmt.Sprint, as text/template does).
func parsePrint(name, act, args string) (node, error) {
	n := node{action: "print"}
	for args = strings.TrimSpace(args); args != ""; args = strings.TrimSpace(args) {
		if args[0] == '"' {
			lit, err := strconv.QuotedPrefix(args)
			if err != nil {
				return node{}, fmt.Errorf("%s: [[%s]]: %w", name, act, err)
			}
			text, _ := strconv.Unquote(lit)
			n.args, args = append(n.args, node{text: text}), args[len(lit):]
			continue
		}
		word, rest, _ := strings.Cut(args, " ")
		f, err := parseField(name, act, word)
		if err != nil {
			return node{}, fmt.Errorf("%s: [[%s]]: %q is neither a quoted string nor a field", name, act, word)
		}
		n.args, args = append(n.args, f), rest
	}
	return n, nil
}

// executeNodes writes nodes into b with dot as the data.
func executeNodes(b *strings.Builder, nodes []node, dot reflect.Value) error {
	for _, n := range nodes {
		if n.action == "" {
			b.WriteString(n.text)
			continue
		}
		if n.action == "print" {
			if err := printArgs(b, n.args, dot); err != nil {
				return err
			}
			continue
		}
		v, err := field(dot, n.path)
		if err != nil {
			return err
		}
		switch n.action {
		case "if", "with":
			if !truth(v) {
				continue
			}
			inner := dot
			if n.action == "with" {
				inner = v
			}
			if err := executeNodes(b, n.body, inner); err != nil {
				return err
			}
		case "range":
			v = indirect(v)
			if v.Kind() != reflect.Slice {
				return fmt.Errorf("range over .%s, a %s, not a list", strings.Join(n.path, "."), v.Kind())
			}
			for i := range v.Len() {
				if err := executeNodes(b, n.body, v.Index(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// printArgs prints the operands of a [[print ...]] as fmt.Sprint does.
func printArgs(b *strings.Builder, args []node, dot reflect.Value) error {
	ops := make([]any, 0, len(args))
	for _, a := range args {
		if a.action == "" {
			ops = append(ops, a.text)
			continue
		}
		v, err := field(dot, a.path)
		if err != nil {
			return err
		}
		ops = append(ops, printable(v))
	}
	fmt.Fprint(b, ops...)
	return nil
}

// field follows path from v through struct fields (and the pointers to them).
func field(v reflect.Value, path []string) (reflect.Value, error) {
	for i, name := range path {
		s := indirect(v)
		if s.Kind() != reflect.Struct {
			return reflect.Value{}, fmt.Errorf("can't evaluate field %s of .%s: it is a %s", name, strings.Join(path[:i], "."), s.Kind())
		}
		f := s.FieldByName(name)
		if !f.IsValid() {
			return reflect.Value{}, fmt.Errorf("can't evaluate field %s in type %s", name, s.Type())
		}
		v = f
	}
	return v, nil
}

func indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v
		}
		v = v.Elem()
	}
	return v
}

// truth is text/template's: false, 0, "", nil and empty lists are false,
// a struct is true.
func truth(v reflect.Value) bool {
	if !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.Struct:
		return true
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil()
	}
	return !v.IsZero() && (v.Kind() != reflect.Slice && v.Kind() != reflect.Map || v.Len() > 0)
}

func printable(v reflect.Value) any {
	if v = indirect(v); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return "<nil>"
	}
	return v.Interface()
}
