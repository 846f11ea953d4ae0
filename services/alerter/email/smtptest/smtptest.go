// Package smtptest is a minimal SMTP relay on loopback for tests: the commands a client
// needs (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, RFC 5321), recording what it
// accepts, and able to refuse as real relays do — every connection with 421 (a temporary
// refusal) or one recipient with 550 (a permanent one).
package smtptest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Message is one accepted mail.
type Message struct {
	From      string
	To        []string
	Data      string
	MessageID string
}

// Server is a running relay.
type Server struct {
	ln net.Listener
	// Refusing turns every new connection away with 421 while set.
	Refusing atomic.Bool
	// Reject is a recipient refused with 550 ("" refuses none).
	reject string

	mu      sync.Mutex
	msgs    []Message
	refused int
}

// Start listens on 127.0.0.1 and stops when the test ends.
func Start(t testing.TB, reject string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, reject: reject}
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

// Addr is the relay's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Messages returns the mail accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Refused counts the connections turned away.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	if s.Refusing.Load() {
		s.mu.Lock()
		s.refused++
		s.mu.Unlock()
		say("421 4.3.2 service not available, try again later")
		return
	}
	say("220 test ESMTP")
	r := bufio.NewReader(io.LimitReader(c, 1<<20))
	var m Message
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
		case strings.HasPrefix(cmd, "HELO"), cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = Message{From: strings.TrimSpace(line[10:])}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			to := strings.Trim(strings.TrimSpace(line[8:]), "<>")
			if s.reject != "" && strings.Contains(to, s.reject) {
				say("550 5.1.1 no such user")
				continue
			}
			m.To = append(m.To, to)
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
				if v, ok := strings.CutPrefix(l, "Message-ID: "); ok && m.MessageID == "" {
					m.MessageID = strings.TrimSpace(v)
				}
				b.WriteString(l)
			}
			m.Data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}
