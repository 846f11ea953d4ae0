package runtest

import (
	"sync"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is a JetStream server on loopback for child processes to join, with a client of
// the test's own. It stops at the end of the test, or before with Stop.
type NATS struct {
	*bus.Embedded
	// JS is the test's client; its connection closes with Stop.
	JS   jetstream.JetStream
	nc   *nats.Conn
	once sync.Once
}

// StartNATS starts the server and connects the test's client.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	e, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: t.TempDir(), Listen: true})
	if err != nil {
		t.Fatal(err)
	}
	n := &NATS{Embedded: e}
	t.Cleanup(n.Stop)
	if n.nc, err = e.Connect("test"); err != nil {
		t.Fatal(err)
	}
	if n.JS, err = jetstream.New(n.nc); err != nil {
		t.Fatal(err)
	}
	return n
}

// Env is what a child needs to authenticate: its token.
func (n *NATS) Env() []string { return []string{"DOCKETWATCH_NATS_TOKEN=" + n.Token} }

// Stop closes the client and shuts the server down: the children lose NATS.
func (n *NATS) Stop() {
	n.once.Do(func() {
		if n.nc != nil {
			n.nc.Close()
		}
		n.Shutdown()
	})
}
