package webhook

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/nats-io/nats.go/jetstream"
)

// endpoint is a test receiver that records each request's Idempotency-Key and attempt
// header, answers with the status set by answer (204 until then), and can hold every
// request until released.
type endpoint struct {
	srv      *httptest.Server
	hold     chan struct{}
	release  func()
	status   atomic.Int32
	inFlight atomic.Int32
	most     atomic.Int32
	mu       sync.Mutex
	got      map[string][]string // attempt headers by Idempotency-Key, of answered requests
}

func newEndpoint(t testing.TB, hang bool) *endpoint {
	ep := &endpoint{hold: make(chan struct{}), got: map[string][]string{}}
	ep.answer(http.StatusNoContent)
	var once sync.Once
	ep.release = func() { once.Do(func() { close(ep.hold) }) }
	if !hang {
		ep.release()
	}
	ep.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n := ep.inFlight.Add(1)
		defer ep.inFlight.Add(-1)
		for m := ep.most.Load(); n > m && !ep.most.CompareAndSwap(m, n); m = ep.most.Load() {
		}
		select {
		case <-ep.hold:
		case <-r.Context().Done():
			return
		}
		ep.mu.Lock()
		key := r.Header.Get(HeaderIdempotency)
		ep.got[key] = append(ep.got[key], r.Header.Get(HeaderAttempt))
		ep.mu.Unlock()
		w.WriteHeader(int(ep.status.Load()))
	}))
	t.Cleanup(ep.srv.Close)
	t.Cleanup(ep.release) // before Close, which waits for the requests it holds
	return ep
}

// answer makes the endpoint answer every request from now on with code.
func (ep *endpoint) answer(code int) { ep.status.Store(int32(code)) }

// answered counts the events (Idempotency-Keys) and the requests answered so far.
func (ep *endpoint) answered() (keys, requests int) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for _, as := range ep.got {
		requests += len(as)
	}
	return len(ep.got), requests
}

// startDeliverer runs a deliverer with cfg over js and store until the test ends; stop
// stops it sooner and says how Run returned.
func startDeliverer(t testing.TB, cfg Config, js jetstream.JetStream, store *alert.Store) (d *Deliverer, stop func() error) {
	t.Helper()
	d, err := New(cfg, Deps{JS: js, Rules: store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return d, runtest.Go(t, d.Run)
}

// webhookRule saves a rule named name, matching "x", whose webhook posts to url.
func webhookRule(t testing.TB, store *alert.Store, name, url string) alert.Rule {
	t.Helper()
	return alerttest.Create(t, store, alert.Rule{Name: name, Query: "x", Webhook: &alert.Webhook{URL: url, Secret: "s-" + name}})
}
