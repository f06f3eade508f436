package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/fault"
	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

func TestValidConfigRoundTrips(t *testing.T) {
	t.Parallel()
	c, err := Load(filepath.Join("testdata", "valid.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.EnvNames(); !cmp.Equal(got, []string{"ep-a", "ep-b"}) {
		t.Errorf("EnvNames() = %v", got)
	}
	b := c.Environments["ep-b"]
	if b.StackFor(42) != "ep-b-pr-42" || b.HostFor(42) != "pr-42.preview.example.com" || b.RoleFor() != PurposePreview {
		t.Errorf("preview ep-b: stack %q host %q role %q", b.StackFor(42), b.HostFor(42), b.RoleFor())
	}
	a := c.Environments["ep-a"]
	if a.StackFor(42) != "ecs-mlops-ep-a" || a.HostFor(42) != "" || a.RoleFor() != PurposeDeploy || !a.Protected {
		t.Errorf("ep-a: %+v", a)
	}
	if c.PreviewEnv() != b || c.Roles.For(PurposeWeights) != "arn:aws:iam::123456789012:role/ecs-mlops-weights" {
		t.Errorf("PreviewEnv() = %v, weights role %q", c.PreviewEnv(), c.Roles.For(PurposeWeights))
	}

	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("round-trip.yml", out)
	if err != nil {
		t.Fatalf("marshalled config does not parse: %v\n%s", err, out)
	}
	back.Path = c.Path
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// The repository's own config must always be valid: the workflows read it.
func TestRepositoryConfig(t *testing.T) {
	t.Parallel()
	if _, err := Load(filepath.Join("..", "..", DefaultPath)); err != nil {
		t.Fatal(err)
	}
}

// TestProblems runs every file in testdata/invalid and compares the full
// message list with testdata/invalid/<name>.golden: what a user sees.
func TestProblems(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d invalid configs, want every mistake class", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			c, err := Load(f)
			if err == nil {
				t.Fatalf("Load accepted %s: %+v", f, c)
			}
			for _, e := range flatten(err) {
				var p *fault.Problem
				if !errors.As(e, &p) || p.File != f {
					t.Errorf("problem %q is not a fault.Problem naming %s", e, f)
				}
			}
			golden.Check(t, filepath.Join("invalid", strings.TrimSuffix(filepath.Base(f), ".yml")+".golden"), err.Error()+"\n")
		})
	}
}

// TestProblemLocations pins the documented message of each mistake class:
// file, line, key path and the fix.
func TestProblemLocations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want fault.Problem
	}{
		{"unknown_key.yml", fault.Problem{Line: 7, Key: "environments.ep-a.templte", Msg: `unknown key "templte"; did you mean "template"? Keys here: image_parameter, parameters, preview, protected, role, stack, template, tests, url_output`}},
		{"missing_field.yml", fault.Problem{Line: 10, Key: "environments.ep-b.preview.label", Msg: "must not be empty; set it, e.g. label: deploy-preview"}},
		{"bad_pattern.yml", fault.Problem{Line: 14, Key: "environments.ep-b.preview.stack", Msg: `"ep-b-preview" must contain {pr} so each pull request gets its own stack, e.g. ep-b-pr-{pr}`}},
		{"bad_s3_uri.yml", fault.Problem{Line: 7, Key: "weights.source", Msg: `"https://weights.s3.amazonaws.com/endpoint" is not an S3 URI; write s3://bucket/prefix`}},
		{"stack_under_preview_prefix.yml", fault.Problem{Line: 4, Key: "environments.ep-a.stack", Msg: `"ep-b-pr-main" starts with "ep-b-pr-", the prefix of environments.ep-b.preview.stack, so the preview role could change this stack; rename one of them so neither name starts with the other`}},
		{"preview_under_stack_roles.yml", fault.Problem{Line: 11, Key: "environments.ep-b.preview.stack", Msg: `"models-pr-{pr}" starts with "models-", so the roles of preview stacks would be named like this environment's own (models-*) and the deploy role could change them; rename one of them, e.g. ep-b-pr-{pr}`}},
		{"duplicate_environment.yml", fault.Problem{Line: 6, Key: "environments.ep-a", Msg: `"ep-a" is defined twice (first on line 3); each key may appear once, so merge or rename one`}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "invalid", tc.file)
			_, err := Load(path)
			tc.want.File = path
			for _, e := range flatten(err) {
				var p *fault.Problem
				if errors.As(e, &p) && p.Key == tc.want.Key {
					if diff := cmp.Diff(tc.want, *p); diff != "" {
						t.Errorf("problem (-want +got):\n%s", diff)
					}
					return
				}
			}
			t.Errorf("no problem for %s in %v", tc.want.Key, err)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "mlops.yml")
	_, err := Load(path)
	want := path + `: config file not found; create it (see README "Configuration") or pass --config`
	if err == nil || err.Error() != want {
		t.Errorf("Load(missing) = %v, want %q", err, want)
	}
	_, err = Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "cannot read the config file") {
		t.Errorf("Load(directory) = %v, want a read error", err)
	}
}

func TestParseS3URI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri, bucket, prefix, err string
	}{
		{"s3://weights/endpoint/", "weights", "endpoint", ""},
		{"s3://weights", "weights", "", ""},
		{"s3://my.weights-1/a/b", "my.weights-1", "a/b", ""},
		{"s3:/weights/x", "", "", `"s3:/weights/x" is not an S3 URI; write s3://bucket/prefix`},
		{"s3://We/x", "", "", `"s3://We/x" has no valid bucket name; write s3://bucket/prefix`},
		{"s3://a..b/x", "", "", `"s3://a..b/x" has no valid bucket name; write s3://bucket/prefix`},
	}
	for _, tc := range tests {
		b, p, err := ParseS3URI(tc.uri)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if b != tc.bucket || p != tc.prefix || got != tc.err {
			t.Errorf("ParseS3URI(%q) = %q, %q, %q; want %q, %q, %q", tc.uri, b, p, got, tc.bucket, tc.prefix, tc.err)
		}
	}
}

func TestEnvLookup(t *testing.T) {
	t.Parallel()
	c, err := Load(filepath.Join("testdata", "valid.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Env("ep-c"); err == nil || err.Error() != `testdata/valid.yml: unknown environment "ep-c"; known environments: ep-a, ep-b` {
		t.Errorf("Env(ep-c) = %v", err)
	}
	if e, err := c.Env("ep-a"); err != nil || e.Name != "ep-a" {
		t.Errorf("Env(ep-a) = %v, %v", e, err)
	}
}

func TestPreviewRepo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		img  Image
		want string
	}{
		{Image{Repository: "ecs-mlops/endpoint"}, "ecs-mlops/endpoint-preview"},
		{Image{Repository: "ecs-mlops/endpoint", PreviewRepository: "previews/endpoint"}, "previews/endpoint"},
		{Image{}, ""},
	} {
		if got := tc.img.PreviewRepo(); got != tc.want {
			t.Errorf("%+v.PreviewRepo() = %q, want %q", tc.img, got, tc.want)
		}
	}
}
