// Package action is the one place that knows about GitHub Actions: inputs,
// step outputs, the job summary, log groups, annotations and secret masking.
// Everything environmental is injected so tests never touch the process.
package action

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecs-mlops/ecs-mlops/internal/ghcontext"
)

// Action writes to the job's log and files when running in GitHub Actions
// (GITHUB_ACTIONS=true) and degrades to plain terminal output elsewhere.
type Action struct {
	gha       *githubactions.Action
	getenv    func(string) string
	gh        ghcontext.Context
	stderr    io.Writer
	inActions bool
	tty       bool

	mu   sync.Mutex // guards errs and appends to the environment files
	errs []error
}

// New returns an Action reading the environment through getenv and writing
// workflow commands and diagnostics to stderr (data belongs on stdout).
// tty says whether stderr is a terminal, which enables redrawing progress.
// The run's GitHub context is read from getenv here, once (Context).
func New(getenv func(string) string, stderr io.Writer, tty bool) *Action {
	gh := ghcontext.FromEnv(getenv)
	// One lock for every write, so a relayed batch (see Relay) is never
	// interleaved with a workflow command written from another goroutine.
	stderr = &lockedWriter{w: stderr}
	return &Action{
		gha:       githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stderr)),
		getenv:    getenv,
		gh:        gh,
		stderr:    stderr,
		inActions: gh.Actions,
		tty:       tty,
	}
}

// InActions reports whether the process runs as a GitHub Actions step.
func (a *Action) InActions() bool { return a.inActions }

// Redraw reports whether progress may redraw in place: only on a terminal and
// never in Actions, whose log keeps every byte written.
func (a *Action) Redraw() bool { return a.tty && !a.inActions }

// Context is the run's GitHub context, read when the Action was made.
func (a *Action) Context() ghcontext.Context { return a.gh }

// GitHub returns the workflow-command writer for features such as GetIDToken.
func (a *Action) GitHub() *githubactions.Action { return a.gha }

// Input returns the action input name. Actions sets INPUT_<NAME> upper-cased
// with spaces as underscores; composite actions forward inputs through env:,
// where dashes are awkward, so INPUT_<NAME> with dashes as underscores also counts.
func (a *Action) Input(name string) string {
	up := strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
	if v := strings.TrimSpace(a.getenv("INPUT_" + up)); v != "" {
		return v
	}
	return strings.TrimSpace(a.getenv("INPUT_" + strings.ReplaceAll(up, "-", "_")))
}

// Group starts a collapsible log group (a heading on a terminal); call the
// returned function to end it.
func (a *Action) Group(title string) func() {
	if !a.inActions {
		fmt.Fprintf(a.stderr, "==> %s\n", title)
		return func() {}
	}
	a.gha.Group(title)
	return a.gha.EndGroup
}

// Logf writes one diagnostic line.
func (a *Action) Logf(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// Location points an annotation at a file and line (line 0: whole file).
type Location struct {
	File string
	Line int
}

// Errorf reports an error: an annotation in Actions, a plain line elsewhere.
func (a *Action) Errorf(loc Location, format string, args ...any) {
	a.annotate("error", loc, format, args...)
}

// Warningf reports a warning: an annotation in Actions, a plain line elsewhere.
func (a *Action) Warningf(loc Location, format string, args ...any) {
	a.annotate("warning", loc, format, args...)
}

func (a *Action) annotate(kind string, loc Location, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !a.inActions {
		where := ""
		// Messages that already start with their file (config problems do)
		// are not prefixed twice.
		if loc.File != "" && !strings.HasPrefix(msg, loc.File) {
			where = loc.File + ": "
			if loc.Line > 0 {
				where = fmt.Sprintf("%s:%d: ", loc.File, loc.Line)
			}
		}
		fmt.Fprintf(a.stderr, "%s: %s%s\n", kind, where, msg)
		return
	}
	g := a.gha
	if loc.File != "" {
		f := map[string]string{"file": loc.File}
		if loc.Line > 0 {
			f["line"] = fmt.Sprint(loc.Line)
		}
		g = g.WithFieldsMap(f)
	}
	if kind == "error" {
		g.Errorf("%s", msg)
		return
	}
	g.Warningf("%s", msg)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
