// Package bustest starts a real embedded JetStream server for tests, with the contract set
// up, storing under the test's temporary directory.
package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server starts an embedded server in a temporary directory and stops it when the test ends.
func Server(tb testing.TB) *bus.Embedded {
	tb.Helper()
	e, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: tb.TempDir(), Listen: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Shutdown)
	return e
}

// JetStream connects to e, sets up the contract and returns the JetStream handle.
func JetStream(tb testing.TB, e *bus.Embedded) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := e.Connect(tb.Name())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.Setup(ctx, js, bus.Options{}); err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// KV opens the contract's bucket (bus.KV) over js.
func KV(tb testing.TB, js jetstream.JetStream, bucket string) jetstream.KeyValue {
	tb.Helper()
	kv, err := bus.KV(context.Background(), js, bucket)
	if err != nil {
		tb.Fatal(err)
	}
	return kv
}
