package report

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The statuses a Results record can carry.
const (
	StatusSuccess    = "success"
	StatusFailure    = "failure"
	StatusRemoved    = "removed"
	StatusInProgress = "in_progress"
)

// Statuses lists the valid Results.Status values.
func Statuses() []string {
	return []string{StatusSuccess, StatusFailure, StatusRemoved, StatusInProgress}
}

// MarkdownOptions holds what the markdown links to besides the results.
type MarkdownOptions struct {
	// RepoURL is the repository's web address (ghcontext.Context.RepoURL); when set the
	// commit links to its page.
	RepoURL string
}

// Markdown renders r for people: a status line that reads at a glance, the
// URL, commit and image, the endpoint test table with latency percentiles,
// failures with their reasons, timings and a link to the workflow run. A
// removed preview renders as a short teardown note. Text that comes from
// outside is rendered as literal text (see Text, Code, Link): failure
// reasons and response excerpts fenced, case names, output keys, notes and
// URLs escaped, so none can lay out the comment, show an image, link,
// mention people or forge the sticky marker.
func (r *Results) Markdown(o MarkdownOptions) string {
	var b strings.Builder
	b.WriteString("### " + r.headline() + "\n\n")
	if r.Status == StatusRemoved {
		r.writeRemoved(&b, o)
	} else {
		r.writeDeployed(&b, o)
	}
	if r.RunURL != "" {
		fmt.Fprintf(&b, "[View the workflow run](%s)\n", r.RunURL)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// Effective is the status people should read: a run reported as a success
// whose endpoint tests failed is a failure.
func (r *Results) Effective() string {
	if r.Status == StatusSuccess && !r.Passed() {
		return StatusFailure
	}
	return r.Status
}

func (r *Results) headline() string {
	subject := r.subject()
	passed, skipped, total := r.counts()
	switch r.Effective() {
	case StatusSuccess:
		switch {
		case skipped > 0:
			return fmt.Sprintf("⚠️ %s is up%s — %d of %d endpoint %s passed, %d skipped", subject, r.weightsPhrase(), passed, total, plural(total, "test", "tests"), skipped)
		case total == 1:
			return fmt.Sprintf("✅ %s is up — the endpoint test passed", subject)
		case total > 1:
			return fmt.Sprintf("✅ %s is up — all %d endpoint tests passed", subject, total)
		}
		return fmt.Sprintf("✅ %s is up", subject)
	case StatusFailure:
		if failed := total - passed - skipped; failed > 0 {
			return fmt.Sprintf("❌ %s: %d of %d endpoint %s failed%s", subject, failed, total, plural(total, "test", "tests"), skippedSuffix(skipped))
		}
		if c := r.Compare; c != nil && !c.Passed() {
			return fmt.Sprintf("❌ %s is up, but B vs A exceeded %d compare %s", subject, len(c.Failures), plural(len(c.Failures), "threshold", "thresholds"))
		}
		return fmt.Sprintf("❌ %s failed to deploy", subject)
	case StatusInProgress:
		return fmt.Sprintf("⏳ %s is deploying…", subject)
	case StatusRemoved:
		return fmt.Sprintf("🗑️ %s was removed", subject)
	}
	return fmt.Sprintf("❔ %s: status %q", subject, r.Status)
}

// subject names what was deployed: a preview by its stack ("Preview
// `ep-b-pr-42`"), anything else by its environment ("Environment `ep-a`").
func (r *Results) subject() string {
	kind, name, alt := "Environment", r.Environment, r.Stack
	if r.PR > 0 {
		kind, name, alt = "Preview", r.Stack, r.Environment
	}
	if name == "" {
		name = alt
	}
	if name == "" {
		return kind
	}
	return kind + " " + Code(name)
}

func (r *Results) counts() (passed, skipped, total int) {
	for _, c := range r.Cases {
		switch {
		case c.Skipped:
			skipped++
		case c.Passed:
			passed++
		}
	}
	return passed, skipped, len(r.Cases)
}

func (r *Results) writeDeployed(b *strings.Builder, o MarkdownOptions) {
	if r.Message != "" {
		if r.Effective() == StatusFailure {
			b.WriteString(fence(r.Message) + "\n")
		} else {
			b.WriteString(Paragraph(r.Message) + "\n\n")
		}
	}
	r.writeFacts(b, o, true)
	r.writeCases(b)
	if r.Compare != nil {
		b.WriteString(r.Compare.Markdown() + "\n")
	}
	r.writeTimings(b)
	r.writeOutputs(b)
}

func (r *Results) writeRemoved(b *strings.Builder, o MarkdownOptions) {
	if r.Message != "" {
		b.WriteString(Paragraph(r.Message) + "\n\n")
	} else {
		b.WriteString("Its stack and the resources in it were deleted; the URL no longer answers.\n\n")
	}
	r.writeFacts(b, o, false)
	r.writeTimings(b)
}

// writeFacts writes the key/value table; a removed preview has no live URL.
func (r *Results) writeFacts(b *strings.Builder, o MarkdownOptions, live bool) {
	t := &Table{Header: []string{"", ""}}
	if live && r.URL != "" {
		t.AddRow("**URL**", Link(r.URL))
	}
	if r.Environment != "" {
		t.AddRow("**Environment**", Code(r.Environment))
	}
	if r.Stack != "" {
		t.AddRow("**Stack**", Code(r.Stack))
	}
	if r.Commit != "" {
		label := "**Commit**"
		if !live {
			label = "**Last commit**"
		}
		t.AddRow(label, commitLink(r.Commit, o.RepoURL))
	}
	if r.Image != "" {
		t.AddRow("**Image**", Code(r.Image))
	}
	if len(t.Rows) > 0 {
		b.WriteString(t.Markdown() + "\n")
	}
}

func (r *Results) writeCases(b *strings.Builder) {
	if len(r.Cases) == 0 {
		return
	}
	passed, skipped, total := r.counts()
	fmt.Fprintf(b, "**Endpoint tests:** %d of %d passed%s\n\n", passed, total, skippedSuffix(skipped))
	t := &Table{Header: []string{"Result", "Case", "Requests", "p50", "p95", "p99"}}
	var failed []CaseResult
	for _, c := range r.Cases {
		switch {
		case c.Skipped:
			t.AddRow("⏭️ skip", c.Name, "–", "–", "–", "–")
			continue
		case !c.Passed:
			failed = append(failed, c)
		}
		result := "✅ pass"
		if !c.Passed {
			result = "❌ fail"
		}
		reqs := fmt.Sprint(c.Requests)
		if c.Failures > 0 {
			reqs = fmt.Sprintf("%d (%d failed)", c.Requests, c.Failures)
		}
		t.AddRow(result, Text(c.Name), reqs, Latency(c.P50), Latency(c.P95), Latency(c.P99))
	}
	b.WriteString(t.Markdown() + "\n")
	for _, c := range failed {
		fmt.Fprintf(b, "<details open><summary>❌ %s</summary>\n\n", HTMLText(c.Name))
		reason := c.Reason
		if reason == "" {
			reason = "no reason recorded"
		}
		b.WriteString(fence(reason) + "</details>\n\n")
	}
	r.writeSkipped(b, skipped)
}

func (r *Results) writeTimings(b *strings.Builder) {
	if len(r.Timings) == 0 {
		return
	}
	parts := make([]string, len(r.Timings))
	for i, t := range r.Timings {
		parts[i] = Text(t.Phase) + " " + Elapsed(t.Duration)
	}
	b.WriteString("**Timings:** " + strings.Join(parts, " · ") + "\n\n")
}

func (r *Results) writeOutputs(b *strings.Builder) {
	if len(r.Outputs) == 0 {
		return
	}
	keys := make([]string, 0, len(r.Outputs))
	for k := range r.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := &Table{Header: []string{"Output", "Value"}}
	for _, k := range keys {
		t.AddRow(Text(k), Code(r.Outputs[k]))
	}
	b.WriteString("<details><summary>Stack outputs</summary>\n\n" + t.Markdown() + "\n</details>\n\n")
}

// Latency formats a request latency with the precision people compare at:
// "0.42 ms", "4.2 ms", "42 ms", "1.24 s"; zero is "–" (not measured).
func Latency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d <= 0:
		return "–"
	case ms < 1:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2f s", ms/1000)
}

// Elapsed formats a phase duration to the second: "9s", "3m 4s", "1h 2m".
func Elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// commitLink links a commit's page; a "commit" that is not a hex object
// name (it came from a results file) is shown whole, unlinked.
func commitLink(sha, repoURL string) string {
	if !shaPattern.MatchString(sha) {
		return Code(sha)
	}
	if repoURL == "" {
		return Code(sha[:7])
	}
	return fmt.Sprintf("[%s](%s/commit/%s)", Code(sha[:7]), repoURL, sha)
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// fence wraps text in a fenced block longer than any backtick run inside it.
func fence(s string) string {
	ticks := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return ticks + "text\n" + strings.TrimRight(s, "\n") + "\n" + ticks + "\n"
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
