// Package workflowpolicy checks the suite's GitHub workflows and actions
// against its security rules: least-privilege permissions per job, actions
// pinned to full commit SHAs, untrusted event text kept out of scripts, no
// pull_request_target, and deploys that queue instead of cancelling. It also
// checks the wiring between workflows, local actions and the mlops binary
// (CheckWiring) and simulates runs of the suite's workflows for real events
// to check the chain each trigger relies on (Simulate, Check*Chain).
package workflowpolicy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// workflow is the part of a workflow file the rules read.
type workflow struct {
	On          any             `yaml:"on"`
	Permissions any             `yaml:"permissions"`
	Concurrency any             `yaml:"concurrency"`
	Jobs        map[string]*job `yaml:"jobs"`
}

type job struct {
	Permissions any     `yaml:"permissions"`
	Concurrency any     `yaml:"concurrency"`
	Uses        string  `yaml:"uses"`
	Steps       []*step `yaml:"steps"`
}

type step struct {
	Name string         `yaml:"name"`
	ID   string         `yaml:"id"`
	If   string         `yaml:"if"`
	Uses string         `yaml:"uses"`
	Run  string         `yaml:"run"`
	With map[string]any `yaml:"with"`
	Env  map[string]any `yaml:"env"`
}

// actionFile is the part of an action.yml the rules read.
type actionFile struct {
	Inputs  map[string]actionInput  `yaml:"inputs"`
	Outputs map[string]actionOutput `yaml:"outputs"`
	Runs    struct {
		Using string  `yaml:"using"`
		Steps []*step `yaml:"steps"`
	} `yaml:"runs"`
}

// actionInput is one declared input of an action. Default is nil when the
// key is absent: only then does required: true oblige a caller to give it.
type actionInput struct {
	Required bool    `yaml:"required"`
	Default  *string `yaml:"default"`
}

// actionOutput is one declared output of a composite action.
type actionOutput struct {
	Value string `yaml:"value"`
}

func (s *step) label(i int) string {
	switch {
	case s.Name != "":
		return fmt.Sprintf("step %q", s.Name)
	case s.ID != "":
		return fmt.Sprintf("step %q", s.ID)
	case s.Uses != "":
		return fmt.Sprintf("step %d (%s)", i+1, s.Uses)
	}
	return fmt.Sprintf("step %d", i+1)
}

// localActions maps the suite's composite actions to the mlops command they run.
var localActions = map[string]string{
	"route-event":   "event",
	"build-image":   "build",
	"deploy-stack":  "deploy",
	"plan-stack":    "plan",
	"test-endpoint": "test",
	"preview":       "preview",
	"sync-weights":  "sync-weights",
	"pr-comment":    "comment",
}

// mlopsRunRe finds an mlops command in a script: `mlops deploy`,
// `"$MLOPS" deploy`, `"${MLOPS_BIN}" preview up`.
var mlopsRunRe = regexp.MustCompile(`(?:\bmlops|"?\$\{?MLOPS\w*\}?"?)\s+([a-z][a-z-]*)`)

// commands returns the mlops commands a job's steps run ("aws" for a step
// that assumes a role by other means).
func (j *job) commands() map[string]bool {
	cs := map[string]bool{}
	for _, s := range j.Steps {
		switch {
		// The root action, from the checkout or, in a repository that keeps
		// the suite apart, pinned by commit.
		case s.Uses == "./" || s.Uses == "." || strings.HasPrefix(s.Uses, "ecs-mlops/ecs-mlops@"):
			if f := strings.Fields(fmt.Sprint(s.With["command"])); len(f) > 0 {
				cs[f[0]] = true
			}
		case strings.HasPrefix(s.Uses, "./actions/"):
			name := strings.TrimSuffix(strings.TrimPrefix(s.Uses, "./actions/"), "/")
			if c, ok := localActions[name]; ok {
				cs[c] = true
			} else {
				cs["unknown:"+name] = true
			}
		case strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@"):
			cs["aws"] = true
		}
		for _, m := range mlopsRunRe.FindAllStringSubmatch(s.Run, -1) {
			cs[m[1]] = true
		}
	}
	return cs
}

func parseWorkflow(data []byte) (*workflow, error) {
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

func parseAction(data []byte) (*actionFile, error) {
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func sortedJobs(m map[string]*job) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
