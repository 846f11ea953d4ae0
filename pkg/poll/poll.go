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
	UntilGot(t, within, what, func() (bool, string) { return cond(), "" })
}

// UntilGot is Until for a condition that says what it saw while it did not hold: the
// failure shows the last of it.
func UntilGot(t testing.TB, within time.Duration, what string, cond func() (ok bool, got string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			if got != "" {
				t.Fatalf("not within %v: %s (got %s)", within, what, got)
			}
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(Interval)
	}
}

// WhileProgressing returns once cond reports done, and fails t when what cond reports as
// its progress stays the same for stall. It waits for work whose length depends on the
// machine (a loaded one does the same work later): a slow run only takes longer, a
// stuck one fails within stall, showing the progress it stopped at.
func WhileProgressing(t testing.TB, stall time.Duration, what string, cond func() (done bool, progress string)) {
	t.Helper()
	last, since := "", time.Now()
	for {
		done, progress := cond()
		if done {
			return
		}
		if progress != last {
			last, since = progress, time.Now()
		} else if time.Since(since) > stall {
			t.Fatalf("no progress for %v: %s (stuck at %s)", stall, what, progress)
		}
		time.Sleep(Interval)
	}
}
