package api

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// SearchGate bounds the searches a process runs at once, overall and per client, and
// serves the waiting ones client by client in turn. The rate limit counts requests, not
// their cost: without the gate, a few clients looping on costly queries hold every core
// and another client's one-word search waits behind all of them. With it, a client's
// searches queue behind its own, and a waiting client is served as soon as a place
// frees, whatever the flooding client has queued.
type SearchGate struct {
	total, perClient, maxWaiting int

	mu      sync.Mutex
	running int
	clients map[netip.Addr]*gateClient
	// turn lists the clients with searches waiting, in the order they will be served.
	turn []netip.Addr
}

type gateClient struct {
	running int
	waiting []chan struct{}
}

// ErrTooManySearches is the answer to a client that has more searches waiting than a
// client may.
var ErrTooManySearches = errors.New("too many searches under way")

// NewSearchGate returns a gate of total searches at once (0: the process's cores, at
// least 2), perClient of them for one client (0: half of total, at least 1), and
// maxWaiting searches queued per client (0: 16).
func NewSearchGate(total, perClient, maxWaiting int) *SearchGate {
	total = config.Default(total, max(runtime.GOMAXPROCS(0), 2))
	perClient = config.Default(perClient, max(total/2, 1))
	maxWaiting = config.Default(maxWaiting, 16)
	return &SearchGate{total: total, perClient: min(perClient, total), maxWaiting: maxWaiting, clients: map[netip.Addr]*gateClient{}}
}

// Acquire waits for a place for client's search; release gives it back. It returns
// ErrTooManySearches when client already has maxWaiting searches waiting, and ctx's
// error when ctx ends first.
func (g *SearchGate) Acquire(ctx context.Context, client netip.Addr) (release func(), err error) {
	g.mu.Lock()
	c := g.clients[client]
	if c == nil {
		c = &gateClient{}
		g.clients[client] = c
	}
	if len(c.waiting) == 0 && c.running < g.perClient && g.running < g.total {
		c.running++
		g.running++
		g.mu.Unlock()
		return g.releaser(client), nil
	}
	if len(c.waiting) >= g.maxWaiting {
		g.dropIfIdle(client, c)
		g.mu.Unlock()
		return nil, fmt.Errorf("%w: %d of yours wait already", ErrTooManySearches, g.maxWaiting)
	}
	ready := make(chan struct{})
	if len(c.waiting) == 0 {
		g.turn = append(g.turn, client)
	}
	c.waiting = append(c.waiting, ready)
	g.mu.Unlock()

	select {
	case <-ready:
		return g.releaser(client), nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-ready: // granted while giving up: hand the place on
			g.release(client)
		default:
			g.unqueue(client, c, ready)
		}
		return nil, ctx.Err()
	}
}

// releaser returns the release of one place of client's, safe to call twice.
func (g *SearchGate) releaser(client netip.Addr) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.release(client)
		})
	}
}

// release frees a place of client's and grants the waiting searches their turn; g.mu is held.
func (g *SearchGate) release(client netip.Addr) {
	c := g.clients[client]
	c.running--
	g.running--
	g.dropIfIdle(client, c)
	g.grant()
}

// grant gives free places to waiting searches: each to the waiting client with the
// fewest searches running (the first in line among equals), so a client that has
// nothing running is served before one that already has; g.mu is held.
func (g *SearchGate) grant() {
	for g.running < g.total {
		best := -1
		for i, client := range g.turn {
			c := g.clients[client]
			if c.running < g.perClient && (best < 0 || c.running < g.clients[g.turn[best]].running) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		client := g.turn[best]
		c := g.clients[client]
		close(c.waiting[0])
		c.waiting = c.waiting[1:]
		c.running++
		g.running++
		// The client goes to the back of the line, or leaves it with nothing waiting.
		g.turn = append(g.turn[:best], g.turn[best+1:]...)
		if len(c.waiting) > 0 {
			g.turn = append(g.turn, client)
		}
	}
}

// unqueue removes a waiting search that gave up; g.mu is held.
func (g *SearchGate) unqueue(client netip.Addr, c *gateClient, ready chan struct{}) {
	for i, w := range c.waiting {
		if w == ready {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			break
		}
	}
	if len(c.waiting) == 0 {
		for i, a := range g.turn {
			if a == client {
				g.turn = append(g.turn[:i], g.turn[i+1:]...)
				break
			}
		}
	}
	g.dropIfIdle(client, c)
}

// dropIfIdle forgets a client with nothing running or waiting, so the table holds only
// the clients searching now; g.mu is held.
func (g *SearchGate) dropIfIdle(client netip.Addr, c *gateClient) {
	if c.running == 0 && len(c.waiting) == 0 {
		delete(g.clients, client)
	}
}

// Searcher returns s with every Search passing through the gate as the client Protect
// put in its context (requests that did not pass Protect share one client).
func (g *SearchGate) Searcher(s search.Searcher) search.Searcher {
	if g == nil || s == nil {
		return s
	}
	return gatedSearcher{s, g}
}

// Readers are what a handler reads the index through: s behind the gate, and docs, or
// s's own documents when docs is nil (a local or remote index serves both).
func (g *SearchGate) Readers(s search.Searcher, docs search.Documents) (search.Searcher, search.Documents) {
	if docs == nil {
		docs, _ = s.(search.Documents)
	}
	return g.Searcher(s), docs
}

type gatedSearcher struct {
	search.Searcher
	gate *SearchGate
}

func (s gatedSearcher) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	release, err := s.gate.Acquire(ctx, clientFrom(ctx))
	if err != nil {
		return nil, err
	}
	defer release()
	return s.Searcher.Search(ctx, q)
}

type clientKeyType struct{}

// withClient records the client Protect identified (an IPv4 address or an IPv6 /64).
func withClient(ctx context.Context, client netip.Addr) context.Context {
	return context.WithValue(ctx, clientKeyType{}, client)
}

func clientFrom(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(clientKeyType{}).(netip.Addr)
	return a
}
