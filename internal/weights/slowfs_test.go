//go:build unix

package weights

import (
	"context"
	"strings"
	"testing"
)

// TestFsyncDelayCountsEveryDownloadedFile: the bench's file layer sees the
// fsync of every downloaded file (and of no linked one), and a bad delay
// is refused.
func TestFsyncDelayCountsEveryDownloadedFile(t *testing.T) {
	t.Parallel()
	x := seededAndSynced(t)
	d, err := ParseFsyncDelay("0s")
	if err != nil {
		t.Fatal(err)
	}
	x.f.put("model/config.json", "v2")
	x.f.put("model/extra.txt", "new")
	x.s.FsyncDelay = d
	if _, err := x.s.Sync(context.Background(), opts(x.target)); err != nil {
		t.Fatal(err)
	}
	if got, want := d.Report(), "fsync delay 0s: 2 file fsyncs (0.00 s if serial), at most "; !strings.HasPrefix(got, want) {
		t.Errorf("report = %q, want it to start %q", got, want)
	}
	for _, bad := range []string{"2", "-1ms", "fast"} {
		if _, err := ParseFsyncDelay(bad); err == nil || !strings.Contains(err.Error(), `"`+bad+`" is not a duration`) {
			t.Errorf("ParseFsyncDelay(%q) = %v, want it refused naming the value", bad, err)
		}
	}
}
