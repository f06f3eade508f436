// Package clock lets long waits (stack polling, readiness probes, retries)
// run on a fake clock in tests, so they cost no wall time.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source every waiting component takes as a field.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the wall clock.
type Real struct{}

// Now returns the current wall time.
func (Real) Now() time.Time { return time.Now() }

// Sleep waits d of wall time or until ctx is done.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fake is a clock whose time only moves when someone sleeps on it or calls
// Advance. Sleep advances the fake time immediately, so a single-goroutine
// poll loop runs at full speed while still observing realistic timestamps.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	slept   []time.Duration
	onSleep func(now time.Time)
}

// NewFake returns a fake clock starting at start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep advances fake time by d at once (unless ctx is already done).
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.slept = append(f.slept, d)
	hook, now := f.onSleep, f.now
	f.mu.Unlock()
	if hook != nil {
		hook(now)
	}
	return ctx.Err()
}

// Advance moves fake time forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// OnSleep registers a hook called after every Sleep with the new time; tests
// use it to move a fake service's state along with the clock.
func (f *Fake) OnSleep(hook func(now time.Time)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onSleep = hook
}

// Slept returns every duration slept so far, in order.
func (f *Fake) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}
