package bus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/nats-io/nats.go/jetstream"
)

func publishWithin(js jetstream.JetStream, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), Value: strings.Repeat("x", 100_000)})
	return err
}

// TestFullDiskHeals: when the disk fills, publishing fails as Unavailable (held and
// retried, never parked) and the server says its disk is full; once space is freed,
// JetStream restarts by itself and stores again, with what it held before.
func TestFullDiskHeals(t *testing.T) {
	dir := runtest.SmallVolume(t, "128m")
	e := bustest.ServerAt(t, filepath.Join(dir, "nats"))
	_, js := bustest.JetStream(t, e)
	if err := publishWithin(js, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	filler := runtest.FillDisk(t, dir)
	err := publishWithin(js, 3*time.Second)
	if err == nil || !fault.IsUnavailable(err) {
		t.Fatalf("publishing on a full disk: %v; want an Unavailable error", err)
	}
	poll.UntilGot(t, 10*time.Second, "Storage() to say the disk is full", func() (bool, string) {
		err := e.Storage()
		return err != nil && strings.Contains(err.Error(), "full"), fmt.Sprint(err)
	})

	os.Remove(filler)
	poll.UntilGot(t, 20*time.Second, "Storage() healthy after freeing space", func() (bool, string) {
		err := e.Storage()
		return err == nil, fmt.Sprint(err)
	})
	if err := publishWithin(js, 10*time.Second); err != nil {
		t.Fatalf("publishing after the disk healed: %v", err)
	}
	str, err := js.Stream(context.Background(), bus.Filings)
	if err != nil {
		t.Fatal(err)
	}
	if n := str.CachedInfo().State.Msgs; n < 2 {
		t.Fatalf("FILINGS holds %d messages after healing; want the one from before and the one after", n)
	}
}

// TestSmallVolumes: a 64 MiB volume holds the whole contract (no stream reserves more
// than it can have); a volume too small to run says so at once.
func TestSmallVolumes(t *testing.T) {
	t.Run("64 MiB", func(t *testing.T) {
		dir := runtest.SmallVolume(t, "64m")
		_, js := bustest.Client(t, bustest.ServerAt(t, filepath.Join(dir, "nats")), "test")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := bus.Setup(ctx, js, bus.Options{}); err != nil {
			t.Fatalf("setting up on 64 MiB: %v", err)
		}
	})
	t.Run("16 MiB", func(t *testing.T) {
		dir := runtest.SmallVolume(t, "16m")
		start := time.Now()
		_, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: filepath.Join(dir, "nats")})
		if err == nil || !strings.Contains(err.Error(), "needs at least") || time.Since(start) > 5*time.Second {
			t.Fatalf("starting on 16 MiB: %v after %v; want a refusal at once", err, time.Since(start))
		}
	})
}
