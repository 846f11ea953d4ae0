// Package clock holds the waits that code with an injectable clock defaults to.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or less when ctx ends first, and then returns ctx's error. It is the
// default of every injectable sleep (fetcher.Deps.Sleep, courtlistener.Config.Sleep)
// and the wait of bus.Retry.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
