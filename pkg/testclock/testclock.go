// Package testclock is a clock for tests that moves only when told, or when the code
// under test sleeps on it: a test waits out a minute of rate limit or an hour of
// polling interval at once, and sees how long the code would have slept.
package testclock

import (
	"context"
	"sync"
	"time"
)

// Clock is safe for concurrent use; its methods are the shapes the code under test
// injects (Now as `now func() time.Time`, Sleep as `sleep func(ctx, d) error`).
type Clock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

// New returns a clock reading start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Sleep returns at once, having moved the clock on by d and counted it as slept; its
// error is ctx's, as a real sleep cut short would return.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return ctx.Err()
}

// Slept is the total of every Sleep so far.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
