// Package imagetest has a stateful fake of the docker CLI with buildx,
// pushing into the ECR fake of internal/awsfake, for tests of image builds
// and of commands that build.
package imagetest

import (
	"context"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/ecs-mlops/ecs-mlops/internal/awsfake"
	"github.com/ecs-mlops/ecs-mlops/internal/image"
	"github.com/ecs-mlops/ecs-mlops/internal/proc"
)

// Metadata is a buildx --metadata-file as docker buildx writes it (the
// example of the buildx reference documentation).
//
//go:embed testdata/buildx-metadata.json
var Metadata string

// MetadataDigest is the containerimage.digest in Metadata.
const MetadataDigest = "sha256:19ffeab6f8bc9293ac2c3fdf94ebe28396254c993aea0b5a542cfb02e0883fa3"

// Call is one command the fake saw.
type Call struct {
	Argv  []string // name and arguments
	Stdin string
	Env   []string // the variables set on top of the inherited environment
}

// Docker plays the docker CLI with buildx against an ECR fake: login checks
// the password on stdin and stores the credential in the configuration
// directory's config.json as docker does, build --push authenticates with
// the credential of its own configuration directory and stores the tag in
// the registry (and is refused for a taken tag, as an immutable repository
// refuses it), logout removes the credential, and --metadata-file gets a
// real metadata file. The configuration directory is DOCKER_CONFIG of the
// command's Env, else Home/.docker; with neither, logins live in memory.
// A cancelled context stops a command as exec.CommandContext kills it.
type Docker struct {
	ECR        *awsfake.ECR
	Missing    bool   // docker is not installed
	NoBuildx   bool   // docker without the buildx plugin
	BuildFails string // stderr of a failing build; "" succeeds
	GitHead    string // what git rev-parse HEAD prints; "" means git fails
	// BeforeBuild runs when a build starts (e.g. another job pushing first).
	BeforeBuild func()
	// Digest, when set, gives the image digest of a build of ref
	// (registry/name:tag), so different commits get different digests;
	// nil gives every build MetadataDigest.
	Digest func(ref string) string
	// Home is the home directory docker falls back to (Home/.docker) when
	// a command has no DOCKER_CONFIG; "" means none.
	Home string
	// BuildxInConfig installs buildx only in the configuration directory's
	// cli-plugins (as docker/setup-buildx-action installs a pinned
	// version), not in a system plugin directory: buildx is found only
	// where <config>/cli-plugins/docker-buildx exists.
	BuildxInConfig bool

	mu       sync.Mutex
	calls    []Call
	loggedIn map[string]bool // logins without a configuration directory
	configs  map[string]bool // configuration directories logged in to
}

var _ proc.Runner = (*Docker)(nil)

// Calls returns every command run so far.
func (d *Docker) Calls() []Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Call(nil), d.calls...)
}

// LoggedIn reports whether a registry login is still stored for host, in
// memory or in a configuration directory a login wrote.
func (d *Docker) LoggedIn(host string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loggedIn[host] {
		return true
	}
	for dir := range d.configs {
		if readAuths(dir)[host] != "" {
			return true
		}
	}
	return false
}

// Run implements proc.Runner.
func (d *Docker) Run(ctx context.Context, c proc.Cmd) error {
	stdin := ""
	if c.Stdin != nil {
		b, _ := io.ReadAll(c.Stdin)
		stdin = string(b)
	}
	d.mu.Lock()
	d.calls = append(d.calls, Call{Argv: append([]string{c.Name}, c.Args...), Stdin: stdin, Env: append([]string(nil), c.Env...)})
	d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		// exec.CommandContext does not start a command whose context is done.
		return fmt.Errorf("run %s: %w", c.Name, err)
	}
	out, errw := orDiscard(c.Stdout), orDiscard(c.Stderr)
	switch {
	case c.Name == "git":
		return d.git(c, out, errw)
	case c.Name != "docker" || d.Missing:
		return fmt.Errorf("exec: %q: %w", c.Name, proc.ErrNotFound)
	}
	cfg := d.configDir(c.Env)
	if strings.HasPrefix(strings.Join(first(c.Args, 1), ""), "buildx") && !d.hasBuildx(cfg) {
		fmt.Fprint(errw, "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n")
		return &proc.ExitError{Cmd: "docker buildx", Code: 1}
	}
	switch strings.Join(first(c.Args, 2), " ") {
	case "buildx version":
		fmt.Fprintln(out, "github.com/docker/buildx v0.19.3 48d6a39")
		return nil
	case "buildx build":
		return d.build(ctx, cfg, c.Args, out, errw)
	}
	switch first(c.Args, 1)[0] {
	case "login":
		return d.login(cfg, c.Args, stdin, out, errw)
	case "logout":
		return d.logout(cfg, c.Args[len(c.Args)-1], out)
	}
	fmt.Fprintf(errw, "docker: '%s' is not a docker command.\n", c.Args[0])
	return &proc.ExitError{Cmd: "docker " + c.Args[0], Code: 1}
}

