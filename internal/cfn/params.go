package cfn

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// ParamFile is a parameter file read in any of the accepted forms. Every
// command that reads one (deploy, plan, check, preview, exports) reads it
// here, so a file one accepts is accepted by all.
type ParamFile struct {
	Path   string
	Form   string // "aws-cli", "codepipeline" or "map"
	Values map[string]string
	Tags   map[string]string // only the CodePipeline form carries tags
	lines  map[string]int    // parameter name → line of its key
}

// ParamFileForms explains the accepted forms; error messages end with it.
const ParamFileForms = `use one of: the AWS CLI list [{"ParameterKey":"K","ParameterValue":"V"}], ` +
	`the CodePipeline form {"Parameters":{"K":"V"},"Tags":{}}, or a plain map {"K":"V"} (JSON or YAML)`

// ReadParamFile reads the parameter file at path.
func ReadParamFile(path string) (*ParamFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &config.Problem{File: path, Msg: "parameter file not found; fix the environment's parameters key in the config or create the file"}
		}
		return nil, fmt.Errorf("read parameter file %s: %w", path, err)
	}
	return ParseParamFile(path, data)
}

// Line returns the line of parameter name's key in the file, 0 when unknown.
func (pf *ParamFile) Line(name string) int { return pf.lines[name] }

// paramReader reads one file; problems name the file and the line of key.
type paramReader struct {
	pf   *ParamFile
	tree *Tree
}

func (r *paramReader) problem(key, format string, args ...any) error {
	line := 0
	if r.tree != nil {
		line = r.tree.Line(key)
	}
	return &config.Problem{File: r.pf.Path, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// ParseParamFile detects the form of a parameter file and reads its values.
// Lists in the map forms become comma-joined values (CommaDelimitedList);
// commas inside values are kept intact.
func ParseParamFile(path string, data []byte) (*ParamFile, error) {
	r := &paramReader{pf: &ParamFile{Path: path, Values: map[string]string{}, lines: map[string]int{}}}
	if strings.TrimSpace(string(data)) == "" {
		return nil, r.problem("", "parameter file is empty; %s", ParamFileForms)
	}
	tree, err := Decode(data)
	if err != nil {
		return nil, r.problem("", "not valid JSON or YAML (%v); %s", err, ParamFileForms)
	}
	r.tree = tree
	switch v := tree.Value.(type) {
	case []any:
		r.pf.Form = "aws-cli"
		return r.pf, r.readCLI(v)
	case map[string]any:
		if ps, ok := v["Parameters"].(map[string]any); ok {
			return r.pf, r.readCodePipeline(v, ps)
		}
		r.pf.Form = "map"
		return r.pf, r.readMap(v, "")
	}
	return nil, r.problem("", "parameter file is in none of the accepted forms; %s", ParamFileForms)
}

func (r *paramReader) readCodePipeline(v, ps map[string]any) error {
	r.pf.Form = "codepipeline"
	for k := range v {
		if k != "Parameters" && k != "Tags" && k != "StackPolicy" {
			return r.problem(k, "unknown key in a CodePipeline template configuration; only Parameters, Tags and StackPolicy are allowed")
		}
	}
	if err := r.readMap(ps, "Parameters"); err != nil {
		return err
	}
	tags, _ := v["Tags"].(map[string]any)
	r.pf.Tags = map[string]string{}
	for k, t := range tags {
		r.pf.Tags[k] = ScalarString(t)
	}
	return nil
}

func (r *paramReader) readCLI(items []any) error {
	for i, it := range items {
		m, ok := it.(map[string]any)
		key := Index("", i)
		if !ok {
			return r.problem(key, "entry is not an object; each entry is {\"ParameterKey\":\"K\",\"ParameterValue\":\"V\"}")
		}
		k := ScalarString(m["ParameterKey"])
		if k == "" {
			return r.problem(key, "entry has no ParameterKey; each entry is {\"ParameterKey\":\"K\",\"ParameterValue\":\"V\"}")
		}
		for f := range m {
			switch f {
			case "ParameterKey", "ParameterValue":
			case "UsePreviousValue", "ResolvedValue":
				return r.problem(Key(key, f), "%s is not supported for %q: the file must hold the value itself so every deploy is reproducible", f, k)
			default:
				return r.problem(Key(key, f), "unknown field in entry for %q; use ParameterKey and ParameterValue", k)
			}
		}
		if _, dup := r.pf.Values[k]; dup {
			return r.problem(key, "parameter %q appears twice; keep one entry", k)
		}
		r.pf.Values[k] = valueString(m["ParameterValue"])
		r.pf.lines[k] = r.tree.Line(Key(key, "ParameterKey"))
	}
	return nil
}

func (r *paramReader) readMap(m map[string]any, prefix string) error {
	for k, v := range m {
		if _, nested := v.(map[string]any); nested {
			return r.problem(Key(prefix, k), "value is a mapping; a parameter value is a string, number or list")
		}
		r.pf.Values[k] = valueString(v)
		r.pf.lines[k] = r.tree.Line(Key(prefix, k))
	}
	return nil
}

func valueString(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = ScalarString(x)
		}
		return strings.Join(parts, ",")
	}
	return ScalarString(v)
}
