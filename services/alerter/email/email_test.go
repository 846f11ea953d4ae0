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
)

func TestDeliversAlertsBySMTP(t *testing.T) {
	smtp := smtptest.Start(t, "")
	js, store := alerttest.Start(t)
	withEmail := alerttest.Create(t, store, alert.Rule{Name: "Inbox API", Query: `"Inbox API"`, Email: &alert.Email{To: []string{"counsel@example.com"}}})
	without := alerttest.Create(t, store, alert.Rule{Name: "no email", Query: "x"})
	publish := func(r alert.Rule, doc filing.DocID, overflow bool) alert.Alert {
		return alerttest.Publish(t, js, r, alert.Alert{DocID: doc, Kind: alert.NewlyAvailable,
			Docket: "3:20-cv-08570", ExhibitLabel: "Exhibit 12", Terms: []string{"Inbox", "API"}, Page: 2, Pages: []int{2},
			Snippet: "restrict the <mark>Inbox</mark> <mark>API</mark> to partners &amp; vendors", Overflow: overflow})
	}
	sent := publish(withEmail, "cand/3:20-cv-08570/736/12", false)
	publish(withEmail, "cand/3:20-cv-08570/736/13", true) // over the cap: the digest's
	publish(without, "cand/3:20-cv-08570/736/12", false)  // no email channel

	_, portText, _ := net.SplitHostPort(smtp.Addr())
	port, _ := strconv.Atoi(portText)
	d, err := New(Config{Host: "127.0.0.1", Port: port, TLS: NoTLS, From: "alerts@docketwatch.test", Timeout: 5 * time.Second},
		js, store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop := runtest.Go(t, d.Run)
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
