package weights

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// FsyncDelay is a file layer for benchmarks only: it stands for a network
// file system such as EFS, where each fsync of a file costs milliseconds,
// by sleeping Delay before every fsync of a downloaded file, and it counts
// the fsyncs and the most seen in flight at once. A sync that kept one
// file in flight would pay files × Delay serially.
type FsyncDelay struct {
	Delay    time.Duration
	count    atomic.Int64
	inFlight atomic.Int64
	most     atomic.Int64
}

// ParseFsyncDelay parses a delay such as "2ms" (its caller names where the
// value came from in the error).
func ParseFsyncDelay(s string) (*FsyncDelay, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return nil, fmt.Errorf("%q is not a duration such as 2ms", s)
	}
	return &FsyncDelay{Delay: d}, nil
}

func (d *FsyncDelay) sync(f *os.File) error {
	d.count.Add(1)
	n := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for m := d.most.Load(); n > m && !d.most.CompareAndSwap(m, n); m = d.most.Load() {
	}
	time.Sleep(d.Delay)
	return f.Sync()
}

// Report says how many fsyncs ran, the serial bound, and the most in flight.
func (d *FsyncDelay) Report() string {
	n := d.count.Load()
	return fmt.Sprintf("fsync delay %s: %d file fsyncs (%.2f s if serial), at most %d in flight",
		d.Delay, n, (time.Duration(n) * d.Delay).Seconds(), d.most.Load())
}
