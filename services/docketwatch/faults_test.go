package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/webtest"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	"github.com/docketwatch/docketwatch/services/alerter/email/smtptest"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/nats-io/nats.go/jetstream"
)

// TestNATSUnavailable starts the roles before their NATS server exists: each waits, says
// so, and starts once the server comes up. Then the server dies under them: readiness goes
// down and they say they lost it, none of them exits, and once it is back they work again.
func TestNATSUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	srv := newNATSServer(t, buildNATSServer(t), "faults", freePorts(t, 1)[0], t.TempDir(), "")
	stages := []*stage{
		newStage(t, "indexer", "--nats", srv.url, "--http", "", "--data", t.TempDir()),
		newStage(t, "extractor", "--nats", srv.url, "--http", ""),
		newStage(t, "api", "--nats", srv.url, "--http", "127.0.0.1:0"),
	}
	started := make(chan error, len(stages))
	for _, s := range stages {
		go func() { started <- s.startWithin(2 * time.Minute) }()
	}
	// With no server, the roles neither start nor exit: they wait and say so.
	waitLog(t, stages, "waiting for nats", 20*time.Second)
	for _, s := range stages {
		if s.exited() {
			t.Fatalf("%s exited while NATS was not up: %s", s.name, s.logs.tail())
		}
	}
	select {
	case err := <-started:
		t.Fatalf("a role started with no NATS server: %v", err)
	default:
	}
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	for range stages {
		if err := <-started; err != nil {
			t.Fatalf("once NATS was up: %v", err)
		}
	}
	api := stages[2].currentURL()
	waitReady(t, api, http.StatusOK, 30*time.Second)
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "first.pdf"), testpdf.New("UNITED STATES DISTRICT COURT", "Order setting a status conference after the outage."))
	if st := ingestOK(t, srv.url, in); st.Count[ingest.Indexed] != 1 {
		t.Fatalf("before the outage: %v; want 1 indexed", st.Count)
	}

	// Mid-run: the server dies. The API says it is not ready, and why.
	srv.kill()
	// A probe under way at the kill may first fail on its search timing out: the reason
	// must come to name NATS once the client has seen the connection go.
	poll.UntilGot(t, 20*time.Second, "/readyz while NATS is down to name NATS", func() (bool, string) {
		body := waitReady(t, api, http.StatusServiceUnavailable, 20*time.Second)
		return strings.Contains(body, "nats"), body
	})
	waitLog(t, stages, "nats disconnected", 20*time.Second)
	// An ingest now fails at once with an error that says where it could not connect.
	if _, err := ingestRound(t, srv.url, in); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("ingest with NATS down: %v; want an error naming the server", err)
	}
	time.Sleep(3 * time.Second)
	for _, s := range stages {
		if s.exited() {
			t.Fatalf("%s exited while NATS was down: %s", s.name, s.logs.tail())
		}
	}
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, api, http.StatusOK, 60*time.Second)
	waitLog(t, stages, "nats reconnected", 20*time.Second)
	writeFile(t, filepath.Join(in, "second.pdf"), testpdf.New("UNITED STATES DISTRICT COURT", "Order after the server came back."))
	st := ingestOK(t, srv.url, in)
	if st.Count[ingest.Indexed] != 1 || st.Count[ingest.Duplicate] != 1 {
		t.Errorf("after the outage: %v; want the new file indexed and the first a duplicate", st.Count)
	}
	for _, s := range stages {
		if s.exited() {
			t.Errorf("%s exited: %s", s.name, s.logs.tail())
		}
	}
}

// ingestOK ingests dir and fails the test on an error.
func ingestOK(t *testing.T, url, dir string) *ingest.Summary {
	t.Helper()
	sum, err := ingestRound(t, url, dir)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum
}

// waitLog waits until every stage has logged want.
func waitLog(t *testing.T, stages []*stage, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, s := range stages {
		poll.UntilGot(t, time.Until(deadline), fmt.Sprintf("%s to log %q", s.name, want), func() (bool, string) {
			return strings.Contains(s.logs.all(), want), s.logs.tail()
		})
	}
}

