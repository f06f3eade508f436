package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
)

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &fault.Problem{File: path, Msg: "config file not found; create it (see README \"Configuration\") or pass --config"}
		}
		return nil, &fault.Problem{File: path, Msg: fmt.Sprintf("cannot read the config file: %v", err)}
	}
	return Parse(path, data)
}

// Parse decodes and validates config data; path is used in messages only.
// Every problem is reported at once, in file order, joined with
// errors.Join; each is a *fault.Problem.
func Parse(path string, data []byte) (*Config, error) {
	body, err := parseTree(path, data)
	if err != nil {
		return nil, err
	}
	s := &schema{}
	s.check(body, reflect.TypeFor[Config](), "")
	if len(s.ps) > 0 {
		return nil, problems(path, s.ps)
	}
	var c Config
	if err := yaml.NodeToValue(body, &c, yaml.DisallowUnknownField()); err != nil {
		return nil, decodeProblem(path, err)
	}
	c.Path = path
	for name, e := range c.Environments {
		if e == nil {
			e = &Environment{}
			c.Environments[name] = e
		}
		e.Name = name
	}
	if ps := c.validate(); len(ps) > 0 {
		for _, p := range ps {
			p.Line = lineOf(body, p.Key)
		}
		return nil, problems(path, ps)
	}
	return &c, nil
}

// parseTree parses data into the body of its single YAML document.
func parseTree(path string, data []byte) (ast.Node, error) {
	empty := &fault.Problem{File: path, Msg: "file is empty; it needs at least region and environments (see README \"Configuration\")"}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, empty
	}
	// Repeated keys are allowed here so that the schema check can report
	// every one of them with its path, not only the first.
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, decodeProblem(path, err)
	}
	var docs []ast.Node
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d.Body)
		}
	}
	switch len(docs) {
	case 0:
		return nil, empty
	case 1:
		return docs[0], nil
	}
	return nil, &fault.Problem{File: path, Line: line(docs[1]), Msg: fmt.Sprintf("holds %d YAML documents; keep one (remove the --- separators)", len(docs))}
}

// problems sorts ps into file order, fills in the file and joins them.
func problems(path string, ps []*fault.Problem) error {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Key < ps[j].Key
	})
	errs := make([]error, len(ps))
	for i, p := range ps {
		p.File = path
		errs[i] = p
	}
	return errors.Join(errs...)
}

// decodeProblem turns a go-yaml error into a fault.Problem with a line number.
func decodeProblem(path string, err error) error {
	var perr yaml.Error
	if !errors.As(err, &perr) {
		return &fault.Problem{File: path, Msg: err.Error()}
	}
	p := &fault.Problem{File: path, Msg: "not valid YAML: " + perr.GetMessage()}
	if tok := perr.GetToken(); tok != nil && tok.Position != nil {
		p.Line = tok.Position.Line
	}
	return p
}

// Line returns the line of key path (such as environments.ep-b.url_output)
// in the file the config was read from, or of its nearest parent that is
// there; 0 when unknown. It reads the file again: Config keeps no syntax.
func (c *Config) Line(key string) int {
	data, err := os.ReadFile(c.Path)
	if err != nil {
		return 0
	}
	body, err := parseTree(c.Path, data)
	if err != nil {
		return 0
	}
	return lineOf(body, key)
}

// lineOf returns the line of the node at key path (or of its nearest
// parent that exists), or 0.
func lineOf(body ast.Node, key string) int {
	for k := key; k != ""; k = parentKey(k) {
		if n := lookup(body, strings.Split(k, ".")); n != nil {
			return line(n)
		}
	}
	return 0
}

// lookup walks mappings by key names; it returns the key node of the last
// name, which is where an editor should put the cursor.
func lookup(n ast.Node, path []string) ast.Node {
	values, ok := mappingValues(unwrap(n))
	if !ok {
		return nil
	}
	for _, mv := range values {
		if keyName(mv.Key) != path[0] {
			continue
		}
		if len(path) == 1 {
			return mv.Key
		}
		return lookup(mv.Value, path[1:])
	}
	return nil
}

func parentKey(k string) string {
	i := strings.LastIndex(k, ".")
	if i < 0 {
		return ""
	}
	return k[:i]
}
