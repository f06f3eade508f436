package weights

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/report"
)

// Headline says in one line what the sync did.
func (r *Result) Headline() string {
	switch {
	case r.DryRun && r.Adopted != "":
		return fmt.Sprintf("dry run: would switch %s/current to %s, which an interrupted sync published holding exactly %s (current: %s)", r.Target, r.Adopted, r.Source, orNone(r.Previous))
	case r.DryRun && r.Plan.NoOp():
		return fmt.Sprintf("dry run: %s already holds %s; nothing to do", r.Target, r.Source)
	case r.DryRun:
		return fmt.Sprintf("dry run: would build a new version in %s from %s (current: %s)", r.Target, r.Source, orNone(r.Previous))
	case r.Version == r.Previous:
		return fmt.Sprintf("no changes: %s is up to date with %s (version %s)", r.Target, r.Source, r.Version)
	}
	return fmt.Sprintf("switched %s/current to %s (was %s)", r.Target, r.Version, orNone(r.Previous))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Table is the added / changed / removed / unchanged breakdown.
func (r *Result) Table() *report.Table {
	t := &report.Table{Header: []string{"", "files", "bytes"}}
	p := r.Plan
	var unchanged, removed int64
	for _, f := range p.Unchanged {
		unchanged += f.Size
	}
	for _, f := range p.Removed {
		removed += f.Size
	}
	t.AddRow("added", len(p.Added), Bytes(sumObjects(p.Added)))
	t.AddRow("changed", len(p.Changed), Bytes(sumObjects(p.Changed)))
	t.AddRow("removed", len(p.Removed), Bytes(removed))
	t.AddRow("unchanged", len(p.Unchanged), Bytes(unchanged))
	return t
}

// Transfer is the downloaded bytes, duration and throughput line.
func (r *Result) Transfer() string {
	if r.DryRun {
		return fmt.Sprintf("would download %s", Bytes(r.Plan.DownloadBytes()))
	}
	if r.Bytes == 0 {
		return fmt.Sprintf("nothing downloaded (checked in %s)", r.Duration.Round(time.Millisecond))
	}
	return fmt.Sprintf("downloaded %s in %s (%s/s)", Bytes(r.Bytes), r.Duration.Round(time.Millisecond), Bytes(rate(r.Bytes, r.Duration)))
}

// Markdown renders the job summary.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Weights sync\n\n%s\n\n", r.Headline())
	if !r.Plan.NoOp() {
		b.WriteString(r.Table().Markdown())
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s; source `%s`", r.Transfer(), r.Source)
	if len(r.Pruned) > 0 {
		fmt.Fprintf(&b, "; pruned %s", strings.Join(r.Pruned, ", "))
	}
	b.WriteString("\n")
	if line := r.UnverifiedLine(); line != "" {
		b.WriteString("\n" + line + "\n")
	}
	return b.String()
}

// Text renders the terminal summary.
func (r *Result) Text() string {
	var b strings.Builder
	b.WriteString(r.Headline() + "\n")
	if !r.Plan.NoOp() {
		b.WriteString(r.Table().Text())
	}
	b.WriteString(r.Transfer() + "\n")
	if len(r.Pruned) > 0 {
		fmt.Fprintf(&b, "pruned %s\n", strings.Join(r.Pruned, ", "))
	}
	if len(r.InUse) > 0 {
		fmt.Fprintf(&b, "kept %s: a reader is loading it; a later sync prunes it\n", strings.Join(r.InUse, ", "))
	}
	if r.Adopted != "" {
		fmt.Fprintf(&b, "%s %s: an interrupted sync had published it, holding exactly this listing, without switching to it\n", r.verb("adopted", "would adopt"), r.Adopted)
	}
	if len(r.Cleaned) > 0 {
		fmt.Fprintf(&b, "%s leftovers of an interrupted sync: %s\n", r.verb("removed", "would remove"), strings.Join(r.Cleaned, ", "))
	}
	if line := r.UnverifiedLine(); line != "" {
		b.WriteString(line + "\n")
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

// verb is done for a sync, dry for a dry run.
func (r *Result) verb(done, dry string) string {
	if r.DryRun {
		return dry
	}
	return done
}

// UnverifiedLine names the files published with nothing compared with S3
// ("" when there are none): at most 20 keys, then a count.
func (r *Result) UnverifiedLine() string {
	if len(r.Unverified) == 0 {
		return ""
	}
	keys := r.Unverified
	more := ""
	if len(keys) > 20 {
		keys, more = keys[:20], fmt.Sprintf(" and %d more", len(keys)-20)
	}
	return fmt.Sprintf("unverified: %s: %d file(s) (%s%s); the manifest marks each; --require-checksum fails instead", Unverified, len(r.Unverified), strings.Join(keys, ", "), more)
}

// PlanText lists every file a dry run would add, change or remove.
func (r *Result) PlanText() string {
	var b strings.Builder
	for _, o := range r.Plan.Added {
		fmt.Fprintf(&b, "add     %s (%s)\n", o.Key, Bytes(o.Size))
	}
	for _, o := range r.Plan.Changed {
		fmt.Fprintf(&b, "change  %s (%s)\n", o.Key, Bytes(o.Size))
	}
	for _, f := range r.Plan.Removed {
		fmt.Fprintf(&b, "remove  %s\n", f.Key)
	}
	return b.String()
}

// Progress renders a live progress line from the running sync's counters.
func (s *Stats) Progress(elapsed time.Duration) string {
	done, total := s.Bytes.Load(), s.TotalBytes.Load()
	pct := 100.0
	if total > 0 {
		pct = float64(done) * 100 / float64(total)
	}
	return fmt.Sprintf("%s / %s (%.0f%%), %d / %d files, %s/s", Bytes(done), Bytes(total), pct,
		s.Files.Load(), s.TotalFiles.Load(), Bytes(rate(done, elapsed)))
}

func sumObjects(os []Object) int64 {
	var n int64
	for _, o := range os {
		n += o.Size
	}
	return n
}

func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// Bytes formats n in binary units (KiB, MiB, GiB).
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
