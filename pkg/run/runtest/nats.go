package runtest

import (
	"sync"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is a JetStream server on loopback (bustest.Server) for child processes to join,
// with a client of the test's own. It stops at the end of the test, or before with Stop.
type NATS struct {
	*bus.Embedded
	// JS is the test's client; its connection closes with Stop.
	JS   jetstream.JetStream
	nc   *nats.Conn
	once sync.Once
}

// StartNATS starts the server and connects the test's client; it sets nothing up, as
// the children do.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	n := &NATS{Embedded: bustest.Server(t)}
	n.nc, n.JS = bustest.Client(t, n.Embedded, "test")
	t.Cleanup(n.Stop)
	return n
}

// Env is what a child needs to authenticate: its token.
func (n *NATS) Env() []string { return []string{"DOCKETWATCH_NATS_TOKEN=" + n.Token} }

// Stop closes the client and shuts the server down: the children lose NATS.
func (n *NATS) Stop() {
	n.once.Do(func() {
		n.nc.Close()
		n.Shutdown()
	})
}
