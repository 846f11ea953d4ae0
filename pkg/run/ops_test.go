package run

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/prometheus/client_golang/prometheus"
)

func TestOpsHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "docketwatch_test_things_total", Help: "Things."})
	reg.MustRegister(c)
	c.Add(3)
	// The handler reads why on the server's goroutines.
	var why atomic.Pointer[error]
	srv := httptest.NewServer(OpsHandler(reg, func() error { return *why.Load() }))
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
			code, body := get(t, srv.URL+tt.path)
			if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET %s: got %d %q; want %d with %q", tt.path, code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// TestReadiness walks a process's readiness through its life: setting up, up, a check
// failing, a connection lost, stopping.
func TestReadiness(t *testing.T) {
	srv, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect("stage")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	r := newReadiness(errors.New("setting up"))
	r.watch(nc)
	wantErr(t, "before start", r.Check(), "setting up")
	r.started()
	wantErr(t, "started", r.Check(), "")
	var lease error
	r.Add(func() error { return lease })
	lease = errors.New("waiting for the lease")
	wantErr(t, "a check failing", r.Check(), "waiting for the lease")
	lease = nil
	wantErr(t, "the check passing", r.Check(), "")

	srv.Shutdown()
	deadline := time.Now().Add(5 * time.Second)
	for nc.IsConnected() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	wantErr(t, "server gone", r.Check(), "nats connection stage is")
	r.stop()
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

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
