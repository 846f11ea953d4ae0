package fanout

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEachCallsEveryItemWithinTheBound(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {100, 3}, {7, 0}} {
		var running, most atomic.Int32
		var mu sync.Mutex
		seen := map[int]int{}
		err := Each(context.Background(), tc.n, tc.workers, func(i int) {
			now := running.Add(1)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			mu.Lock()
			seen[i]++
			mu.Unlock()
			running.Add(-1)
		})
		if err != nil {
			t.Fatalf("n=%d workers=%d: %v", tc.n, tc.workers, err)
		}
		if len(seen) != tc.n {
			t.Errorf("n=%d: %d items called, want all", tc.n, len(seen))
		}
		for i, c := range seen {
			if c != 1 || i < 0 || i >= tc.n {
				t.Errorf("n=%d: item %d called %d times", tc.n, i, c)
			}
		}
		if bound := int32(max(tc.workers, 1)); most.Load() > bound {
			t.Errorf("n=%d workers=%d: %d at once, want at most %d", tc.n, tc.workers, most.Load(), bound)
		}
	}
}

func TestEachStopsStartingOnceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var called atomic.Int32
	err := Each(ctx, 1000, 1, func(i int) {
		if called.Add(1) == 5 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	// One worker: the fifth call cancels before the sixth can start.
	if n := called.Load(); n != 5 {
		t.Errorf("%d items called after cancelling at the fifth; want 5", n)
	}
}
