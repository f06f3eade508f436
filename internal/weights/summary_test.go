//go:build unix

package weights

import (
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/golden"
)

func TestSummaryRendering(t *testing.T) {
	t.Parallel()
	p := &Plan{
		Added:     []Object{{Key: "extra.txt", Size: 2048}},
		Changed:   []Object{{Key: "model.bin", Size: 1 << 30}},
		Removed:   []File{{Key: "old|name.bin", Size: 5 << 20}},
		Unchanged: []File{{Key: "config.json", Size: 13}, {Key: "tokenizer/vocab", Size: 3 << 20}},
	}
	switched := &Result{Source: "s3://weights/model", Target: "/mnt/weights", Version: "20261125T120500Z-0123456789ab",
		Previous: "20261125T120000Z-ba9876543210", Plan: p, Bytes: 1<<30 + 2048, Linked: 2,
		Pruned: []string{"20261124T080000Z-aaaaaaaaaaaa"}, Cleaned: []string{"versions/20261125T110000Z-bbbbbbbbbbbb.tmp"},
		Duration: 3*time.Second + 250*time.Millisecond}
	noop := &Result{Source: "s3://weights/model", Target: "/mnt/weights", Version: "20261125T120000Z-ba9876543210",
		Previous: "20261125T120000Z-ba9876543210", Plan: &Plan{Unchanged: p.Unchanged}, Duration: 180 * time.Millisecond}
	dry := &Result{Source: "s3://weights/model", Target: "/mnt/weights", Previous: "20261125T120000Z-ba9876543210",
		Version: "20261125T120000Z-ba9876543210", Plan: p, DryRun: true}
	for name, r := range map[string]*Result{"switched": switched, "noop": noop, "dryrun": dry} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden.Check(t, name+".md", r.Markdown())
			golden.Check(t, name+".txt", r.Text()+"--- plan\n"+r.PlanText())
		})
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var s Stats
	s.TotalBytes.Store(1000 << 20)
	s.Bytes.Store(250 << 20)
	s.TotalFiles.Store(1000)
	s.Files.Store(251)
	want := "250.0 MiB / 1000.0 MiB (25%), 251 / 1000 files, 125.0 MiB/s"
	if got := s.Progress(2 * time.Second); got != want {
		t.Errorf("progress = %q, want %q", got, want)
	}
}
