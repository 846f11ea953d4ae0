package webhook

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/alerter/status"
)

func TestSignature(t *testing.T) {
	body := []byte(`{"schema":1}`)
	at := time.Unix(1700000000, 0)
	sig := Sign("k", body, at)
	// Reference value: printf '1700000000.{"schema":1}' | openssl dgst -sha256 -hmac k
	if want := "t=1700000000,v1=f4468e52da6307580ba5ed18e69457447a26ea9222d802da50b52200074c28cb"; sig != want {
		t.Fatalf("got %s; want %s", sig, want)
	}
	for _, tc := range []struct {
		name, secret, body, header string
		now                        time.Time
		wantErr                    bool
	}{
		{"its own body", "k", `{"schema":1}`, sig, at, false},
		{"four minutes later", "k", `{"schema":1}`, sig, at.Add(4 * time.Minute), false},
		{"a clock a minute behind", "k", `{"schema":1}`, sig, at.Add(-time.Minute), false},
		{"replayed six minutes later", "k", `{"schema":1}`, sig, at.Add(6 * time.Minute), true},
		{"another body", "k", `{"schema":2}`, sig, at, true},
		{"another secret", "other", `{"schema":1}`, sig, at, true},
		{"a time changed to pass the window", "k", `{"schema":1}`, strings.Replace(sig, "1700000000", "1700000300", 1), at.Add(6 * time.Minute), true},
		{"a rotated secret's second signature", "k", `{"schema":1}`, "t=1700000000,v1=" + strings.Repeat("0", 64) + "," + sig[len("t=1700000000,"):], at, false},
		{"no time", "k", `{"schema":1}`, sig[len("t=1700000000,"):], at, true},
		{"the old unsigned-time form", "k", `{"schema":1}`, "sha256=e294e6b6e1c2e19e343da0a27ee92a6da05203cac572673acf3422be48b96f74", at, true},
		{"empty", "k", `{"schema":1}`, "", at, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, []byte(tc.body), tc.header, tc.now)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Verify = %v; want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestRefusesPrivateAddressesByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := SafeClient(time.Second, false).Get(srv.URL)
	if err == nil {
		t.Fatal("got a response from a loopback address; want a refusal")
	}
	resp, err := SafeClient(time.Second, true).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowing private addresses: %v", err)
	}
	resp.Body.Close()
}