// waitReady polls /readyz until it answers status and returns the body.
func waitReady(t *testing.T, api string, status int, within time.Duration) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	var body string
	poll.UntilGot(t, within, fmt.Sprintf("/readyz to answer %d", status), func() (bool, string) {
		resp, err := client.Get(api + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == status, resp.Status + ": " + body
	})
	return body
}

// recorder is a webhook endpoint that records each attempt and can hang until the
// client gives up.
type recorder struct {
	srv  *httptest.Server
	hang atomic.Bool
	mu   sync.Mutex
	// attempts by Idempotency-Key: when each came and its attempt number.
	attempts map[string][]attempt
	// delivered is the set of keys answered with success.
	delivered map[string]time.Time
}

type attempt struct {
	at time.Time
	n  int
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{attempts: map[string][]attempt{}, delivered: map[string]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		key := req.Header.Get(webhook.HeaderIdempotency)
		n, _ := strconv.Atoi(req.Header.Get(webhook.HeaderAttempt))
		r.mu.Lock()
		r.attempts[key] = append(r.attempts[key], attempt{time.Now(), n})
		r.mu.Unlock()
		if r.hang.Load() {
			<-req.Context().Done() // until the deliverer's timeout closes the connection
			return
		}
		r.mu.Lock()
		if _, ok := r.delivered[key]; !ok {
			r.delivered[key] = time.Now()
		}
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) counts() (delivered, attempted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.delivered), len(r.attempts)
}

