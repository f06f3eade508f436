package probe

import (
	"slices"
	"time"
)

// Stats are latency percentiles of one case's recorded samples.
type Stats struct {
	P50, P95, P99, Max time.Duration
}

// Percentiles computes p50/p95/p99 by the nearest-rank method: the smallest
// sample such that at least p% of samples are at or below it. With few
// samples p99 is the maximum, which is the honest answer.
func Percentiles(samples []time.Duration) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Stats{P50: rank(s, 50), P95: rank(s, 95), P99: rank(s, 99), Max: s[len(s)-1]}
}

// rank returns the nearest-rank percentile p of sorted samples s:
// the element at ceil(p/100·n), counted from 1.
func rank(s []time.Duration, p int) time.Duration {
	n := len(s)
	i := (p*n + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}
