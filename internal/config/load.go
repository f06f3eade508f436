package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Problem is one thing wrong in a config file, located by key path and,
// where the parser knows it, by line.
type Problem struct {
	File string
	Line int    // 0 when unknown
	Key  string // key path such as environments.ep-b.preview.label
	Msg  string // what is wrong and how to fix it
}

func (p *Problem) Error() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Key == "" {
		return fmt.Sprintf("%s: %s", where, p.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", where, p.Key, p.Msg)
}

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: config file not found; create it (see README \"Configuration\") or pass --config", path)
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates config data; path is used in messages only.
// All problems are reported at once, joined.
func Parse(path string, data []byte) (*Config, error) {
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Problem{File: path, Msg: "file is empty; it needs at least region and environments"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&c); err != nil {
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
	file, _ := parser.ParseBytes(data, 0)
	if errs := c.validate(); len(errs) > 0 {
		for _, p := range errs {
			p.File = path
			p.Line = lineOf(file, p.Key)
		}
		return nil, joinProblems(errs)
	}
	return &c, nil
}

func joinProblems(ps []*Problem) error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// decodeProblem turns a go-yaml error into a Problem with a line number and a
// message in the suite's words.
func decodeProblem(path string, err error) error {
	var perr yaml.Error
	if !errors.As(err, &perr) {
		return &Problem{File: path, Msg: err.Error()}
	}
	p := &Problem{File: path, Msg: perr.GetMessage()}
	if tok := perr.GetToken(); tok != nil && tok.Position != nil {
		p.Line = tok.Position.Line
	}
	msg := perr.GetMessage()
	switch {
	case strings.Contains(msg, "unknown field"):
		field := strings.Trim(strings.TrimPrefix(msg, "unknown field"), " \"")
		p.Msg = fmt.Sprintf("unknown key %q; check its spelling (keys are snake_case, see README \"Configuration\")", field)
	case strings.Contains(msg, "already defined"):
		p.Msg = msg + "; each key, environment included, may appear only once"
	}
	return p
}

// lineOf returns the line of the node at key path, or 0.
func lineOf(file *ast.File, key string) int {
	if file == nil || key == "" {
		return 0
	}
	for k := key; k != ""; k = parentKey(k) {
		p, err := yaml.PathString("$." + quotePath(k))
		if err != nil {
			continue
		}
		n, err := p.FilterFile(file)
		if err == nil && n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
			return n.GetToken().Position.Line
		}
	}
	return 0
}

func parentKey(k string) string {
	i := strings.LastIndex(k, ".")
	if i < 0 {
		return ""
	}
	return k[:i]
}

// quotePath quotes path segments that go-yaml's path syntax cannot take bare
// (environment names contain dashes).
func quotePath(k string) string {
	parts := strings.Split(k, ".")
	for i, s := range parts {
		if strings.ContainsAny(s, "-/ ") {
			parts[i] = "'" + s + "'"
		}
	}
	return strings.Join(parts, ".")
}
