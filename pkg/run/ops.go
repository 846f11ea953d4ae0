package run

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpsHandler answers what operators and orchestrators ask of every docketwatch process:
// GET /metrics from g, GET /healthz "ok" while the process lives (500 "failed: <reason>"
// once live, when set, returns an error: the process cannot go on and wants a restart),
// and GET /readyz "ready", or 503 "not ready: <reason>" while ready returns an error.
// ready and live are called on every probe, from the server's goroutines: they must be
// quick and safe for concurrent use.
func OpsHandler(g prometheus.Gatherer, ready, live func() error) http.Handler {
	mux := http.NewServeMux()
	// The ops port is often on every interface: scrapes are bounded in number and time so
	// that a flood of them, or a collector that hangs, cannot take the process's memory
	// and goroutines. Over the bound a scrape gets 503 and the scraper tries again.
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		MaxRequestsInFlight: 2, Timeout: scrapeTimeout,
		// A collector that fails loses its own metrics, not everyone's, and says so.
		ErrorHandling: promhttp.ContinueOnError, ErrorLog: promLog{},
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if live != nil {
			if err := live(); err != nil {
				http.Error(w, "failed: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}

// scrapeTimeout bounds one /metrics answer; the ops server's WriteTimeout is above it so
// that the scraper gets promhttp's 503 rather than a cut connection.
const scrapeTimeout = 10 * time.Second

// promLog hands promhttp's errors to the default logger of the moment they happen.
type promLog struct{}

func (promLog) Println(v ...any) {
	slog.Default().Error("serving metrics", "err", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// ServeOps listens on addr and serves h there until the returned server is closed. The
// address it listens on (addr may ask for port 0) is the server's Addr, and is logged.
func ServeOps(addr string, h http.Handler, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for metrics: %w", addr, err)
	}
	// Every phase of a connection is bounded: probes and scrapes are small GETs, and a
	// client that opens connections and stalls must not hold them.
	srv := &http.Server{
		Addr: ln.Addr().String(), Handler: h, MaxHeaderBytes: 16 << 10,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: scrapeTimeout + 5*time.Second, IdleTimeout: time.Minute,
	}
	log.Info("serving metrics and probes", "addr", srv.Addr)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return srv, nil
}

// Connected reports the first of conns that is not connected to a server: a stage whose
// connection is reconnecting neither receives nor acknowledges work.
func Connected(conns ...*nats.Conn) error {
	for _, nc := range conns {
		if !nc.IsConnected() {
			return fmt.Errorf("nats connection %s is %s", nc.Opts.Name, nc.Status())
		}
	}
	return nil
}

// Readiness is a process's answer to /readyz: every NATS connection it opened is up, it
// is not stopping, and every check its service added passes.
type Readiness struct {
	mu       sync.Mutex
	conns    []*nats.Conn
	checks   []func() error
	notYet   error // why the process cannot work yet (nil once it can)
	stopping bool
}

// NewReadiness returns a readiness that fails with why until Started is called.
func NewReadiness(why error) *Readiness { return &Readiness{notYet: why} }

// Add adds a check; /readyz answers 503 with its error while it fails. It is called on
// every probe, so it must be quick and safe for concurrent use.
func (r *Readiness) Add(check func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, check)
}

// Check says whether the process can work now, and if not why.
func (r *Readiness) Check() error {
	r.mu.Lock()
	conns, checks, notYet, stopping := r.conns, r.checks, r.notYet, r.stopping
	r.mu.Unlock()
	switch {
	case stopping:
		return errors.New("stopping")
	case notYet != nil:
		return notYet
	}
	if err := Connected(conns...); err != nil {
		return err
	}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// Watch adds a connection that must be up.
func (r *Readiness) Watch(nc *nats.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns = append(r.conns, nc)
}

// Started ends the wait NewReadiness began.
func (r *Readiness) Started() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notYet = nil
}

// Stop makes the process unready for good: the first step of a shutdown, so that traffic
// and probes turn away before the stages drain.
func (r *Readiness) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopping = true
}
