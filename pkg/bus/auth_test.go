package bus_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// TestConnConfigUserPassword: against a real server that requires a user and password
// (as a distributed deployment's cluster does), ConnConfig connects with them and the
// JetStream contract sets up; without them, or with a wrong password, it is refused,
// and the refusal does not repeat the password.
func TestConnConfigUserPassword(t *testing.T) {
	const user, password = "docketwatch", "pw-Zq81-never-logged"
	srv, err := server.NewServer(&server.Options{
		ServerName: "auth-test", Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir(),
		Users: []*server.User{{Username: user, Password: password}},
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	url := srv.ClientURL()

	for _, tc := range []struct {
		name string
		cfg  bus.ConnConfig
	}{
		{"no credentials", bus.ConnConfig{URLs: url}},
		{"wrong password", bus.ConnConfig{URLs: url, User: user, Password: "not-" + password}},
		{"wrong user", bus.ConnConfig{URLs: url, User: "mallory", Password: password}},
		{"a token instead", bus.ConnConfig{URLs: url, Token: password}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := tc.cfg.Connect("auth-test")
			if err == nil {
				nc.Close()
				t.Fatal("connected; want a refusal")
			}
			if strings.Contains(err.Error(), password) {
				t.Fatalf("the refusal repeats the password: %v", err)
			}
		})
	}
	if err := (bus.ConnConfig{URLs: url, User: user, Password: password, Token: "x"}).Validate(); err == nil {
		t.Error("two ways to authenticate at once: want an error")
	}

	nc, err := bus.ConnConfig{URLs: url, User: user, Password: password}.Connect("auth-test")
	if err != nil {
		t.Fatalf("with the user and password: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.Setup(ctx, js, bus.Options{}); err != nil {
		t.Fatalf("setting up the contract as an authenticated user: %v", err)
	}
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), Value: "x"}); err != nil {
		t.Fatalf("publishing as an authenticated user: %v", err)
	}
	if nc.ConnectedUrlRedacted() == "" || strings.Contains(nc.ConnectedUrlRedacted(), password) {
		t.Errorf("connected URL %q", nc.ConnectedUrlRedacted())
	}
}

// TestConnectErrorHidesPasswords: a failed connection names the servers it tried without
// the passwords their URLs carry (the CLI prints this error).
func TestConnectErrorHidesPasswords(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	for _, urls := range []string{
		"nats://user:S3CRET@" + addr,
		"nats://" + addr + ",nats://user:S3CRET@" + addr,
		"user:S3CRET@" + addr,
	} {
		_, err := bus.Connect(urls, "test")
		if err == nil {
			t.Fatalf("connecting to %s: no error", urls)
		}
		if strings.Contains(err.Error(), "S3CRET") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
