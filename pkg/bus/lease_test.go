package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
)

// TestLease: one holder at a time; the same holder restarted takes its lease back at
// once; a released lease is free at once; a waiter gets it when it is released.
func TestLease(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	a, err := bus.TryLease(ctx, js, "indexer-shard-0-of-2", "host-a:/data", quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.TryLease(ctx, js, "indexer-shard-0-of-2", "host-b:/data", quiet); !errors.Is(err, bus.ErrLeaseHeld) {
		t.Fatalf("a second holder got %v; want ErrLeaseHeld", err)
	}
	other, err := bus.TryLease(ctx, js, "indexer-shard-1-of-2", "host-b:/data", quiet)
	if err != nil {
		t.Fatalf("another lease: %v", err)
	}
	other.Release()
	// The same holder after a crash (its renewals still running here, as in a restart
	// before the lease lapsed) takes it back.
	again, err := bus.TryLease(ctx, js, "indexer-shard-0-of-2", "host-a:/data", quiet)
	if err != nil {
		t.Fatalf("the same holder restarted: %v", err)
	}
	// The crashed process's renewals end (its release is refused: the lease moved on).
	a.Release()
	got := make(chan error, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		l, err := bus.AcquireLease(wctx, js, "indexer-shard-0-of-2", "host-b:/data", quiet)
		if err == nil {
			defer l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the waiter got the lease while it was held: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	again.Release()
	if err := <-got; err != nil {
		t.Fatalf("the waiter: %v", err)
	}
}
