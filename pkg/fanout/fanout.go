// Package fanout works through the items of a slice on a bounded number of goroutines:
// the one way the stages run work in parallel (OCR pages, PDF pages).
package fanout

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Each calls f(i) for every i in [0, n) on at most workers goroutines at once (at
// least one) and waits for those it started. Once ctx ends it starts no more and
// returns ctx's error: the results are then incomplete. f should watch ctx itself to
// end early.
func Each(ctx context.Context, n, workers int, f func(i int)) error {
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil { // it may have ended while Go waited for a goroutine
				f(i)
			}
			return nil
		})
	}
	_ = g.Wait() // f returns no error
	return ctx.Err()
}
