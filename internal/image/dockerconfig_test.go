package image_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/image/imagetest"
)

// during is what a build saw of its docker configuration while it ran.
type during struct {
	mode      os.FileMode
	loggedIn  bool // config.json of DOCKER_CONFIG held the registry login
	plugins   string
	configRaw string
}

// privateRig is a builder whose docker falls back to a home directory of
// its own (so a login without DOCKER_CONFIG would land in
// home/.docker/config.json) and whose runner temp directory is known.
type privateRig struct {
	b          *image.Builder
	d          *imagetest.Docker
	home, temp string
	env        map[string]string
	seen       during
}

func newPrivateRig(t *testing.T) *privateRig {
	t.Helper()
	r := &privateRig{home: t.TempDir(), temp: t.TempDir()}
	r.env = map[string]string{"HOME": r.home, "RUNNER_TEMP": r.temp}
	b, _, d, _ := newBuilder(t)
	d.Home = r.home
	b.Getenv = func(k string) string { return r.env[k] }
	d.BeforeBuild = func() { r.seen = r.look(t) }
	r.b, r.d = b, d
	return r
}

// look inspects the DOCKER_CONFIG of the latest docker call.
func (r *privateRig) look(t *testing.T) during {
	t.Helper()
	calls := r.d.Calls()
	dir := envValue(calls[len(calls)-1].Env, "DOCKER_CONFIG")
	var s during
	if fi, err := os.Stat(dir); err == nil {
		s.mode = fi.Mode().Perm()
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	s.configRaw = string(data)
	s.loggedIn = strings.Contains(s.configRaw, awsfake.DefaultRegistry)
	s.plugins, _ = os.Readlink(filepath.Join(dir, "cli-plugins"))
	return s
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if val, ok := strings.CutPrefix(kv, key+"="); ok {
			v = val
		}
	}
	return v
}

// A push runs every docker command with a DOCKER_CONFIG of its own in
// RUNNER_TEMP, mode 0700, which holds the login while the build runs and is
// gone when Build returns — after success, a failed build and a
// cancellation alike — and the user's ~/.docker/config.json is never written.
func TestPushUsesPrivateDockerConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		setup   func(r *privateRig, cancel context.CancelFunc)
		wantErr string
	}{
		{"success", func(*privateRig, context.CancelFunc) {}, ""},
		{"build fails", func(r *privateRig, _ context.CancelFunc) {
			r.d.BuildFails = "ERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2"
		}, "docker buildx exited with status 1"},
		{"cancelled during the build", func(r *privateRig, cancel context.CancelFunc) {
			look := r.d.BeforeBuild
			r.d.BeforeBuild = func() { look(); cancel() }
		}, "docker buildx exited with status -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newPrivateRig(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tc.setup(r, cancel)
			_, err := r.b.Build(ctx, request(true))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Build: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Build error = %v, want %q", err, tc.wantErr)
			}
			calls := r.d.Calls()
			dir := envValue(calls[0].Env, "DOCKER_CONFIG")
			if filepath.Dir(dir) != r.temp {
				t.Fatalf("DOCKER_CONFIG = %q, want a directory in RUNNER_TEMP %s", dir, r.temp)
			}
			var want, got [][]string
			for _, c := range calls {
				want = append(want, []string{"DOCKER_CONFIG=" + dir})
				got = append(got, c.Env)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("environment of each docker command (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"buildx", "login", "buildx", "logout"}, argv1(calls)); diff != "" {
				t.Errorf("docker commands (-want +got):\n%s", diff)
			}
			if r.seen.mode != 0o700 || !r.seen.loggedIn {
				t.Errorf("during the build: DOCKER_CONFIG mode %v, login stored %v; want 0700 and the login in it", r.seen.mode, r.seen.loggedIn)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("DOCKER_CONFIG %s still exists after Build (stat: %v)", dir, err)
			}
			if _, err := os.Stat(filepath.Join(r.home, ".docker")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("~/.docker was written (stat: %v)", err)
			}
			if r.d.LoggedIn(awsfake.DefaultRegistry) {
				t.Error("a registry login is still stored somewhere")
			}
		})
	}
}

func argv1(calls []imagetest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Argv[1])
	}
	return out
}

