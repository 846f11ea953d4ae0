package email

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// smtpServer is a minimal SMTP server on loopback (RFC 5321's commands a client needs
// to send: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), recording what it accepts.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []mailMsg
}

type mailMsg struct {
	from string
	to   []string
	data string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(io.LimitReader(c, 1<<20))
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 test ESMTP")
	var m mailMsg
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = mailMsg{from: strings.TrimSpace(line[10:])}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, strings.Trim(strings.TrimSpace(line[8:]), "<>"))
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *smtpServer) messages() []mailMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailMsg(nil), s.msgs...)
}

func TestDeliversAlertsBySMTP(t *testing.T) {
	smtp := startSMTP(t)
	e := bustest.Server(t)
	_, js := bustest.JetStream(t, e)
	ctx := context.Background()
	kv, _ := bus.KV(ctx, js, bus.BucketRules)
	store := alert.NewStore(kv)
	withEmail, err := store.Create(ctx, alert.Rule{Name: "Inbox API", Query: `"Inbox API"`, Email: &alert.Email{To: []string{"counsel@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	without, err := store.Create(ctx, alert.Rule{Name: "no email", Query: "x"})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(r alert.Rule, doc filing.DocID, overflow bool) alert.Alert {
		a := alert.Alert{ID: alert.AlertID(r.ID, doc), RuleID: r.ID, RuleName: r.Name, DocID: doc, Kind: alert.NewlyAvailable,
			Docket: "3:20-cv-08570", ExhibitLabel: "Exhibit 12", Terms: []string{"Inbox", "API"}, Page: 2, Pages: []int{2},
			Snippet: "restrict the <mark>Inbox</mark> <mark>API</mark> to partners &amp; vendors", Overflow: overflow, MatchedAt: time.Now()}
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: alert.AlertSubject(r.ID, doc), Value: alert.Event{Schema: 1, Type: alert.TypeAlert, Alert: &a}}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	sent := publish(withEmail, "cand/3:20-cv-08570/736/12", false)
	publish(withEmail, "cand/3:20-cv-08570/736/13", true) // over the cap: the digest's
	publish(without, "cand/3:20-cv-08570/736/12", false)  // no email channel

	port := smtp.ln.Addr().(*net.TCPAddr).Port
	d, err := New(Config{Host: "127.0.0.1", Port: port, TLS: NoTLS, From: "alerts@docketwatch.test", Timeout: 5 * time.Second},
		js, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(smtp.messages()) < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong second message to arrive
	cancel()
	<-done

	msgs := smtp.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	if len(m.to) != 1 || m.to[0] != "counsel@example.com" || !strings.Contains(m.from, "alerts@docketwatch.test") {
		t.Errorf("got from %q to %q", m.from, m.to)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(m.data))
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
		if !strings.Contains(strings.ReplaceAll(m.data, "=\r\n", ""), want) {
			t.Errorf("message lacks %q:\n%s", want, m.data)
		}
	}
}
