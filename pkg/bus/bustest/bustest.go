// Package bustest starts a real embedded JetStream server for tests, with the contract set
// up, storing under the test's temporary directory, and connects the test's clients to it
// or to a server another process runs.
package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server starts an embedded server in a temporary directory and stops it when the test ends.
func Server(tb testing.TB) *bus.Embedded {
	tb.Helper()
	return ServerAt(tb, tb.TempDir())
}

// ServerAt starts an embedded server storing in dir (a small volume, the data directory
// a process left behind) and stops it when the test ends.
func ServerAt(tb testing.TB, dir string) *bus.Embedded {
	tb.Helper()
	e, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: dir, Listen: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Shutdown)
	return e
}

// Start is JetStream on a fresh Server: a test's own server with the contract set up,
// for the many tests that need no other handle on either.
func Start(tb testing.TB) jetstream.JetStream {
	tb.Helper()
	_, js := JetStream(tb, Server(tb))
	return js
}

// JetStream connects to e, sets up the contract and returns the JetStream handle.
func JetStream(tb testing.TB, e *bus.Embedded) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := e.Connect(tb.Name())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js := handle(tb, nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.Setup(ctx, js, bus.Options{}); err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// Client opens one more connection to e, named name, for a component that must not
// share the test's (a second buyer, a stage of its own); it closes when the test ends.
// Unlike JetStream it sets nothing up.
func Client(tb testing.TB, e *bus.Embedded, name string) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := e.Connect(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	return nc, handle(tb, nc)
}

// Dial connects to the server or cluster at urls (one another process runs) as name, the
// way a docketwatch component does (bus.Connect); the connection closes when the test ends.
func Dial(tb testing.TB, urls, name string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := bus.Connect(urls, name, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	return nc, handle(tb, nc)
}

func handle(tb testing.TB, nc *nats.Conn) jetstream.JetStream {
	tb.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return js
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

// Count returns how many messages stream holds.
func Count(tb testing.TB, js jetstream.JetStream, stream string) int {
	tb.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return int(info.State.Msgs)
}

// Messages reads every message stream holds now, oldest first, with an ordered consumer
// that leaves no trace on the server. It fails the test if the stream stops answering
// before the last one.
func Messages(tb testing.TB, js jetstream.JetStream, stream string) []jetstream.Msg {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := Count(tb, js, stream)
	out := make([]jetstream.Msg, 0, n)
	if n == 0 {
		return out
	}
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	for len(out) < n {
		batch, err := c.Fetch(min(500, n-len(out)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			tb.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			out = append(out, m)
			got++
		}
		if batch.Error() != nil {
			tb.Fatal(batch.Error())
		}
		if got == 0 {
			tb.Fatalf("read %d of %d messages of %s, then nothing", len(out), n, stream)
		}
	}
	return out
}

// Park puts p on DEAD under its stage, as bus.Park does with a message a stage gives up
// on: for the tests of what lists, shows and retries parked work.
func Park(tb testing.TB, js jetstream.JetStream, p filing.Parked) {
	tb.Helper()
	if _, err := bus.Publish(context.Background(), js, bus.Out{Subject: bus.Subject(bus.Dead, p.Stage), DocID: p.ID, Value: p}); err != nil {
		tb.Fatal(err)
	}
}
