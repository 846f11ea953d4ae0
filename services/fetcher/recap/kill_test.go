package recap

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/docketwatch/docketwatch/pkg/config"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The test binary doubles as a buyer process: with RECAP_TEST_CHILD set it runs a
// Service against the parent's NATS server and CourtListener fake, configured from the
// DOCKETWATCH_* environment as `docketwatch run` would be, until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv("RECAP_TEST_CHILD") != "" {
		if err := childBuyer(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func childBuyer() error {
	env := func(k string) string { return os.Getenv("RECAP_TEST_" + k) }
	nc, err := bus.Connect(env("NATS_URL"), "recap-child", nats.Token(env("NATS_TOKEN")))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
	if err != nil {
		return err
	}
	var cfg Config
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(nil); err != nil {
		return err
	}
	// The DOCKETWATCH_* variables, as `docketwatch run` binds them.
	if err := config.Resolve(fs); err != nil {
		return err
	}
	cfg.Interval, cfg.Lease = 20*time.Millisecond, time.Second
	cl, err := courtlistener.New(courtlistener.Config{BaseURL: env("CL_URL"), StorageURL: env("CL_STORAGE"), Token: env("CL_TOKEN"), Budget: &courtlistener.Limits{}})
	if err != nil {
		return err
	}
	s, err := New(ctx, cfg, Deps{JS: js, Blobs: blobs, CL: cl})
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// A buyer killed with SIGKILL after it sent a purchase request and before it recorded
// CourtListener's answer loses nothing and buys nothing twice: the ledger still holds
// the reservation and its spend, and the next buyer finds the request at CourtListener
// (after the dead buyer's lease) and completes it instead of sending another.
func TestKillBetweenReservationAndConfirmation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	// CourtListener takes the request and answers slowly: the child is killed waiting.
	e.srv.SetRECAP(clfake.RECAPConfig{PACERUsername: testUser, PACERPassword: testPass, AnswerDelay: time.Hour})

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(),
		"RECAP_TEST_CHILD=1",
		"RECAP_TEST_NATS_URL="+e.nats.ClientURL(), "RECAP_TEST_NATS_TOKEN="+e.nats.Token,
		"RECAP_TEST_CL_URL="+e.srv.APIBase(), "RECAP_TEST_CL_STORAGE="+e.srv.StorageBase(), "RECAP_TEST_CL_TOKEN="+e.srv.Token(),
		"DOCKETWATCH_BUY=true", "DOCKETWATCH_BUY_DOCKETS="+doc.Docket.Court+"/"+doc.Docket.Number, "DOCKETWATCH_BUY_EXHIBITS_ONLY=true",
		"DOCKETWATCH_BUY_CAP_DAY=5.00", "DOCKETWATCH_BUY_CAP_MONTH=20",
	)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	announce(t, e.js, doc)

	l, err := NewLedger(context.Background(), e.js, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child to send its purchase request", 20*time.Second, func() bool {
		p, _, err := l.Get(context.Background(), doc.ID)
		select {
		case err := <-done:
			t.Fatalf("child exited: %v\n%s", err, out.String())
		default:
		}
		return err == nil && p.State == StateRequesting && e.srv.FetchRequests() == 1
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done

	want, _ := Estimate(d.PageCount, false)
	p, _, err := l.Get(context.Background(), doc.ID)
	if err != nil || p.State != StateRequesting {
		t.Fatalf("after the kill the ledger holds %+v (%v); want the reservation, requesting", p, err)
	}
	if m, _ := l.Spend(context.Background()); m.Cents != want {
		t.Fatalf("after the kill the month counts %v; want the reservation's %v", m.Cents, want)
	}

	// The next buyer, answered promptly now.
	e.srv.SetRECAP(clfake.RECAPConfig{PACERUsername: testUser, PACERPassword: testPass})
	s := e.service(t, buyRules(doc), nil)
	run(t, s)
	withBlob(t, e.js, doc.ID, 20*time.Second)
	waitFor(t, "the purchase to be recorded", 10*time.Second, func() bool {
		p, _, _ = l.Get(context.Background(), doc.ID)
		return p.State == StateSucceeded
	})
	if n := e.srv.FetchRequests(); n != 1 {
		t.Errorf("%d purchase requests; want the one the killed buyer sent", n)
	}
	if m, _ := l.Spend(context.Background()); m.Cents != want || p.Cents != want {
		t.Errorf("month %v, purchase %v; want %v counted once", m.Cents, p.Cents, want)
	}
}

// A buyer that stopped between its two reservation writes (the record created, the
// spend not yet counted) is reconciled: the spend is counted once and the document
// bought once.
func TestReservationCutShortIsCountedOnce(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	want, _ := Estimate(d.PageCount, false)
	now := time.Now().UTC()
	cut := Purchase{Doc: doc.ID, Document: doc, Court: doc.Docket.Court, PacerDocID: d.PacerDocID, RDID: d.ID, Pages: d.PageCount,
		Cents: want, State: StateReserving, Month: now.Format("2006-01"), Day: now.Format("2006-01-02"), ReservedAt: now}
	kv, err := bus.KV(context.Background(), e.js, bus.BucketRECAP)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(cut)
	if _, err := kv.Create(context.Background(), buyKey(doc.ID), data); err != nil {
		t.Fatal(err)
	}
	s := e.service(t, buyRules(doc), nil)
	e.webhook(t, s, clfake.RECAPConfig{})
	run(t, s)
	announce(t, e.js, doc)
	withBlob(t, e.js, doc.ID, 10*time.Second)
	waitFor(t, "the purchase to be recorded", 10*time.Second, func() bool {
		p, _, _ := s.Ledger().Get(context.Background(), doc.ID)
		return p.State == StateSucceeded
	})
	if m, _ := s.Ledger().Spend(context.Background()); m.Cents != want {
		t.Errorf("month %v; want %v counted once", m.Cents, want)
	}
	if n := len(e.srv.Purchases()); n != 1 {
		t.Errorf("%d purchases; want 1", n)
	}
}
