package run

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/prometheus/client_golang/prometheus"
)

func TestOpsHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "docketwatch_test_things_total", Help: "Things."})
	reg.MustRegister(c)
	c.Add(3)
	// The handler reads why on the server's goroutines.
	var why atomic.Pointer[error]
	srv := httptest.NewServer(OpsHandler(reg, func() error { return *why.Load() }, nil))
	defer srv.Close()

	tests := []struct {
		name     string
		path     string
		why      error
		wantCode int
		wantBody string
	}{
		{"live", "/healthz", nil, 200, "ok\n"},
		{"live while unready", "/healthz", errors.New("index closed"), 200, "ok\n"},
		{"ready", "/readyz", nil, 200, "ready\n"},
		{"unready says why", "/readyz", errors.New("index closed"), 503, "not ready: index closed\n"},
		{"metrics", "/metrics", nil, 200, "docketwatch_test_things_total 3\n"},
		{"nothing else", "/", nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why.Store(&tt.why)
			r := webtest.Get(t, srv.URL+tt.path)
			if r.Status != tt.wantCode || !strings.Contains(string(r.Body), tt.wantBody) {
				t.Errorf("GET %s: got %d %q; want %d with %q", tt.path, r.Status, r.Body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// TestReadiness walks a process's readiness through its life: setting up, up, a check
// failing, a connection lost, stopping.
func TestReadiness(t *testing.T) {
	srv := bustest.Server(t)
	nc, _ := bustest.Client(t, srv, "stage")

	r := NewReadiness(errors.New("setting up"))
	r.Watch(nc)
	wantErr(t, "before start", r.Check(), "setting up")
	r.Started()
	wantErr(t, "started", r.Check(), "")
	var lease error
	r.Add(func() error { return lease })
	lease = errors.New("waiting for the lease")
	wantErr(t, "a check failing", r.Check(), "waiting for the lease")
	lease = nil
	wantErr(t, "the check passing", r.Check(), "")

	srv.Shutdown()
	poll.Until(t, 5*time.Second, "the connection to see the server gone", func() bool { return !nc.IsConnected() })
	wantErr(t, "server gone", r.Check(), "nats connection stage is")
	r.Stop()
	wantErr(t, "stopping", r.Check(), "stopping")
}

func wantErr(t testing.TB, when string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: got %v; want ready", when, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: got %v; want an error with %q", when, err, want)
	}
}

// stuckCollector is a collector that hangs until released, saying when a scrape reached it.
type stuckCollector struct {
	entered chan struct{}
	release chan struct{}
}

func (c stuckCollector) Describe(chan<- *prometheus.Desc) {} // unchecked
func (c stuckCollector) Collect(chan<- prometheus.Metric) {
	c.entered <- struct{}{}
	<-c.release
}

// TestOpsHandlerBoundsScrapes: while two scrapes hang on a collector, a third is turned
// away at once with 503 rather than piling up, and the two finish once it answers.
func TestOpsHandlerBoundsScrapes(t *testing.T) {
	stuck := stuckCollector{entered: make(chan struct{}, 4), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	reg.MustRegister(stuck)
	srv := httptest.NewServer(OpsHandler(reg, func() error { return nil }, nil))
	defer srv.Close()
	released := false
	release := func() {
		if !released {
			released = true
			close(stuck.release)
		}
	}
	defer release()

	codes := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := http.Get(srv.URL + "/metrics")
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range 2 {
		select {
		case <-stuck.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("two scrapes did not reach the collector")
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("a third scrape while two hang: %v; want 503 at once", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a third scrape while two hang: %d; want 503", resp.StatusCode)
	}
	release()
	for range 2 {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a hanging scrape ended with %d; want 200 once the collector answered", code)
		}
	}
}

// TestServeOpsBoundsConnections: the ops server bounds every phase of a connection, and
// lets a scrape run to promhttp's own timeout.
func TestServeOpsBoundsConnections(t *testing.T) {
	srv, err := ServeOps("127.0.0.1:0", http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.WriteTimeout <= scrapeTimeout {
		t.Errorf("timeouts: read header %v, read %v, write %v, idle %v; want all set, write above %v",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, scrapeTimeout)
	}
}
