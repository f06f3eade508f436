package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentiles(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(100 - i) // unsorted on purpose
	}
	tests := []struct {
		name    string
		samples []time.Duration
		want    Stats
	}{
		{"none", nil, Stats{}},
		{"one", []time.Duration{ms(7)}, Stats{P50: ms(7), P95: ms(7), P99: ms(7), Max: ms(7)}},
		{"ten: p95 and p99 are the slowest", []time.Duration{ms(10), ms(1), ms(9), ms(2), ms(8), ms(3), ms(7), ms(4), ms(6), ms(5)},
			Stats{P50: ms(5), P95: ms(10), P99: ms(10), Max: ms(10)}},
		{"hundred", hundred, Stats{P50: ms(50), P95: ms(95), P99: ms(99), Max: ms(100)}},
		{"one slow outlier in twenty", append(repeat(ms(2), 19), ms(900)), Stats{P50: ms(2), P95: ms(2), P99: ms(900), Max: ms(900)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Percentiles(tt.samples)); diff != "" {
				t.Errorf("Percentiles (-want +got):\n%s", diff)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestLatencyFromRecordedSamples has the server move the fake clock by a
// known amount per request, so the runner's recorded samples are exact.
func TestLatencyFromRecordedSamples(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(t0)
	var next atomic.Int64 // request i takes i ms
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		clk.Advance(ms(int(next.Add(1))))
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	s := parse(t, "cases:\n  - name: twenty\n    path: /x\n    repeat: 20\n    latency: {p50: 10ms, p95: 15ms}\n")
	res := (&Runner{Client: NewClient(), Clock: clk}).Run(context.Background(), target(t, srv.URL, ""), []*Suite{s})
	c := res.Cases[0]
	got := []any{c.P50, c.P95, c.P99, c.Duration, c.Passed, c.Reason}
	want := []any{ms(10), ms(19), ms(20), ms(210), false, "latency p95 19.0ms exceeds the bound 15.0ms"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("p50, p95, p99, duration, passed, reason (-want +got):\n%s", diff)
	}
}

func TestConcurrencyIsHonoured(t *testing.T) {
	t.Parallel()
	const limit = 8
	var inflight, peak, total atomic.Int64
	full := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		total.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == limit {
			close(full)
		}
		select { // the first requests hold until limit are in flight at once
		case <-full:
		case <-time.After(10 * time.Second):
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	s := parse(t, "cases:\n  - {name: load, path: /x, repeat: 40, concurrency: 8}\n")
	res := (&Runner{Client: NewClient(), Clock: clock.Real{}}).Run(context.Background(), target(t, srv.URL, ""), []*Suite{s})
	if res.Failed() != 0 || total.Load() != 40 || peak.Load() != limit {
		t.Errorf("requests %d, peak in flight %d, failed %d; want 40, %d, 0", total.Load(), peak.Load(), res.Failed(), limit)
	}
}