func (d *Docker) git(c proc.Cmd, out, errw io.Writer) error {
	if d.GitHead == "" || strings.Join(c.Args, " ") != "rev-parse HEAD" {
		fmt.Fprintln(errw, "fatal: not a git repository (or any of the parent directories): .git")
		return &proc.ExitError{Cmd: "git " + strings.Join(first(c.Args, 1), ""), Code: 128}
	}
	fmt.Fprintln(out, d.GitHead)
	return nil
}

func (d *Docker) login(cfg string, args []string, stdin string, out, errw io.Writer) error {
	host := args[len(args)-1]
	if strings.TrimSpace(stdin) != awsfake.ECRPassword || !contains(args, "--password-stdin") {
		fmt.Fprintf(errw, "Error response from daemon: login attempt to https://%s/v2/ failed with status: 400 Bad Request\n", host)
		return &proc.ExitError{Cmd: "docker login", Code: 1}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cfg == "" {
		if d.loggedIn == nil {
			d.loggedIn = map[string]bool{}
		}
		d.loggedIn[host] = true
	} else {
		auths := readAuths(cfg)
		auths[host] = base64.StdEncoding.EncodeToString([]byte("AWS:" + strings.TrimSpace(stdin)))
		if err := writeAuths(cfg, auths); err != nil {
			fmt.Fprintf(errw, "Error saving credentials: %v\n", err)
			return &proc.ExitError{Cmd: "docker login", Code: 1}
		}
		if d.configs == nil {
			d.configs = map[string]bool{}
		}
		d.configs[cfg] = true
	}
	fmt.Fprintln(out, "Login Succeeded")
	return nil
}

func (d *Docker) logout(cfg, host string, out io.Writer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cfg == "" {
		delete(d.loggedIn, host)
	} else if auths := readAuths(cfg); auths[host] != "" {
		delete(auths, host)
		_ = writeAuths(cfg, auths)
	}
	fmt.Fprintf(out, "Removing login credentials for %s\n", host)
	return nil
}

// authorized reports whether the configuration cfg holds a login for host.
func (d *Docker) authorized(cfg, host string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cfg == "" {
		return d.loggedIn[host]
	}
	return readAuths(cfg)[host] != ""
}

func (d *Docker) build(ctx context.Context, cfg string, args []string, out, errw io.Writer) error {
	if d.BeforeBuild != nil {
		d.BeforeBuild()
	}
	if ctx.Err() != nil {
		// Killed by exec.CommandContext: no exit status of its own.
		return &proc.ExitError{Cmd: "docker buildx", Code: -1}
	}
	fmt.Fprintln(errw, "#0 building with \"builder\" instance using docker-container driver")
	if d.BuildFails != "" {
		fmt.Fprintln(errw, d.BuildFails)
		return &proc.ExitError{Cmd: "docker buildx", Code: 1}
	}
	ref := flagValue(args, "--tag")
	if contains(args, "--push") {
		host, rest, _ := strings.Cut(ref, "/")
		name, tag, _ := strings.Cut(rest, ":")
		if !d.authorized(cfg, host) {
			fmt.Fprintf(errw, "ERROR: failed to solve: failed to push %s: unexpected status from HEAD request to https://%s/v2/%s/blobs/sha256:2937: 401 Unauthorized\n", ref, host, name)
			return &proc.ExitError{Cmd: "docker buildx", Code: 1}
		}
		digest, _ := image.ParseMetadata([]byte(d.metadata(ref)))
		if err := d.ECR.Push(name, tag, digest); err != nil {
			// As buildx reports a refused push (moby/buildkit#3776).
			fmt.Fprintf(errw, "ERROR: %v.\n", err)
			return &proc.ExitError{Cmd: "docker buildx", Code: 1}
		}
		if cache := flagValue(args, "--cache-to"); cache != "" {
			cref := strings.TrimPrefix(strings.Split(cache, ",")[1], "ref=")
			_, crest, _ := strings.Cut(cref, "/")
			cname, ctag, _ := strings.Cut(crest, ":")
			_ = d.ECR.Push(cname, ctag, "sha256:"+strings.Repeat("c", 64))
		}
	}
	if meta := flagValue(args, "--metadata-file"); meta != "" {
		if err := os.WriteFile(meta, []byte(d.metadata(ref)), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(errw, "#12 DONE 1.2s\n")
	return nil
}

// metadata is the buildx metadata file of a build of ref.
func (d *Docker) metadata(ref string) string {
	if d.Digest == nil {
		return Metadata
	}
	return strings.ReplaceAll(Metadata, MetadataDigest, d.Digest(ref))
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func contains(args []string, s string) bool {
	for _, a := range args {
		if a == s {
			return true
		}
	}
	return false
}

func first(a []string, n int) []string {
	if len(a) < n {
		return append(append([]string(nil), a...), make([]string, n-len(a))...)
	}
	return a[:n]
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
