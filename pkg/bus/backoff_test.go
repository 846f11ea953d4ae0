package bus_test

import (
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
)

func TestExponentialBackoff(t *testing.T) {
	b := bus.ExponentialBackoff(time.Second, 10*time.Second)
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
		if got := b(attempt); got != want {
			t.Errorf("attempt %d: %v; want %v", attempt, got, want)
		}
	}
}

// Jitter stays within a quarter of d either way, and spreads: two callers seldom wait alike.
func TestJitter(t *testing.T) {
	const d = time.Second
	lo, hi := time.Duration(1<<62), time.Duration(0)
	seen := map[time.Duration]bool{}
	for range 1000 {
		j := bus.Jitter(d)
		lo, hi = min(lo, j), max(hi, j)
		seen[j] = true
	}
	if lo < d*3/4 || hi > d*5/4 {
		t.Errorf("Jitter(%v) ranged over [%v, %v]; want within [%v, %v]", d, lo, hi, d*3/4, d*5/4)
	}
	if hi-lo < d/4 || len(seen) < 900 {
		t.Errorf("Jitter(%v) ranged over [%v, %v] with %d distinct waits of 1000; want them spread", d, lo, hi, len(seen))
	}
	for _, d := range []time.Duration{0, -time.Second} {
		if got := bus.Jitter(d); got != d {
			t.Errorf("Jitter(%v) = %v; want it unchanged", d, got)
		}
	}
}
