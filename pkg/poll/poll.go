// Package poll waits, in tests, for a condition that another goroutine or process
// brings about: the one helper for it, so that every test waits the same way.
package poll

import (
	"testing"
	"time"
)

// Interval is how often Until looks again.
const Interval = 20 * time.Millisecond

// Until returns once cond holds, or fails t after within, saying what it waited for.
func Until(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(Interval)
	}
}
