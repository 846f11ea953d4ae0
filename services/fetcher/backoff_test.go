package fetcher

import (
	"testing"
	"time"
)

// backoff doubles with each failure in a row up to its max, within bus.Jitter's quarter,
// and starts again from base after a success.
func TestBackoff(t *testing.T) {
	b := backoff{base: time.Second, max: 4 * time.Second}
	check := func(want time.Duration) {
		t.Helper()
		if got := b.next(); got < want*3/4 || got > want*5/4 {
			t.Errorf("failure %d: wait %v; want %v give or take a quarter", b.n, got, want)
		}
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		check(want)
	}
	b.reset()
	check(time.Second)
}
