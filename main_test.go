package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// actionMeta is the part of action metadata these checks read; unknown keys
// are refused, so a misspelt key fails here instead of on a runner.
// https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
type actionMeta struct {
	Name        string                `yaml:"name"`
	Description string                `yaml:"description"`
	Author      string                `yaml:"author"`
	Branding    map[string]string     `yaml:"branding"`
	Inputs      map[string]metaInput  `yaml:"inputs"`
	Outputs     map[string]metaOutput `yaml:"outputs"`
	Runs        struct {
		Using string     `yaml:"using"`
		Steps []metaStep `yaml:"steps"`
	} `yaml:"runs"`
}

type metaInput struct {
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
}

type metaOutput struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

type metaStep struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

var (
	pinned   = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	stepRef  = regexp.MustCompile(`steps\.([\w-]+)\.outputs`)
	inputRef = regexp.MustCompile(`inputs\.([\w-]+)`)
)

// TestActionMetadata checks every action.yml in the repository: it parses
// with no unknown keys, is a composite action whose run steps name a shell,
// keeps expressions out of run scripts (inputs reach scripts through env:),
// pins remote actions to a full commit SHA with the version in a comment,
// uses every input it declares, and takes outputs from steps that exist.
// Workflows using these actions are checked by actionlint in .ci/run.
func TestActionMetadata(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("actions/*/action.yml")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"action.yml"}, files...)
	if len(files) < 2 {
		t.Fatalf("found %v, want the root action and actions/route-event at least", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m actionMeta
			if err := yaml.UnmarshalWithOptions(data, &m, yaml.DisallowUnknownField()); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			checkMeta(t, f, data, &m)
		})
	}
}

func checkMeta(t *testing.T, file string, data []byte, m *actionMeta) {
	t.Helper()
	if m.Name == "" || m.Description == "" {
		t.Errorf("%s: name and description are required", file)
	}
	if m.Runs.Using != "composite" {
		t.Errorf("%s: runs.using = %q, want composite", file, m.Runs.Using)
	}
	ids := map[string]bool{}
	var used bytes.Buffer
	for i, s := range m.Runs.Steps {
		where := file + ": step " + s.Name
		if s.ID != "" {
			ids[s.ID] = true
		}
		if (s.Run == "") == (s.Uses == "") {
			t.Errorf("%s (#%d): needs exactly one of run and uses", where, i+1)
		}
		if s.Run != "" {
			checkRun(t, where, s)
		}
		if s.Uses != "" && !strings.HasPrefix(s.Uses, "./") {
			checkPin(t, where, s.Uses, data)
		}
		for _, v := range s.Env {
			used.WriteString(v + "\n")
		}
		for _, v := range s.With {
			used.WriteString(v + "\n")
		}
		used.WriteString(s.Name + "\n" + s.If + "\n" + s.WorkingDirectory + "\n")
	}
	for name := range m.Inputs {
		if !slices.ContainsFunc(inputRef.FindAllStringSubmatch(used.String(), -1), func(g []string) bool { return g[1] == name }) {
			t.Errorf("%s: input %q is declared but never passed to a step", file, name)
		}
	}
	for name, o := range m.Outputs {
		for _, g := range stepRef.FindAllStringSubmatch(o.Value, -1) {
			if !ids[g[1]] {
				t.Errorf("%s: output %q reads step %q, which does not exist", file, name, g[1])
			}
		}
	}
}

func checkRun(t *testing.T, where string, s metaStep) {
	t.Helper()
	if s.Shell == "" {
		t.Errorf("%s: a run step in a composite action must name its shell", where)
	}
	if strings.Contains(s.Run, "${{") {
		t.Errorf("%s: run script interpolates an expression; pass it through env: instead", where)
	}
	if s.Shell != "bash" {
		return
	}
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(s.Run)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: bash -n: %v\n%s", where, err, out)
	}
}

func checkPin(t *testing.T, where, uses string, data []byte) {
	t.Helper()
	if !pinned.MatchString(uses) {
		t.Errorf("%s: %q is not pinned to a full commit SHA", where, uses)
		return
	}
	line := regexp.MustCompile(`uses: ` + regexp.QuoteMeta(uses) + ` # v\d+(\.\d+)*\n`)
	if !line.Match(data) {
		t.Errorf("%s: %q needs its version in a trailing comment (# vX.Y.Z)", where, uses)
	}
}

// TestRootActionForwardsEveryOutput: a repository that uses the suite from
// another repository reaches it through the root action (the actions under
// actions/ need the suite at the workspace root), so every step output the
// binary writes under a fixed name, and every output an action under
// actions/ forwards from the binary, must be an output of the root action,
// read from its run step.
func TestRootActionForwardsEveryOutput(t *testing.T) {
	t.Parallel()
	root := readAction(t, "action.yml")
	want := map[string]string{} // output name -> where it comes from
	sources, err := filepath.Glob("internal/cli/*.go")
	if err != nil {
		t.Fatal(err)
	}
	setOutput := regexp.MustCompile(`\.SetOutput\("([\w-]+)"`)
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range setOutput.FindAllStringSubmatch(string(data), -1) {
			want[g[1]] = f
		}
	}
	if len(want) < 20 {
		t.Fatalf("found only %d output names the binary sets: %v", len(want), want)
	}
	actions, err := filepath.Glob("actions/*/action.yml")
	if err != nil {
		t.Fatal(err)
	}
	binaryOutput := regexp.MustCompile(`^\$\{\{ steps\.[\w-]+\.outputs\.([\w-]+) \}\}$`)
	for _, f := range actions {
		for name, o := range readAction(t, f).Outputs {
			if g := binaryOutput.FindStringSubmatch(o.Value); g != nil {
				want[g[1]] = f + " (output " + name + ")"
			}
		}
	}
	for name, from := range want {
		o, ok := root.Outputs[name]
		if !ok {
			t.Errorf("action.yml: no output %q, which %s sets", name, from)
			continue
		}
		if w := "${{ steps.run.outputs." + name + " }}"; o.Value != w {
			t.Errorf("action.yml: output %q = %q, want %q", name, o.Value, w)
		}
	}
}
