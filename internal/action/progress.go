package action

import (
	"fmt"
	"time"
)

// Progress reports the state of a long operation: redrawn in place on a
// terminal, and as an append-only line at most once per interval otherwise,
// so CI logs stay readable.
type Progress struct {
	a        *Action
	now      func() time.Time
	interval time.Duration
	last     time.Time
	drawn    bool
}

// Progress returns a reporter that prints append-only lines at most once per
// interval in CI (on a terminal it redraws on every update).
func (a *Action) Progress(now func() time.Time, interval time.Duration) *Progress {
	return &Progress{a: a, now: now, interval: interval}
}

// Update shows line as the current state.
func (p *Progress) Update(line string) {
	if p.a.Redraw() {
		fmt.Fprintf(p.a.stderr, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	t := p.now()
	if !p.last.IsZero() && t.Sub(p.last) < p.interval {
		return
	}
	p.last = t
	fmt.Fprintln(p.a.stderr, line)
}

// Done prints the final line, always.
func (p *Progress) Done(line string) {
	if p.drawn {
		fmt.Fprintf(p.a.stderr, "\r\033[K")
	}
	fmt.Fprintln(p.a.stderr, line)
}
