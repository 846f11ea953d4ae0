package email

import (
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/alerter/email/smtptest"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/nats-io/nats.go/jetstream"
)

func TestDeliversAlertsBySMTP(t *testing.T) {
	smtp := smtptest.Start(t, "")
	js, store := alerttest.Start(t)
	withEmail := emailRule(t, store)
	without := alerttest.Create(t, store, alert.Rule{Name: "no email", Query: "x"})
	publish := func(r alert.Rule, doc filing.DocID, overflow bool) alert.Alert {
		return alerttest.Publish(t, js, r, alert.Alert{DocID: doc, Kind: alert.NewlyAvailable,
			Docket: "3:20-cv-08570", ExhibitLabel: "Exhibit 12", Terms: []string{"Inbox", "API"}, Page: 2, Pages: []int{2},
			Snippet: "restrict the <mark>Inbox</mark> <mark>API</mark> to partners &amp; vendors", Overflow: overflow})
	}
	sent := publish(withEmail, "cand/3:20-cv-08570/736/12", false)
	publish(withEmail, "cand/3:20-cv-08570/736/13", true) // over the cap: the digest's
	publish(without, "cand/3:20-cv-08570/736/12", false)  // no email channel

	stop := startDeliverer(t, smtp, status.Policy{Timeout: 5 * time.Second}, js, store)
	poll.Until(t, 20*time.Second, "a message at the relay", func() bool { return len(smtp.Messages()) >= 1 })
	time.Sleep(300 * time.Millisecond) // room for a wrong second message to arrive
	stop()

	msgs := smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "counsel@example.com" || !strings.Contains(m.From, "alerts@docketwatch.test") {
		t.Errorf("got from %q to %q", m.From, m.To)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if want := "[docketwatch] Inbox API: 3:20-cv-08570 · Exhibit 12"; subject != want {
		t.Errorf("got subject %q; want %q", subject, want)
	}
	for _, want := range []string{
		"restrict the [Inbox] [API] to partners & vendors",
		"newly available",
		"Page 2",
		"Message-ID: <" + strings.NewReplacer(":", ".", "/", ".", "=", "-").Replace(sent.ID) + "@docketwatch>",
	} {
		if !strings.Contains(strings.ReplaceAll(m.Data, "=\r\n", ""), want) {
			t.Errorf("message lacks %q:\n%s", want, m.Data)
		}
	}
}

// TestDeliveryStatus: a relay that turns the connection away (421, as a relay over its
// limits does) is recorded on the rule's email channel as a failure with the relay's
// words, and the alert waits in the retry queue with its next attempt; once the relay
// accepts, the alert is delivered, leaves the queue, and the status says when.
func TestDeliveryStatus(t *testing.T) {
	smtp := smtptest.Start(t, "")
	smtp.Refusing.Store(true)
	js, store := alerttest.Start(t)
	r := emailRule(t, store)
	alerttest.Publish(t, js, r, alert.Alert{DocID: "cand/3:20-cv-08570/736/12", Kind: alert.NewlyFiled,
		Terms: []string{"Inbox"}, Snippet: "the <mark>Inbox</mark> API"})
	startDeliverer(t, smtp, status.Policy{Timeout: 5 * time.Second, Backoff: func(int) time.Duration { return time.Second }}, js, store)

	var got alert.Rule
	poll.Until(t, 20*time.Second, "the refusal recorded and the alert waiting", func() bool {
		got = alerttest.Status(t, store, r.ID)
		return got.Email.Failures > 0 && got.Email.PendingRetries == 1
	})
	if !strings.Contains(got.Email.LastError, "421") || got.Email.LastFailureAt.IsZero() || !got.Email.LastDeliveryAt.IsZero() {
		t.Errorf("got email status %+v; want the relay's 421 as the last error, never delivered", got.Email.Delivery)
	}
	if got.Email.NextRetryAt.Before(got.Email.LastFailureAt) {
		t.Errorf("got the next attempt at %s, before the failure at %s", got.Email.NextRetryAt, got.Email.LastFailureAt)
	}
	if text, failing := got.DeliveryStatus(alert.ChannelEmail); !failing || !strings.Contains(text, "Pending retries: 1,") {
		t.Errorf("got status text %q (failing %v); want failing with one pending retry", text, failing)
	}
	smtp.Refusing.Store(false)
	poll.Until(t, 20*time.Second, "the alert delivered and out of the queue", func() bool {
		got = alerttest.Status(t, store, r.ID)
		return got.Email.PendingRetries == 0 && !got.Email.LastDeliveryAt.IsZero()
	})
	if got.Email.Failures != 0 || !strings.Contains(got.Email.LastError, "421") || len(smtp.Messages()) != 1 {
		t.Errorf("got email status %+v and %d messages; want no failures, the last error kept, one message", got.Email.Delivery, len(smtp.Messages()))
	}
}

// emailRule saves the rule "Inbox API", on that phrase, mailing counsel@example.com.
func emailRule(t testing.TB, store *alert.Store) alert.Rule {
	t.Helper()
	return alerttest.Create(t, store, alert.Rule{Name: "Inbox API", Query: `"Inbox API"`, Email: &alert.Email{To: []string{"counsel@example.com"}}})
}

// startDeliverer runs a deliverer over js and store that sends through relay, as
// alerts@docketwatch.test, with policy, until the test ends; stop stops it sooner.
func startDeliverer(t testing.TB, relay *smtptest.Server, policy status.Policy, js jetstream.JetStream, store *alert.Store) (stop func() error) {
	t.Helper()
	_, portText, _ := net.SplitHostPort(relay.Addr())
	port, _ := strconv.Atoi(portText)
	d, err := New(Config{Host: "127.0.0.1", Port: port, TLS: NoTLS, From: "alerts@docketwatch.test", Policy: policy},
		Deps{JS: js, Rules: store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return runtest.Go(t, d.Run)
}

// New refuses a relay it cannot use, naming the setting, before it touches anything.
func TestNewRefusesBadConfig(t *testing.T) {
	relay := Config{Host: "127.0.0.1", From: "alerts@docketwatch.test"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no host", func(c *Config) { c.Host = "" }, "--smtp-host"},
		{"no sender", func(c *Config) { c.From = "" }, "--smtp-from"},
		{"unknown TLS mode", func(c *Config) { c.TLS = "ssl" }, "--smtp-tls"},
		{"negative attempts", func(c *Config) { c.MaxAttempts = -1 }, "max attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := relay
			tc.edit(&cfg)
			if _, err := New(cfg, Deps{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v; want an error naming %q", err, tc.want)
			}
		})
	}
	if _, err := New(relay, Deps{}); err != nil {
		t.Errorf("New with a host and a sender: %v", err)
	}
}
