package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/alerter/status"
)

// endpoint is a test receiver that records each request's Idempotency-Key and attempt
// header, and can hold every request until released.
type endpoint struct {
	srv      *httptest.Server
	hold     chan struct{}
	release  func()
	inFlight atomic.Int32
	most     atomic.Int32
	mu       sync.Mutex
	got      map[string][]string // attempt headers by Idempotency-Key, of answered requests
}

func newEndpoint(t *testing.T, hang bool) *endpoint {
	ep := &endpoint{hold: make(chan struct{}), got: map[string][]string{}}
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
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ep.srv.Close)
	t.Cleanup(ep.release) // before Close, which waits for the requests it holds
	return ep
}

func (ep *endpoint) answered() (keys, requests int) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for _, as := range ep.got {
		requests += len(as)
	}
	return len(ep.got), requests
}

// TestHangingEndpointHoldsOnlyItsShare: one rule's endpoint hangs with more events than
// the deliverer has workers; another rule's endpoint gets all its 20 events while the
// first still hangs, the hanging one never sees more than PerEndpoint requests at once,
// and once it answers, every one of its events arrives exactly once, as a first attempt
// (the deliveries deferred while it was busy are not attempts, though there are more of
// them than MaxAttempts), with its rule's failure count untouched and nothing parked.
// A deferral waits DeferDelay, not the consumer's Backoff (an hour here, which would
// keep the deferred events away for the whole test).
func TestHangingEndpointHoldsOnlyItsShare(t *testing.T) {
	hanging, healthy := newEndpoint(t, true), newEndpoint(t, false)

	js, store := alerttest.Start(t)
	ctx := context.Background()
	slow := alerttest.Create(t, store, alert.Rule{Name: "slow", Query: "x", Webhook: &alert.Webhook{URL: hanging.srv.URL, Secret: "a"}})
	fast := alerttest.Create(t, store, alert.Rule{Name: "fast", Query: "x", Webhook: &alert.Webhook{URL: healthy.srv.URL, Secret: "b"}})
	const perEndpoint, maxAttempts = 2, 2
	d := New(Config{AllowPrivate: true,
		Concurrency: 4, PerEndpoint: perEndpoint, DeferDelay: 50 * time.Millisecond, Policy: status.Policy{MaxAttempts: maxAttempts,
			Timeout: time.Minute, // the hanging endpoint never times out during the test
			Backoff: func(int) time.Duration { return time.Hour }},
	}, js, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	stop := runtest.Go(t, d.Run)
	defer func() {
		hanging.release()
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	publish := func(r alert.Rule, doc filing.DocID) { alerttest.Publish(t, js, r, alert.Alert{DocID: doc}) }
	// The hanging endpoint's events first: without a per-endpoint bound they take every worker.
	const slowEvents, fastEvents = 8, 20
	for i := range slowEvents {
		publish(slow, filing.DocID(fmt.Sprintf("x:slow-%d", i)))
	}
	for i := range fastEvents {
		publish(fast, filing.DocID(fmt.Sprintf("x:fast-%d", i)))
	}

	poll.Until(t, 20*time.Second, "every event of the healthy endpoint answered", func() bool { keys, _ := healthy.answered(); return keys == fastEvents })
	if _, requests := hanging.answered(); requests != 0 {
		t.Fatalf("the hanging endpoint answered %d requests before its release", requests)
	}
	if keys, requests := healthy.answered(); requests != fastEvents {
		t.Errorf("the healthy endpoint got %d requests for %d events; want one each", requests, keys)
	}
	// Let the waiting events be deferred more often than MaxAttempts.
	poll.Until(t, 20*time.Second, "an event deferred more often than maxAttempts", func() bool {
		d.ends.mu.Lock()
		defer d.ends.mu.Unlock()
		for _, n := range d.ends.deferred {
			if n > maxAttempts {
				return true
			}
		}
		return false
	})

	hanging.release()
	poll.Until(t, 20*time.Second, "every event of the hanging endpoint answered", func() bool { keys, _ := hanging.answered(); return keys == slowEvents })
	// A second copy could only come from a message not yet acknowledged: wait until
	// every event's message is.
	poll.Until(t, 20*time.Second, "the consumer drained", func() bool {
		cons, err := js.Consumer(ctx, bus.Alerts, d.Consumer().Durable)
		if err != nil {
			return false
		}
		ci, err := cons.Info(ctx)
		return err == nil && ci.NumPending == 0 && ci.NumAckPending == 0
	})
	hanging.mu.Lock()
	for key, attempts := range hanging.got {
		if len(attempts) != 1 || attempts[0] != strconv.Itoa(1) {
			t.Errorf("%s arrived with attempt headers %v; want one first attempt", key, attempts)
		}
	}
	hanging.mu.Unlock()
	if most := hanging.most.Load(); most > perEndpoint {
		t.Errorf("the hanging endpoint had %d requests at once; want at most %d", most, perEndpoint)
	}
	if r, _, err := store.Get(ctx, slow.ID); err != nil || r.Webhook.Failures != 0 || r.Webhook.Disabled {
		t.Errorf("slow rule's webhook %+v (%v); a busy endpoint is not a failing one", r.Webhook, err)
	}
	if parked, err := bus.ListParked(ctx, js, 0); err != nil || len(parked) != 0 {
		t.Errorf("DEAD holds %+v (%v); want nothing", parked, err)
	}
}

// TestLastAttemptIsParked: deferrals raise the consumer's delivery limit, so the
// deliverer itself parks an event after MaxAttempts failed attempts, with the cause.
func TestLastAttemptIsParked(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := alerttest.Create(t, store, alert.Rule{Name: "r", Query: "x", Webhook: &alert.Webhook{URL: srv.URL, Secret: "s"}})
	d := New(Config{AllowPrivate: true, Policy: status.Policy{MaxAttempts: 3, Backoff: func(int) time.Duration { return 20 * time.Millisecond }}}, js, store,
		slog.New(slog.DiscardHandler))
	runtest.Go(t, d.Run)
	alerttest.Publish(t, js, r, alert.Alert{DocID: "x:1"})
	var parked []bus.ParkedMsg
	poll.Until(t, 20*time.Second, "one delivery parked", func() bool { parked, _ = bus.ListParked(ctx, js, 0); return len(parked) == 1 })
	if n := calls.Load(); n != 3 {
		t.Errorf("endpoint called %d times; want MaxAttempts=3", n)
	}
	if want := "webhook failed 3 attempts, the last: webhook answered 502 Bad Gateway"; parked[0].Reason != want {
		t.Errorf("reason %q; want %q", parked[0].Reason, want)
	}
}

func TestEndpointOf(t *testing.T) {
	tests := []struct{ a, b string }{
		{"https://hooks.example.com/services/T1", "https://hooks.example.com:443/services/T2"},
		{"HTTPS://Hooks.Example.COM/x", "https://hooks.example.com/y"},
		{"http://h.example/x", "http://h.example:80/y"},
		{"https://[2001:db8::1]/x", "https://[2001:db8::1]:443/y"},
	}
	for _, tt := range tests {
		if a, b := endpointOf(tt.a), endpointOf(tt.b); a != b {
			t.Errorf("endpointOf(%q) = %q, endpointOf(%q) = %q; want one endpoint", tt.a, a, tt.b, b)
		}
	}
	apart := [][2]string{
		{"https://h.example/x", "http://h.example/x"},       // another scheme, another port
		{"https://h.example/x", "https://h.example:8443/x"}, // another port
		{"https://h.example/x", "https://g.example/x"},
	}
	for _, p := range apart {
		if a, b := endpointOf(p[0]), endpointOf(p[1]); a == b {
			t.Errorf("endpointOf(%q) and endpointOf(%q) are both %q; want two endpoints", p[0], p[1], a)
		}
	}
}

// TestDeferDelayIsShortAndJittered: the wait of a deferred event is DeferDelay plus up
// to half of it, and the default covers deferWindow with the deferrals the consumer
// allows.
func TestDeferDelayIsShortAndJittered(t *testing.T) {
	c := Config{}.withDefaults()
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 2000 {
		d := c.deferDelay()
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < time.Second || hi > 1500*time.Millisecond || hi-lo < 250*time.Millisecond {
		t.Errorf("deferDelay ranged over [%v, %v]; want within [1s, 1.5s] and spread", lo, hi)
	}
	if got := time.Duration(c.maxDeferrals()) * c.DeferDelay; got < deferWindow {
		t.Errorf("%d deferrals of at least %v wait %v; want at least %v", c.maxDeferrals(), c.DeferDelay, got, deferWindow)
	}
}

// TestDeliveringServerDecidesPrivateAddresses: a rule whose webhook is on loopback is
// saved whatever the saving process's environment; the deliverer's own AllowPrivate (the
// alerter's --webhook-allow-private) decides, and a refusal is on the rule, with why.
func TestDeliveringServerDecidesPrivateAddresses(t *testing.T) {
	t.Setenv("DOCKETWATCH_WEBHOOK_ALLOW_PRIVATE", "") // the saving side's environment plays no part
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow=%v", allow), func(t *testing.T) {
			js, store := alerttest.Start(t)
			ctx := context.Background()
			// A rule with a loopback webhook is saved: the delivering server decides.
			r := alerttest.Create(t, store, alert.Rule{Name: "r", Query: "x", Webhook: &alert.Webhook{URL: srv.URL, Secret: "s"}})
			before := calls.Load()
			d := New(Config{AllowPrivate: allow, Policy: status.Policy{MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}},
				js, store, slog.New(slog.DiscardHandler))
			runtest.Go(t, d.Run)
			alerttest.Publish(t, js, r, alert.Alert{DocID: "x:1"})
			if allow {
				poll.Until(t, 20*time.Second, "the delivery", func() bool { return calls.Load() > before })
				return
			}
			var got alert.Rule
			poll.Until(t, 20*time.Second, "the refusal on the rule", func() bool {
				got, _, _ = store.Get(ctx, r.ID)
				return got.Webhook.LastError != ""
			})
			if !strings.Contains(got.Webhook.LastError, "webhook-allow-private") || calls.Load() != before {
				t.Errorf("last error %q, %d calls; want the server's setting named and no call", got.Webhook.LastError, calls.Load()-before)
			}
		})
	}
}
