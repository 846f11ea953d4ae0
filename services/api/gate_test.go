package api

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
)

var (
	flooder = netip.MustParseAddr("203.0.113.1")
	other   = netip.MustParseAddr("198.51.100.2")
)

// acquireAsync starts an Acquire and reports its release once granted.
func acquireAsync(ctx context.Context, g *SearchGate, client netip.Addr) <-chan func() {
	got := make(chan func(), 1)
	go func() {
		if release, err := g.Acquire(ctx, client); err == nil {
			got <- release
		}
	}()
	return got
}

func granted(t *testing.T, ch <-chan func(), what string) func() {
	t.Helper()
	select {
	case release := <-ch:
		return release
	case <-time.After(5 * time.Second):
		t.Fatalf("%s was not granted", what)
		return nil
	}
}

// queued waits until client has n searches waiting in the gate: a goroutine started
// to Acquire may not have run yet, however long one sleeps.
func queued(t *testing.T, g *SearchGate, client netip.Addr, n int) {
	t.Helper()
	poll.Until(t, 10*time.Second, fmt.Sprintf("%d searches of %v waiting", n, client), func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		c := g.clients[client]
		return c != nil && len(c.waiting) == n
	})
}

func notGranted(t *testing.T, ch <-chan func(), what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s was granted", what)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSearchGateServesTheWaitingClientFirst(t *testing.T) {
	g := NewSearchGate(2, 2, 16)
	ctx := context.Background()
	// The flooder holds both places and queues more.
	r1 := granted(t, acquireAsync(ctx, g, flooder), "the flooder's first search")
	r2 := granted(t, acquireAsync(ctx, g, flooder), "the flooder's second search")
	var waiting []<-chan func()
	for range 5 {
		waiting = append(waiting, acquireAsync(ctx, g, flooder))
	}
	queued(t, g, flooder, 5) // the flooder's searches queue first
	mine := acquireAsync(ctx, g, other)
	queued(t, g, other, 1)
	notGranted(t, mine, "a search while every place is taken")
	// The first place to free goes to the client with nothing running, although the
	// flooder's searches have waited longer.
	r1()
	release := granted(t, mine, "the other client's search")
	release()
	r2()
	// The flooder's searches queued in whatever order their goroutines ran: each one
	// granted is released, which lets the next in line through.
	grants := make(chan func(), len(waiting))
	for _, q := range waiting {
		go func() { grants <- <-q }()
	}
	for range waiting {
		granted(t, grants, "a queued flooder search")()
	}
}

func TestSearchGatePerClientLimit(t *testing.T) {
	g := NewSearchGate(4, 1, 2)
	ctx := context.Background()
	r := granted(t, acquireAsync(ctx, g, flooder), "the first search")
	second := acquireAsync(ctx, g, flooder)
	queued(t, g, flooder, 1)
	notGranted(t, second, "a second search of a client allowed one at a time")
	granted(t, acquireAsync(ctx, g, other), "another client's search, with places free")()
	// Past its waiting allowance, a client is told so at once.
	third := acquireAsync(ctx, g, flooder)
	queued(t, g, flooder, 2)
	if _, err := g.Acquire(ctx, flooder); !errors.Is(err, ErrTooManySearches) {
		t.Fatalf("got %v; want ErrTooManySearches", err)
	}
	r()
	granted(t, second, "the second search")()
	granted(t, third, "the third search")()
}

func TestSearchGateGivingUpFreesNothingItDidNotHold(t *testing.T) {
	g := NewSearchGate(1, 1, 4)
	r := granted(t, acquireAsync(context.Background(), g, flooder), "the first search")
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() { _, err := g.Acquire(ctx, other); waiting <- err }()
	queued(t, g, other, 1) // it gives up waiting, not before it waits
	cancel()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want the context's error", err)
	}
	r()
	granted(t, acquireAsync(context.Background(), g, other), "a search after the one that gave up")()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running != 0 || len(g.turn) != 0 || len(g.clients) != 0 {
		t.Fatalf("the gate keeps %d running, %d in line, %d clients; want none", g.running, len(g.turn), len(g.clients))
	}
}
