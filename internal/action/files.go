package action

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SetOutput records a step output in Actions; elsewhere it does nothing,
// because data a user wants is already printed on stdout. Values are written
// in the heredoc form with a delimiter derived from the value's SHA-256, so
// text from an event cannot contain the delimiter, end the value early and
// forge another output (the fixed delimiter of go-githubactions could be),
// while the file stays the same for the same outputs. A failure to write is
// kept and reported by Err.
// https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#multiline-strings
func (a *Action) SetOutput(name, value string) {
	if !a.inActions {
		return
	}
	sum := sha256.Sum256([]byte(value))
	delim := "ghadelimiter_" + hex.EncodeToString(sum[:16])
	a.appendFile("GITHUB_OUTPUT", a.gh.Output, "step output "+name, name+"<<"+delim+"\n"+value+"\n"+delim+"\n")
}

// Summary appends markdown to the job summary in Actions; elsewhere, and on
// runners without GITHUB_STEP_SUMMARY, it does nothing.
// https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#adding-a-job-summary
func (a *Action) Summary(markdown string) {
	if !a.inActions || a.gh.StepSummary == "" {
		return
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	a.appendFile("GITHUB_STEP_SUMMARY", a.gh.StepSummary, "job summary", markdown)
}

// Mask hides value in all later log output of the job. The runner masks
// line by line, so each line of a multi-line secret is masked on its own.
func (a *Action) Mask(value string) {
	if !a.inActions {
		return
	}
	for _, line := range strings.FieldsFunc(value, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.TrimSpace(line) != "" {
			a.gha.AddMask(line)
		}
	}
}

// Err returns every failure to write an output or the summary so far, or
// nil. The CLI reports it after a command, so a workflow never branches on an
// output that silently went missing.
func (a *Action) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return errors.Join(a.errs...)
}

// appendFile appends text to path, the file the variable env named.
func (a *Action) appendFile(env, path, what, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if path == "" {
		a.errs = append(a.errs, fmt.Errorf("write %s: %s is not set; run on a GitHub-hosted or current self-hosted runner", what, env))
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("write %s to %s: %w", what, env, err))
		return
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("write %s to %s: %w", what, env, err))
	}
}
