package demo

import (
	"context"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// runClock is the demo's one clock. Waiting on it costs no wall time (a
// stack that takes four minutes to create is done at once), while the time
// it reads still moves with the wall clock, so the latencies measured
// against the real endpoint are real.
type runClock struct {
	fake  *clock.Fake
	start time.Time // wall-clock start; time.Since reads the monotonic clock
}

func newRunClock(start time.Time) *runClock {
	return &runClock{fake: clock.NewFake(start), start: time.Now()}
}

var _ clock.Clock = (*runClock)(nil)

// Now is the fake time plus the wall time elapsed since the demo started.
func (c *runClock) Now() time.Time { return c.fake.Now().Add(time.Since(c.start)) }

// Sleep advances the fake time by d at once.
func (c *runClock) Sleep(ctx context.Context, d time.Duration) error { return c.fake.Sleep(ctx, d) }

// OnSleep hands hook the run's time after every sleep (awsfake.Account
// moves its services along with it).
func (c *runClock) OnSleep(hook func(now time.Time)) {
	c.fake.OnSleep(func(time.Time) { hook(c.Now()) })
}
