package clock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFakeSleepAdvancesAtOnce(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := NewFake(start)
	var seen []time.Time
	f.OnSleep(func(now time.Time) { seen = append(seen, now) })
	ctx := context.Background()
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Minute} {
		if err := f.Sleep(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	f.Advance(time.Hour)
	if got, want := f.Now(), start.Add(time.Hour+30*time.Minute+6*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 5 * time.Second, 30 * time.Minute}, f.Slept()); diff != "" {
		t.Errorf("Slept() (-want +got):\n%s", diff)
	}
	want := []time.Time{start.Add(time.Second), start.Add(6 * time.Second), start.Add(30*time.Minute + 6*time.Second)}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("OnSleep saw (-want +got):\n%s", diff)
	}
}

func TestFakeSleepHonoursCancel(t *testing.T) {
	t.Parallel()
	f := NewFake(time.Unix(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	f.OnSleep(func(time.Time) { cancel() }) // the awaited thing gives up mid-wait
	if err := f.Sleep(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep when cancelled during the wait = %v, want context.Canceled", err)
	}
	if err := f.Sleep(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if got := len(f.Slept()); got != 1 {
		t.Errorf("slept %d times, want 1: a cancelled context must not move time", got)
	}
}

func TestRealSleepHonoursCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Real{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Real.Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := (Real{}).Sleep(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("Real.Sleep(1ns) = %v", err)
	}
}