// TestRetriesThenDisables sends to an endpoint that fails: each event is retried with
// backoff, and after DisableAfter consecutive failures the endpoint is disabled on the
// rule and the event is parked in DEAD; an endpoint that recovers resets the count.
func TestRetriesThenDisables(t *testing.T) {
	ep := newEndpoint(t, false)
	ep.answer(http.StatusInternalServerError)
	calls := func() int { _, n := ep.answered(); return n }

	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := webhookRule(t, store, "r", ep.srv.URL)
	publish := func(doc filing.DocID) string { return alerttest.Publish(t, js, r, alert.Alert{DocID: doc}).ID }
	var backoffs []int
	var bmu sync.Mutex
	startDeliverer(t, Config{AllowPrivate: true, DisableAfter: 4, Policy: status.Policy{
		MaxAttempts: 10, Timeout: 2 * time.Second,
		Backoff: func(n int) time.Duration {
			bmu.Lock()
			backoffs = append(backoffs, n)
			bmu.Unlock()
			return bus.ExponentialBackoff(10*time.Millisecond, 80*time.Millisecond)(n)
		},
	}}, js, store)

	first := publish("x:1")
	poll.Until(t, 20*time.Second, "the endpoint disabled", func() bool {
		got, _, _ := store.Get(ctx, r.ID)
		return got.Webhook.Disabled
	})
	got, _, _ := store.Get(ctx, r.ID)
	if got.Webhook.Failures != 4 || got.Webhook.LastError == "" || got.Webhook.DisabledAt.IsZero() ||
		got.Webhook.LastFailureAt.IsZero() || !got.Webhook.LastDeliveryAt.IsZero() {
		t.Errorf("got webhook state %+v; want disabled after 4 failures with the last error and its time, never delivered", got.Webhook)
	}
	ep.mu.Lock()
	if len(ep.got) != 1 || len(ep.got[first]) != 4 {
		t.Errorf("got attempt headers by Idempotency-Key %v; want 4 attempts, all with %q", ep.got, first)
	}
	ep.mu.Unlock()
	bmu.Lock()
	if len(backoffs) < 3 || backoffs[0] != 1 || backoffs[2] != 3 {
		t.Errorf("got backoff attempts %v; want one growing delay per retry", backoffs)
	}
	bmu.Unlock()
	dead, _ := js.Stream(ctx, bus.Dead)
	poll.Until(t, 20*time.Second, "one message in DEAD", func() bool { info, _ := dead.Info(ctx); return info.State.Msgs == 1 })
	if got := alerttest.Status(t, store, r.ID); got.Webhook.PendingRetries != 0 {
		t.Errorf("got %d pending retries after the event was parked; want 0", got.Webhook.PendingRetries)
	}

	// Disabled: further events are not attempted.
	publish("x:2")
	time.Sleep(300 * time.Millisecond)
	if n := calls(); n != 4 {
		t.Errorf("a disabled webhook was called: %d attempts", n)
	}
	ep.answer(http.StatusNoContent)

	// Re-enabled, and the endpoint works again: delivered once.
	if _, err := store.Update(ctx, r.ID, func(r *alert.Rule) error {
		r.Webhook.Disabled, r.Webhook.Failures = false, 0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	publish("x:3")
	poll.Until(t, 20*time.Second, "five calls", func() bool { return calls() == 5 })
	// The delivery status says when it last worked, and still what failed before.
	poll.Until(t, 20*time.Second, "the success recorded", func() bool {
		got, _, _ = store.Get(ctx, r.ID)
		return !got.Webhook.LastDeliveryAt.IsZero()
	})
	if got.Webhook.Failures != 0 || got.Webhook.LastError == "" || got.Webhook.LastFailureAt.IsZero() {
		t.Errorf("got webhook state %+v; want no failures pending and the last failure kept", got.Webhook)
	}
}

// TestPendingRetries: the events an endpoint failed wait in the rule's retry queue, one
// each however often they failed, with the time of their next attempt; once delivered
// they leave it. The failure count alone could not say this: two events failing twice
// each are four failures and two pending retries.
func TestPendingRetries(t *testing.T) {
	ep := newEndpoint(t, false)
	ep.answer(http.StatusInternalServerError)
	js, store := alerttest.Start(t)
	r := webhookRule(t, store, "r", ep.srv.URL)
	for _, doc := range []filing.DocID{"x:1", "x:2"} {
		alerttest.Publish(t, js, r, alert.Alert{DocID: doc})
	}
	// The second failure of each event waits 2 s: long enough to be seen waiting.
	backoff := func(n int) time.Duration { return time.Duration(n) * time.Second }
	startDeliverer(t, Config{AllowPrivate: true, DisableAfter: 100, Policy: status.Policy{MaxAttempts: 10, Timeout: 2 * time.Second, Backoff: backoff}},
		js, store)

	var got alert.Rule
	poll.Until(t, 20*time.Second, "each event failed twice", func() bool {
		got = alerttest.Status(t, store, r.ID)
		return got.Webhook.Failures >= 4
	})
	start := time.Now()
	got = alerttest.Status(t, store, r.ID)
	if got.Webhook.PendingRetries != 2 {
		t.Errorf("got %d pending retries after %d failures; want 2 (the events waiting)", got.Webhook.PendingRetries, got.Webhook.Failures)
	}
	if next := got.Webhook.NextRetryAt; next.Before(start.Add(-3*time.Second)) || next.After(start.Add(3*time.Second)) {
		t.Errorf("got the next attempt at %s; want within the 2 s backoff of now (%s)", next, start)
	}
	ep.answer(http.StatusNoContent)
	poll.Until(t, 20*time.Second, "both events delivered and out of the queue", func() bool {
		got = alerttest.Status(t, store, r.ID)
		return got.Webhook.PendingRetries == 0 && got.Webhook.Failures == 0 && !got.Webhook.LastDeliveryAt.IsZero()
	})
	if !got.Webhook.NextRetryAt.IsZero() {
		t.Errorf("got a next attempt at %s with nothing waiting", got.Webhook.NextRetryAt)
	}
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
	slow := webhookRule(t, store, "slow", hanging.srv.URL)
	fast := webhookRule(t, store, "fast", healthy.srv.URL)
	const perEndpoint, maxAttempts = 2, 2
	d, stop := startDeliverer(t, Config{AllowPrivate: true,
		Concurrency: 4, PerEndpoint: perEndpoint, DeferDelay: 50 * time.Millisecond, Policy: status.Policy{MaxAttempts: maxAttempts,
			Timeout: time.Minute, // the hanging endpoint never times out during the test
			Backoff: func(int) time.Duration { return time.Hour }},
	}, js, store)
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
	bustest.WaitDrained(t, js, 20*time.Second, bustest.Durable{Stream: bus.Alerts, Name: d.Consumer().Durable})
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
	ep := newEndpoint(t, false)
	ep.answer(http.StatusBadGateway)
	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := webhookRule(t, store, "r", ep.srv.URL)
	startDeliverer(t, Config{AllowPrivate: true, Policy: status.Policy{MaxAttempts: 3, Backoff: func(int) time.Duration { return 20 * time.Millisecond }}}, js, store)
	alerttest.Publish(t, js, r, alert.Alert{DocID: "x:1"})
	var parked []bus.ParkedMsg
	poll.Until(t, 20*time.Second, "one delivery parked", func() bool { parked, _ = bus.ListParked(ctx, js, 0); return len(parked) == 1 })
	if _, n := ep.answered(); n != 3 {
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
	ep := newEndpoint(t, false)
	calls := func() int { _, n := ep.answered(); return n }
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow=%v", allow), func(t *testing.T) {
			js, store := alerttest.Start(t)
			ctx := context.Background()
			// A rule with a loopback webhook is saved: the delivering server decides.
			r := webhookRule(t, store, "r", ep.srv.URL)
			before := calls()
			startDeliverer(t, Config{AllowPrivate: allow, Policy: status.Policy{MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}},
				js, store)
			alerttest.Publish(t, js, r, alert.Alert{DocID: "x:1"})
			if allow {
				poll.Until(t, 20*time.Second, "the delivery", func() bool { return calls() > before })
				return
			}
			var got alert.Rule
			poll.Until(t, 20*time.Second, "the refusal on the rule", func() bool {
				got, _, _ = store.Get(ctx, r.ID)
				return got.Webhook.LastError != ""
			})
			if !strings.Contains(got.Webhook.LastError, "webhook-allow-private") || calls() != before {
				t.Errorf("last error %q, %d calls; want the server's setting named and no call", got.Webhook.LastError, calls()-before)
			}
		})
	}
}

// New refuses a setting that cannot work, saying which, before it touches anything.
func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative timeout", Config{Policy: status.Policy{Timeout: -time.Second}}, "timeout"},
		{"negative attempts", Config{Policy: status.Policy{MaxAttempts: -1}}, "max attempts"},
		{"negative concurrency", Config{Concurrency: -2}, "concurrency"},
		{"negative per endpoint", Config{PerEndpoint: -1}, "per endpoint"},
		{"negative disable after", Config{DisableAfter: -1}, "disable after"},
		{"negative defer delay", Config{DeferDelay: -time.Second}, "defer delay"},
		{"a client and AllowPrivate", Config{AllowPrivate: true, Client: &http.Client{}}, "AllowPrivate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, Deps{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v; want an error naming %q", err, tc.want)
			}
		})
	}
	if _, err := New(Config{}, Deps{}); err != nil {
		t.Errorf("New with the defaults: %v", err)
	}
}
