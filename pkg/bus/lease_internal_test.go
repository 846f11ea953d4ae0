package bus

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestLeaseNeverHeldTwice: two live processes of the same worker name (a restart while
// the old process still runs) never both hold the lease: the newer takes it, the older
// finds it lost at its next renewal. A lease not renewed for nearly its TTL is no longer
// trusted, and one that lapsed while NATS was away is taken again if nobody took it.
func TestLeaseNeverHeldTwice(t *testing.T) {
	e, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown()
	nc, err := e.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := Setup(ctx, js, Options{}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	old, err := TryLease(ctx, js, "k", "host:/data", log)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Release()
	restarted, err := TryLease(ctx, js, "k", "host:/data", log)
	if err != nil {
		t.Fatalf("the restarted worker: %v", err)
	}
	defer restarted.Release()
	old.mu.Lock()
	err = old.renewOnce(ctx)
	old.mu.Unlock()
	if !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("the old process renewing after the restart: %v; want ErrLeaseHeld", err)
	}
	restarted.mu.Lock()
	err = restarted.renewOnce(ctx)
	restarted.mu.Unlock()
	if err != nil {
		t.Fatalf("the holder renewing: %v", err)
	}
	if !restarted.Valid() {
		t.Error("a lease just renewed is not valid")
	}
	restarted.renewed.Store(time.Now().Add(-(LeaseTTL - leaseMargin)).UnixNano())
	if restarted.Valid() {
		t.Error("a lease not renewed for its TTL less the margin is still trusted")
	}

	// Lapsed (deleted here, as the TTL would) and nobody took it: taken again.
	kv, _ := KV(ctx, js, BucketLeases)
	if err := kv.Purge(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	restarted.mu.Lock()
	err = restarted.renewOnce(ctx)
	restarted.mu.Unlock()
	if err != nil || !restarted.Valid() {
		t.Fatalf("renewing a lapsed lease nobody took: %v, valid %v", err, restarted.Valid())
	}
}
