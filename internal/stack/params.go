package stack

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// ParamFile is a parameter file read in any of the accepted forms.
type ParamFile struct {
	Path   string
	Form   string // "aws-cli", "codepipeline" or "map"
	Values map[string]string
	Tags   map[string]string // only the CodePipeline form carries tags
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

// ParseParamFile detects the form of a parameter file and reads its values.
// Lists in the map forms become comma-joined values (CommaDelimitedList);
// commas inside values are kept intact.
func ParseParamFile(path string, data []byte) (*ParamFile, error) {
	problem := func(key, format string, args ...any) error {
		return &config.Problem{File: path, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, problem("", "parameter file is empty; %s", ParamFileForms)
	}
	decoded, err := cfn.Decode(data)
	if err != nil {
		return nil, problem("", "not valid JSON or YAML (%v); %s", err, ParamFileForms)
	}
	tree := decoded.Value
	pf := &ParamFile{Path: path, Values: map[string]string{}}
	switch v := tree.(type) {
	case []any:
		pf.Form = "aws-cli"
		return pf, pf.readCLI(v, problem)
	case map[string]any:
		if ps, ok := v["Parameters"].(map[string]any); ok {
			pf.Form = "codepipeline"
			for k := range v {
				if k != "Parameters" && k != "Tags" && k != "StackPolicy" {
					return nil, problem(k, "unknown key in a CodePipeline template configuration; only Parameters, Tags and StackPolicy are allowed")
				}
			}
			if err := pf.readMap(ps, "Parameters.", problem); err != nil {
				return nil, err
			}
			tags, _ := v["Tags"].(map[string]any)
			pf.Tags = map[string]string{}
			for k, t := range tags {
				pf.Tags[k] = cfn.ScalarString(t)
			}
			return pf, nil
		}
		pf.Form = "map"
		return pf, pf.readMap(v, "", problem)
	}
	return nil, problem("", "parameter file is in none of the accepted forms; %s", ParamFileForms)
}

type problemFunc func(key, format string, args ...any) error

func (pf *ParamFile) readCLI(items []any, problem problemFunc) error {
	for i, it := range items {
		m, ok := it.(map[string]any)
		key := fmt.Sprintf("[%d]", i)
		if !ok {
			return problem(key, "entry is not an object; each entry is {\"ParameterKey\":\"K\",\"ParameterValue\":\"V\"}")
		}
		k := cfn.ScalarString(m["ParameterKey"])
		if k == "" {
			return problem(key, "entry has no ParameterKey; each entry is {\"ParameterKey\":\"K\",\"ParameterValue\":\"V\"}")
		}
		for f := range m {
			switch f {
			case "ParameterKey", "ParameterValue":
			case "UsePreviousValue", "ResolvedValue":
				return problem(key+"."+f, "%s is not supported for %q: the file must hold the value itself so every deploy is reproducible", f, k)
			default:
				return problem(key+"."+f, "unknown field in entry for %q; use ParameterKey and ParameterValue", k)
			}
		}
		if _, dup := pf.Values[k]; dup {
			return problem(key, "parameter %q appears twice; keep one entry", k)
		}
		pf.Values[k] = valueString(m["ParameterValue"])
	}
	return nil
}

func (pf *ParamFile) readMap(m map[string]any, prefix string, problem problemFunc) error {
	for k, v := range m {
		if _, nested := v.(map[string]any); nested {
			return problem(prefix+k, "value is a mapping; a parameter value is a string, number or list")
		}
		pf.Values[k] = valueString(v)
	}
	return nil
}

func valueString(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = cfn.ScalarString(x)
		}
		return strings.Join(parts, ",")
	}
	return cfn.ScalarString(v)
}

// ParseOverride splits one Key=Value override at the first "="; the value is
// kept whole, commas and further "=" included.
func ParseOverride(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return "", "", fmt.Errorf("%q is not Key=Value; write e.g. --param DesiredCount=2", s)
	}
	return key, value, nil
}

var (
	digestRef = regexp.MustCompile(`^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::\d+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*@sha256:[a-f0-9]{64}$`)
	tagRef    = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// CheckImageRef accepts an image reference with a tag (repo:tag) or a digest
// (repo@sha256:<64 hex>), the two forms `mlops build` prints.
func CheckImageRef(ref string) error {
	if digestRef.MatchString(ref) || tagRef.MatchString(ref) {
		return nil
	}
	return fmt.Errorf("%q is not an image reference; give repo:tag or repo@sha256:<64 hex digits>, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/endpoint@sha256:...", ref)
}
