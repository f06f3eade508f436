package initrepo

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"text/template"

	"github.com/google/go-cmp/cmp"
)

// TestTemplatesRenderAsTextTemplateDoes holds the small template language
// to text/template's output on every template init writes, with data that
// takes each branch both ways (text/template is used here, in a test, as
// the reference; the binary does not link it).
func TestTemplatesRenderAsTextTemplateDoes(t *testing.T) {
	t.Parallel()
	full := &data{Suite: "ecs-mlops/ecs-mlops@abc", SuiteSHA: "abc", Branch: "master", Region: "eu-west-1",
		Image: imageConfig{Repository: "ep", Context: ".", Dockerfile: "Dockerfile"}, SyncImage: true,
		Weights: &weightsConfig{Source: "s3://b/m", Target: "/mnt/efs/models", Environment: "ep-a"}}
	a := &environment{Name: "ep-a", Stack: "ep-a-stack", Template: "t.yaml", Parameters: "p.json", ImageParameter: "APITag", URLOutput: "URL", Protected: true}
	b := &environment{Name: "ep-b", Template: "b.yaml", Preview: &previewEnv{Stack: "ep-b-pr-{pr}", Host: "pr-{pr}.x", PriorityParameter: "P", HostParameter: "H", ListenerOutput: "L"}}
	full.Envs, full.Deploy, full.Preview = []*environment{a, b}, a, b
	bare := &data{Suite: "s@1", Branch: "main", Envs: []*environment{{Name: "ep-a", Template: "t.yaml"}}}
	bare.Deploy = bare.Envs[0]
	names, err := fs.Glob(workflowFS, "workflows/*.tmpl")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, path := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(path, "workflows/"), ".tmpl")
		ref, err := template.New(name+".tmpl").Delims("[[", "]]").ParseFS(workflowFS, path)
		if err != nil {
			t.Fatal(err)
		}
		for label, d := range map[string]any{"full": full, "bare": bare, "health": "/ping"} {
			var want bytes.Buffer
			if ref.Execute(&want, d) != nil {
				continue // a template for other data (health.yaml takes a string)
			}
			got, err := execute(name, d)
			if err != nil {
				t.Errorf("%s with %s data: %v", name, label, err)
				continue
			}
			if diff := cmp.Diff(want.String(), string(got)); diff != "" {
				t.Errorf("%s with %s data (-text/template +ours):\n%s", name, label, diff)
			}
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"[[if .A]]x":          "[[if]] has no [[end]]",
		"x[[end]]":            "[[end]] with no block to end",
		"[[.A":                "unclosed [[",
		"[[call .A]]":         "is not a field, print, if, with, range or end",
		"[[if A]]x[[end]]":    "must name a field",
		`[[print "a" B]]`:     "is neither a quoted string nor a field",
		`[[print "a]]`:        "t: [[print \"a]]",
		"[[range .A]][[end]]": "",
	} {
		_, err := parseTemplate("t", src)
		if want == "" {
			if err != nil {
				t.Errorf("parse %q: %v", src, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse %q: error %v, want one containing %q", src, err, want)
		}
	}
}
