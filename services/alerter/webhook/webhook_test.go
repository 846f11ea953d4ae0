package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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
	var mu sync.Mutex
	code, calls := http.StatusInternalServerError, 0
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		keys = append(keys, r.Header.Get(HeaderIdempotency))
		w.WriteHeader(code)
	}))
	defer srv.Close()

	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := alerttest.Create(t, store, alert.Rule{Name: "r", Query: "x", Webhook: &alert.Webhook{URL: srv.URL, Secret: "s"}})
	publish := func(doc filing.DocID) string { return alerttest.Publish(t, js, r, alert.Alert{DocID: doc}).ID }
	var backoffs []int
	var bmu sync.Mutex
	d := New(Config{AllowPrivate: true, DisableAfter: 4, Policy: status.Policy{
		MaxAttempts: 10, Timeout: 2 * time.Second,
		Backoff: func(n int) time.Duration {
			bmu.Lock()
			backoffs = append(backoffs, n)
			bmu.Unlock()
			return bus.ExponentialBackoff(10*time.Millisecond, 80*time.Millisecond)(n)
		},
	}}, js, store, slog.New(slog.DiscardHandler))
	runtest.Go(t, d.Run)

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
	mu.Lock()
	if calls != 4 {
		t.Errorf("got %d attempts; want 4", calls)
	}
	for _, k := range keys {
		if k != first {
			t.Errorf("got Idempotency-Key %q on a retry; want %q every time", k, first)
		}
	}
	mu.Unlock()
	bmu.Lock()
	if len(backoffs) < 3 || backoffs[0] != 1 || backoffs[2] != 3 {
		t.Errorf("got backoff attempts %v; want one growing delay per retry", backoffs)
	}
	bmu.Unlock()
	dead, _ := js.Stream(ctx, bus.Dead)
	poll.Until(t, 20*time.Second, "one message in DEAD", func() bool { info, _ := dead.Info(ctx); return info.State.Msgs == 1 })
	if got := withRetries(t, store, r.ID); got.Webhook.PendingRetries != 0 {
		t.Errorf("got %d pending retries after the event was parked; want 0", got.Webhook.PendingRetries)
	}

	// Disabled: further events are not attempted.
	publish("x:2")
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	if calls != 4 {
		t.Errorf("a disabled webhook was called: %d attempts", calls)
	}
	code = http.StatusNoContent
	mu.Unlock()

	// Re-enabled, and the endpoint works again: delivered once.
	if _, err := store.Update(ctx, r.ID, func(r *alert.Rule) error {
		r.Webhook.Disabled, r.Webhook.Failures = false, 0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	publish("x:3")
	poll.Until(t, 20*time.Second, "five calls", func() bool { mu.Lock(); defer mu.Unlock(); return calls == 5 })
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
	var mu sync.Mutex
	code, calls := http.StatusInternalServerError, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		w.WriteHeader(code)
	}))
	defer srv.Close()
	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := alerttest.Create(t, store, alert.Rule{Name: "r", Query: "x", Webhook: &alert.Webhook{URL: srv.URL, Secret: "s"}})
	for _, doc := range []filing.DocID{"x:1", "x:2"} {
		a := alert.Alert{ID: alert.AlertID(r.ID, doc), RuleID: r.ID, DocID: doc, MatchedAt: time.Now()}
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: alert.AlertSubject(r.ID, doc), Value: alert.Event{Schema: 1, Type: alert.TypeAlert, Alert: &a}}); err != nil {
			t.Fatal(err)
		}
	}
	// The second failure of each event waits 2 s: long enough to be seen waiting.
	backoff := func(n int) time.Duration { return time.Duration(n) * time.Second }
	d := New(Config{AllowPrivate: true, DisableAfter: 100, Policy: status.Policy{MaxAttempts: 10, Timeout: 2 * time.Second, Backoff: backoff}},
		js, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go d.Run(runCtx)

	var got alert.Rule
	poll.Until(t, 20*time.Second, "each event failed twice", func() bool {
		got = withRetries(t, store, r.ID)
		return got.Webhook.Failures >= 4
	})
	start := time.Now()
	got = withRetries(t, store, r.ID)
	if got.Webhook.PendingRetries != 2 {
		t.Errorf("got %d pending retries after %d failures; want 2 (the events waiting)", got.Webhook.PendingRetries, got.Webhook.Failures)
	}
	if next := got.Webhook.NextRetryAt; next.Before(start.Add(-3*time.Second)) || next.After(start.Add(3*time.Second)) {
		t.Errorf("got the next attempt at %s; want within the 2 s backoff of now (%s)", next, start)
	}
	mu.Lock()
	code = http.StatusNoContent
	mu.Unlock()
	poll.Until(t, 20*time.Second, "both events delivered and out of the queue", func() bool {
		got = withRetries(t, store, r.ID)
		return got.Webhook.PendingRetries == 0 && got.Webhook.Failures == 0 && !got.Webhook.LastDeliveryAt.IsZero()
	})
	if !got.Webhook.NextRetryAt.IsZero() {
		t.Errorf("got a next attempt at %s with nothing waiting", got.Webhook.NextRetryAt)
	}
}

// withRetries reads a rule with its retry queue, as the API shows it.
func withRetries(t testing.TB, store *alert.Store, id string) alert.Rule {
	t.Helper()
	r, _, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	rules := []alert.Rule{r}
	if err := store.WithRetries(context.Background(), rules); err != nil {
		t.Fatal(err)
	}
	return rules[0]
}
