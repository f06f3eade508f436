// Package cfntemplate reads CloudFormation templates and parameter files and
// checks them offline: every resource type and property known to the
// CloudFormation resource specification, required properties present,
// references resolving, parameter files matching, the suite's security
// rules and Retain policies on stateful resources.
package cfntemplate

import (
	"fmt"
	"os"

	"github.com/ecs-mlops/ecs-mlops/internal/cfn"
	"github.com/ecs-mlops/ecs-mlops/internal/config"
)

// Template is a parsed template: the document in long form (short-form
// intrinsics such as !Ref expanded) plus the line of every key path.
type Template struct {
	Path string
	// Doc is the whole template as JSON-shaped values: map[string]any,
	// []any, string, int64, float64, bool or nil.
	Doc  map[string]any
	tree *cfn.Tree
}

// Finding is one thing wrong in a template or parameter file: a
// config.Problem, the type every input check of the suite reports, whose
// Key is the key path (Resources.Service.Properties.Cluster) or the
// parameter name.
type Finding = config.Problem

// Open reads and parses the template at path.
func Open(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses a YAML or JSON template; path is used in messages only.
func Parse(path string, data []byte) (*Template, error) {
	tree, err := cfn.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	doc, ok := tree.Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template %s: the top level must be a mapping with Resources", path)
	}
	return &Template{Path: path, Doc: doc, tree: tree}, nil
}

// Line returns the line of key path p, or of its nearest parent that has one.
func (t *Template) Line(p string) int { return t.tree.Line(p) }

func (t *Template) finding(p, format string, args ...any) *Finding {
	return &Finding{File: t.Path, Line: t.Line(p), Key: p, Msg: fmt.Sprintf(format, args...)}
}

// problem is an error finding whose fix is said apart from the message.
func (t *Template) problem(p, fix, format string, args ...any) *Finding {
	f := t.finding(p, format, args...)
	f.Fix = fix
	return f
}

// warning is a finding that does not stop a deploy.
func (t *Template) warning(p, fix, format string, args ...any) *Finding {
	f := t.problem(p, fix, format, args...)
	f.Warning = true
	return f
}