// A buildx installed in the user's cli-plugins (not in a system directory)
// is still found through a symlink, builders and the docker context stay
// the user's, and none of the user's credentials reach the private
// configuration; the user's config.json is left as it was.
func TestPushKeepsUserPluginsAndBuildersButNoCredentials(t *testing.T) {
	t.Parallel()
	r := newPrivateRig(t)
	user := filepath.Join(r.home, ".docker")
	userConfig := `{"auths":{"ghcr.io":{"auth":"dXNlcjpnaHBfc2VjcmV0"}},"credsStore":"desktop","currentContext":"rootless"}`
	for path, body := range map[string]string{
		"cli-plugins/docker-buildx":          "#!/bin/sh\n",
		"buildx/current":                     `{"Key":"unix:///run/user/1000/docker.sock","Name":"builder-1","Global":false}`,
		"contexts/meta/0123/meta.json":       `{"Name":"rootless"}`,
		"config.json":                        userConfig,
		"buildx/instances/builder-1":         `{"Name":"builder-1","Driver":"docker-container"}`,
		"contexts/tls/0123/docker/ca.pem":    "ca",
		"contexts/tls/0123/docker/key.pem":   "key",
		"contexts/tls/0123/docker/cert.pem":  "cert",
		"contexts/meta/0123/endpoints.json":  "{}",
		"buildx/activity/builder-1":          "2026-12-01T10:00:00Z",
		"buildx/refs/builder-1/builder-1/x":  "{}",
		"buildx/defaults/default-builder-id": "x",
	} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(user, path)), 0o700))
		must(t, os.WriteFile(filepath.Join(user, path), []byte(body), 0o600))
	}
	r.d.BuildxInConfig = true
	if _, err := r.b.Build(context.Background(), request(true)); err != nil {
		t.Fatalf("Build: %v", err)
	}
	calls := r.d.Calls()
	dir := envValue(calls[0].Env, "DOCKER_CONFIG")
	want := []string{"DOCKER_CONFIG=" + dir, "BUILDX_CONFIG=" + filepath.Join(user, "buildx"), "DOCKER_CONTEXT=rootless"}
	if diff := cmp.Diff(want, calls[0].Env); diff != "" {
		t.Errorf("docker environment (-want +got):\n%s", diff)
	}
	if r.seen.plugins != filepath.Join(user, "cli-plugins") {
		t.Errorf("cli-plugins in DOCKER_CONFIG links to %q, want the user's %s", r.seen.plugins, filepath.Join(user, "cli-plugins"))
	}
	for _, secret := range []string{"ghcr.io", "dXNlcjpnaHBfc2VjcmV0", "desktop"} {
		if strings.Contains(r.seen.configRaw, secret) {
			t.Errorf("private config.json carries %q from the user's config:\n%s", secret, r.seen.configRaw)
		}
	}
	got, err := os.ReadFile(filepath.Join(user, "config.json"))
	must(t, err)
	if string(got) != userConfig {
		t.Errorf("user's config.json changed:\n%s", got)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DOCKER_CONFIG %s still exists after Build", dir)
	}
	if _, err := os.Stat(filepath.Join(user, "cli-plugins", "docker-buildx")); err != nil {
		t.Errorf("removing the private configuration removed the user's plugin: %v", err)
	}
}

// What the user's environment already chooses stays chosen: BUILDX_CONFIG
// is inherited as it is, DOCKER_HOST or DOCKER_CONTEXT pick the daemon, and
// a user DOCKER_CONFIG is where plugins are looked up.
func TestPushDockerEnvironment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want func(user string) []string
	}{
		{"no user configuration", map[string]string{"HOME": "", "DOCKER_CONFIG": ""}, func(string) []string { return []string{} }},
		{"DOCKER_HOST set", map[string]string{"DOCKER_HOST": "unix:///run/user/1000/docker.sock"},
			func(u string) []string { return []string{"BUILDX_CONFIG=" + filepath.Join(u, "buildx")} }},
		{"BUILDX_CONFIG set", map[string]string{"BUILDX_CONFIG": "/opt/buildx"},
			func(string) []string { return []string{"DOCKER_CONTEXT=rootless"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newPrivateRig(t)
			user := filepath.Join(t.TempDir(), "docker-config")
			r.env["DOCKER_CONFIG"] = user
			for k, v := range tc.env {
				r.env[k] = v
			}
			must(t, os.MkdirAll(filepath.Join(user, "buildx"), 0o700))
			must(t, os.WriteFile(filepath.Join(user, "config.json"), []byte(`{"currentContext":"rootless"}`), 0o600))
			if _, err := r.b.Build(context.Background(), request(true)); err != nil {
				t.Fatalf("Build: %v", err)
			}
			env := r.d.Calls()[0].Env
			if diff := cmp.Diff(tc.want(user), env[1:]); diff != "" {
				t.Errorf("docker environment besides DOCKER_CONFIG (-want +got):\n%s", diff)
			}
		})
	}
}

// A local build has no login, so it keeps the user's docker configuration
// (and the logins the user made for private base images).
func TestBuildLocalKeepsUserDockerConfig(t *testing.T) {
	t.Parallel()
	r := newPrivateRig(t)
	if _, err := r.b.Build(context.Background(), request(false)); err != nil {
		t.Fatalf("Build: %v", err)
	}
	for _, c := range r.d.Calls() {
		if c.Env != nil {
			t.Errorf("%v ran with environment %v, want the inherited one", c.Argv, c.Env)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