// TestHangingWebhook sends alerts of two rules: one whose endpoint hangs, one whose
// endpoint works. Each attempt on the hanging endpoint times out and is retried with a
// growing delay under the same Idempotency-Key, the rule shows it is failing, the other
// rule's alerts are delivered meanwhile, and once the endpoint answers again every alert
// it missed arrives, once, and the failure count clears.
func TestHangingWebhook(t *testing.T) {
	hanging, working := newRecorder(t), newRecorder(t)
	hanging.hang.Store(true)

	js, store := alerttest.Start(t)
	ctx := context.Background()
	slow := alerttest.Create(t, store, alert.Rule{Name: "slow", Query: "x", Webhook: &alert.Webhook{URL: hanging.srv.URL, Secret: "a"}})
	fast := alerttest.Create(t, store, alert.Rule{Name: "fast", Query: "x", Webhook: &alert.Webhook{URL: working.srv.URL, Secret: "b"}})
	const timeout = 300 * time.Millisecond
	backoff := bus.ExponentialBackoff(200*time.Millisecond, 3*time.Second)
	cfg := webhook.Config{AllowPrivate: true, DisableAfter: 1000, Policy: status.Policy{Timeout: timeout, MaxAttempts: 30, Backoff: backoff}}
	d, err := webhook.New(cfg, webhook.Deps{JS: js, Rules: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	stop := runtest.Go(t, d.Run)

	// More alerts for the hanging endpoint than the deliverer has workers and room for
	// unacknowledged messages, then the other rule's.
	const slowAlerts, fastAlerts = 40, 10
	for i := range slowAlerts {
		publishAlert(t, js, slow, filing.DocID(fmt.Sprintf("test:slow-%d", i)))
	}
	publishedFast := time.Now()
	for i := range fastAlerts {
		publishAlert(t, js, fast, filing.DocID(fmt.Sprintf("test:fast-%d", i)))
	}

	// The working endpoint is not held up by the hanging one for good. (It waits behind
	// the hanging endpoint's timeouts, which share the deliverer's workers: ~20 s here.)
	poll.UntilGot(t, 60*time.Second, fmt.Sprintf("the working endpoint to get its %d alerts", fastAlerts), func() (bool, string) {
		n, _ := working.counts()
		_, tried := hanging.counts()
		return n == fastAlerts, fmt.Sprintf("%d while the hanging one was tried %d times", n, tried)
	})
	t.Logf("the working endpoint got its %d alerts %v after they were published, beside a hanging one", fastAlerts, time.Since(publishedFast).Round(10*time.Millisecond))

	// The hanging endpoint: retried, with growing delays, under one key per alert.
	poll.Until(t, 30*time.Second, "an alert tried three times on the hanging endpoint", func() bool {
		hanging.mu.Lock()
		defer hanging.mu.Unlock()
		for _, a := range hanging.attempts {
			if len(a) >= 3 {
				return true
			}
		}
		return false
	})
	hanging.mu.Lock()
	for key, as := range hanging.attempts {
		for i := 1; i < len(as); i++ {
			if as[i].n <= as[i-1].n {
				t.Errorf("%s: attempt numbers %v do not grow", key, as)
			}
		}
		// Each retry waits out the timeout and then the backoff of its attempt, which
		// doubles (time in the queue behind other events comes on top).
		for i := 1; i < len(as); i++ {
			if gap, least := as[i].at.Sub(as[i-1].at), timeout+backoff(as[i-1].n)-50*time.Millisecond; gap < least {
				t.Errorf("%s: attempt %d came %v after attempt %d; want at least %v", key, as[i].n, gap, as[i-1].n, least)
			}
		}
	}
	hanging.mu.Unlock()

	// Visible: the rule says its webhook is failing and why, as `alerts list` shows it.
	r, _, err := store.Get(ctx, slow.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Webhook.Failures == 0 || !strings.Contains(r.Webhook.LastError, "timeout") && !strings.Contains(r.Webhook.LastError, "deadline exceeded") {
		t.Errorf("the hanging rule's webhook state is %+v; want failures counted and the timeout as last error", r.Webhook)
	}
	if notes := ruleNotes(r); !strings.Contains(notes, "webhook failing") {
		t.Errorf("alerts list shows the hanging rule as %q; want it failing", notes)
	}

	// The endpoint answers again: every alert arrives once, and the rule recovers.
	hanging.hang.Store(false)
	poll.Until(t, 60*time.Second, "every alert delivered to the recovered endpoint", func() bool {
		n, _ := hanging.counts()
		return n == slowAlerts
	})
	poll.Until(t, 10*time.Second, "the failure count cleared", func() bool {
		r, _, err := store.Get(ctx, slow.ID)
		return err == nil && r.Webhook.Failures == 0 && !r.Webhook.Disabled
	})
	dead, err := bus.ListParked(ctx, js, 0)
	if err != nil || len(dead) != 0 {
		t.Errorf("DEAD holds %v (%v); a slow endpoint that recovers parks nothing", dead, err)
	}
	attempts := 0
	hanging.mu.Lock()
	for _, as := range hanging.attempts {
		attempts += len(as)
	}
	hanging.mu.Unlock()
	t.Logf("hanging endpoint: %d alerts delivered after %d attempts", slowAlerts, attempts)
	if err := stop(); err != nil {
		t.Errorf("the deliverer stopped with %v", err)
	}
}

func publishAlert(t *testing.T, js jetstream.JetStream, r alert.Rule, doc filing.DocID) string {
	t.Helper()
	return alerttest.Publish(t, js, r, alert.Alert{DocID: doc, Terms: []string{"x"}}).ID
}

// TestRefusingSMTP: a relay that turns the deliverer away is retried with backoff, and
// after the last attempt the alert is parked in DEAD with the relay's answer; a relay that
// refuses a recipient for good parks at once; the deliverer keeps running, and alerts sent
// after the relay recovers are delivered.
func TestRefusingSMTP(t *testing.T) {
	relay := smtptest.Start(t, "gone@example.org")
	relay.Refusing.Store(true)
	js, store := alerttest.Start(t)
	ctx := context.Background()
	ok := alerttest.Create(t, store, alert.Rule{Name: "clerk", Query: "x", Email: &alert.Email{To: []string{"clerk@example.org"}}})
	gone := alerttest.Create(t, store, alert.Rule{Name: "gone", Query: "x", Email: &alert.Email{To: []string{"gone@example.org"}}})
	_, portText, _ := net.SplitHostPort(relay.Addr())
	port, _ := strconv.Atoi(portText)
	var bmu sync.Mutex
	var backoffs []time.Duration
	const maxAttempts = 4
	d, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: email.NoTLS, From: "docketwatch@example.org",
		Policy: status.Policy{Timeout: 2 * time.Second, MaxAttempts: maxAttempts, Backoff: func(n int) time.Duration {
			b := bus.ExponentialBackoff(100*time.Millisecond, time.Second)(n)
			bmu.Lock()
			backoffs = append(backoffs, b)
			bmu.Unlock()
			return b
		}}}, email.Deps{JS: js, Rules: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	stop := runtest.Go(t, d.Run)

	refusedID := publishAlert(t, js, ok, "test:refused")
	poll.Until(t, 30*time.Second, "the refused alert parked", func() bool {
		p, _ := bus.ListParked(ctx, js, 0)
		return len(p) == 1
	})
	parked, err := bus.ListParked(ctx, js, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := parked[0]; p.Stage != "email" || p.Attempts != maxAttempts || !strings.Contains(p.Reason, "421") {
		t.Errorf("parked %+v; want the email stage after %d attempts with the relay's 421", p.Parked, maxAttempts)
	}
	if n := relay.Refused(); n != maxAttempts {
		t.Errorf("the relay turned away %d connections; want %d, one per attempt", n, maxAttempts)
	}
	bmu.Lock()
	if len(backoffs) != maxAttempts-1 || backoffs[len(backoffs)-1] <= backoffs[0] {
		t.Errorf("backoffs %v; want %d growing delays, one before each retry", backoffs, maxAttempts-1)
	}
	bmu.Unlock()

	// The relay takes mail again, but refuses one recipient for good: that alert is
	// parked on its first attempt; the other is delivered.
	relay.Refusing.Store(false)
	publishAlert(t, js, gone, "test:gone")
	publishAlert(t, js, ok, "test:after")
	poll.Until(t, 30*time.Second, "the alert after recovery delivered and the refused recipient parked", func() bool {
		n := len(relay.Messages())
		p, _ := bus.ListParked(ctx, js, 0)
		return n == 1 && len(p) == 2
	})
	parked, _ = bus.ListParked(ctx, js, 0)
	if p := parked[1]; p.ID != "test:gone" || p.Attempts != 1 || !strings.Contains(p.Reason, "550") {
		t.Errorf("parked %+v; want test:gone after one attempt with the relay's 550", p.Parked)
	}
	// The rules say so: the refused recipient's rule failed once with the relay's 550,
	// and nothing of either rule waits for a retry (the parked alerts left the queue).
	rules, err := store.List(ctx)
	if err == nil {
		err = store.WithRetries(ctx, rules)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Email.PendingRetries != 0 {
			t.Errorf("rule %s: %d pending retries after its alerts were parked or delivered", r.Name, r.Email.PendingRetries)
		}
		if r.ID == gone.ID && (r.Email.Failures != 1 || !strings.Contains(r.Email.LastError, "550")) {
			t.Errorf("rule gone: email status %+v; want one failure, the relay's 550", r.Email.Delivery)
		}
	}

	// The parked alert is retried from DEAD, as `dead retry` does, and now goes out.
	if err := bus.RetryParked(ctx, js, parked[0].Seq); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 30*time.Second, "the retried alert delivered", func() bool {
		return len(relay.Messages()) == 2
	})
	if want, id := strings.NewReplacer(":", ".", "/", ".", "=", "-").Replace(refusedID), relay.Messages()[1].MessageID; !strings.Contains(id, want) {
		t.Errorf("the retried message has Message-ID %s; want one derived from %s", id, refusedID)
	}
	if err := stop(); err != nil {
		t.Errorf("the email deliverer stopped with %v", err)
	}
}

// TestDiskFull fills the indexer's data directory (a small tmpfs) while documents arrive.
// The indexer keeps running; what it could not write to disk it does not acknowledge, even
// when TEXTS redelivers it, and /metrics shows those messages waiting; when space returns
// everything reaches the disk, and a SIGKILL right after loses nothing.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	data := runtest.SmallVolume(t, "32m")
	srv := startNATSServer(t, t.TempDir())
	indexer := newStage(t, "indexer", "--nats", srv.url, "--http", "", "--data", data)
	api := newStage(t, "api", "--nats", srv.url, "--http", "127.0.0.1:0")
	for _, s := range []*stage{indexer, newStage(t, "extractor", "--nats", srv.url, "--http", ""), api} {
		if err := s.start(); err != nil {
			t.Fatal(err)
		}
	}
	_, js := bustest.Dial(t, srv.url, "disk-test")
	unacked := func() (ack, redelivered int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := js.Consumer(ctx, bus.Texts, "indexer")
		if err != nil {
			t.Fatal(err)
		}
		ci, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ci.NumAckPending, ci.NumRedelivered
	}

	const before, during = 20, 30
	in := t.TempDir()
	for i := range before {
		writeFile(t, filepath.Join(in, fmt.Sprintf("before-%02d.pdf", i)), testpdf.New("UNITED STATES DISTRICT COURT", fmt.Sprintf("Order %d before the disk filled.", i)))
	}
	if st := ingestOK(t, srv.url, in); st.Count[ingest.Indexed] != before {
		t.Fatalf("before the disk filled: %v", st.Count)
	}
	ballast := runtest.FillDisk(t, data)
	t.Logf("disk full: %s", dfLine(data))
	for i := range during {
		writeFile(t, filepath.Join(in, fmt.Sprintf("during-%02d.pdf", i)), testpdf.New("UNITED STATES DISTRICT COURT", fmt.Sprintf("Order %d while the disk was full.", i)))
	}
	ingested := make(chan *ingest.Summary, 1)
	go func() {
		sum, err := ingestRound(t, srv.url, in)
		if err != nil {
			t.Errorf("ingest while the disk is full: %v", err)
		}
		ingested <- sum
	}()

	// Full for longer than the indexer's AckWait (30 s), so that TEXTS redelivers what it
	// holds: none of it may be acknowledged while it is not on disk.
	full := time.Now()
	maxRedelivered := 0
	poll.Until(t, 30*time.Second, "the documents arriving at the indexer", func() bool { n, _ := unacked(); return n == during })
	for time.Since(full) < 45*time.Second {
		n, r := unacked()
		maxRedelivered = max(maxRedelivered, r)
		if n < during {
			t.Fatalf("%v into the full disk, %d of the %d documents written since are acknowledged; none is on disk", time.Since(full).Round(time.Second), during-n, during)
		}
		if indexer.exited() {
			t.Fatalf("the indexer exited on a full disk: %s", indexer.logs.tail())
		}
		time.Sleep(time.Second)
	}
	if maxRedelivered == 0 {
		t.Errorf("TEXTS never redelivered the unacknowledged documents: the test did not cover a retry")
	}
	// Visible: the API's /metrics shows the indexer's unacknowledged backlog.
	metrics := webtest.Get(t, api.currentURL()+"/metrics").Body
	if want := fmt.Sprintf(`docketwatch_consumer_unacked_messages{consumer="indexer",stream="TEXTS"} %d`, during); !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %s", want)
	}

	// Space returns: the held documents reach the disk and are acknowledged.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 90*time.Second, "the held documents acknowledged once space returned", func() bool { n, _ := unacked(); return n == 0 })
	sum := <-ingested
	if sum == nil || sum.Count[ingest.Indexed] != during || sum.Count[ingest.Duplicate] != before {
		t.Errorf("ingest: %+v; want %d indexed and %d duplicates", sum, during, before)
	}

	// A crash now loses nothing: everything acknowledged was on disk.
	indexer.kill()
	if err := indexer.start(); err != nil {
		t.Fatal(err)
	}
	var all search.Result
	getJSON(t, api.currentURL()+"/api/v1/search?limit=1000", http.StatusOK, &all)
	if all.Total != before+during {
		t.Errorf("after a SIGKILL, the index holds %d documents; want %d", all.Total, before+during)
	}
	parked, err := bus.ListParked(context.Background(), js, 0)
	if err != nil || len(parked) != 0 {
		t.Errorf("DEAD holds %v (%v); a full disk parks nothing", parked, err)
	}
	t.Logf("full for %v: %d documents held unacknowledged (redelivered up to %d), all %d in the index after space returned and a SIGKILL",
		45*time.Second, during, maxRedelivered, all.Total)
}

func dfLine(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d of %d KiB free", st.Bavail*uint64(st.Bsize)/1024, st.Blocks*uint64(st.Bsize)/1024)
}
