package api

import (
	"container/list"
	"errors"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Connection bounds of the public HTTP server. A client that opens connections and
// stalls, or keeps thousands of them open, must not hold the process's file
// descriptors: JetStream needs them for its files, and a stage that cannot open one
// stays broken after the flood has gone.
const (
	serverReadHeaderTimeout = 10 * time.Second
	// serverReadTimeout covers a whole request, body included (at most 4 MiB, a
	// CourtListener webhook event).
	serverReadTimeout = time.Minute
	serverIdleTimeout = time.Minute
	maxHeaderBytes    = 64 << 10
)

// NewServer is the HTTP server every docketwatch listener uses, with h traced: every
// phase of a connection bounded, its connections tracked by conns (see Wrap; nil tracks
// nothing). Answers are not bounded in time (exports and PDFs stream for as long as they
// take); the connection cap bounds what slow readers can hold.
func NewServer(h http.Handler, conns *ConnLimit) *http.Server {
	return &http.Server{
		Handler: tracing.Handler(h), MaxHeaderBytes: maxHeaderBytes,
		ReadHeaderTimeout: serverReadHeaderTimeout, ReadTimeout: serverReadTimeout, IdleTimeout: serverIdleTimeout,
		ConnState: conns.track,
	}
}

// DefaultMaxConns is the connection cap for a process allowed openFiles descriptors: a
// quarter of them, so that JetStream, the index and the extraction children keep the
// rest.
func DefaultMaxConns(openFiles uint64) int {
	return int(min(max(openFiles/4, 32), 16384))
}

// ConnLimit is the policy's connection cap.
func (p Policy) ConnLimit() *ConnLimit {
	if p.MaxConns > 0 {
		return NewConnLimit(p.MaxConns)
	}
	return NewConnLimit(DefaultMaxConns(OpenFilesLimit()))
}

// OpenFilesLimit is the process's limit on open file descriptors (the Go runtime has
// already raised the soft limit to the hard one).
func OpenFilesLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1024
	}
	return lim.Cur
}

// ConnLimit caps a server's open connections. At the cap, a new connection takes the
// place of the connection that has waited longest without a request under way (idle
// between keep-alive requests, or opened and silent), as nginx reuses its idle
// keep-alive connections when it runs out: a flood of parked connections cannot lock
// out a client that has something to ask. Only when every connection is busy does the
// next one wait in the kernel's backlog until one ends.
type ConnLimit struct {
	max int

	mu    sync.Mutex
	freed *sync.Cond
	open  map[*limitedConn]*list.Element // every open connection; its element while it waits
	// waiting are the connections without a request under way, longest waiting first.
	waiting *list.List
}

// NewConnLimit returns a cap of max connections.
func NewConnLimit(max int) *ConnLimit {
	c := &ConnLimit{max: max, open: map[*limitedConn]*list.Element{}, waiting: list.New()}
	c.freed = sync.NewCond(&c.mu)
	return c
}

// Wrap puts ln's connections under the cap.
func (c *ConnLimit) Wrap(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, limit: c}
}

// Open is how many connections are open.
func (c *ConnLimit) Open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open)
}

// admit makes room for conn, closing the longest-waiting connection at the cap, or
// waiting for one to end when every connection is busy.
func (c *ConnLimit) admit(conn *limitedConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.open) >= c.max {
		if oldest := c.waiting.Front(); oldest != nil {
			victim := oldest.Value.(*limitedConn)
			c.forget(victim)
			// Closing makes the server's read fail, which ends its goroutine; the
			// closed state arrives later and finds the connection forgotten.
			_ = victim.Conn.Close()
			continue
		}
		c.freed.Wait()
	}
	c.open[conn] = c.waiting.PushBack(conn)
}

// forget drops conn from the books; c.mu is held.
func (c *ConnLimit) forget(conn *limitedConn) {
	e, ok := c.open[conn]
	if !ok {
		return
	}
	if e != nil {
		c.waiting.Remove(e)
	}
	delete(c.open, conn)
	c.freed.Signal()
}

// track is the server's ConnState hook.
func (c *ConnLimit) track(conn net.Conn, state http.ConnState) {
	if c == nil {
		return
	}
	lc, ok := conn.(*limitedConn)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, known := c.open[lc]
	if !known {
		return
	}
	switch state {
	case http.StateActive:
		if e != nil {
			c.waiting.Remove(e)
			c.open[lc] = nil
		}
	case http.StateIdle:
		if e == nil {
			c.open[lc] = c.waiting.PushBack(lc)
		}
	case http.StateHijacked, http.StateClosed:
		c.forget(lc)
	}
}

type limitedListener struct {
	net.Listener
	limit *ConnLimit
}

func (l *limitedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &limitedConn{Conn: conn, limit: l.limit}
	l.limit.admit(lc)
	return lc, nil
}

// limitedConn forgets itself when closed, whoever closes it.
type limitedConn struct {
	net.Conn
	limit *ConnLimit
	once  sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.limit.mu.Lock()
		c.limit.forget(c)
		c.limit.mu.Unlock()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
