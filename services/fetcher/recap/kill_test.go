package recap

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// The test binary doubles as a buyer process: in the child role "buyer" it runs a
// Service against the parent's NATS server and CourtListener fake, configured from the
// DOCKETWATCH_* environment as `docketwatch run` would be, until it is killed.
func TestMain(m *testing.M) {
	runtest.ServeChild(map[string]runtest.Role{"buyer": childBuyer})
	os.Exit(m.Run())
}

func childBuyer(ctx context.Context, nats *runtest.Joined) error {
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
	fake := clfake.FromEnv()
	cl, err := courtlistener.New(courtlistener.Config{BaseURL: fake.APIBase, StorageURL: fake.StorageBase, Token: fake.Token, Budget: &courtlistener.Limits{}})
	if err != nil {
		return err
	}
	deps, err := OpenDeps(ctx, nats.JS, nats.Blobs, cl, nil)
	if err != nil {
		return err
	}
	s, err := New(cfg, deps)
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

	child := runtest.StartChild(t, "buyer", append(append(runtest.ChildNATS(e.nats), e.srv.ChildEnv()...),
		"DOCKETWATCH_BUY=true", "DOCKETWATCH_BUY_DOCKETS="+doc.Docket.Court+"/"+doc.Docket.Number, "DOCKETWATCH_BUY_EXHIBITS_ONLY=true",
		"DOCKETWATCH_BUY_CAP_DAY=5.00", "DOCKETWATCH_BUY_CAP_MONTH=20",
		"DOCKETWATCH_PACER_USERNAME="+testUser, "DOCKETWATCH_PACER_PASSWORD="+testPass,
	)...)
	announce(t, e.js, doc)

	l := NewLedger(bustest.KV(t, e.js, bus.BucketRECAP), nil)
	child.Until(t, 20*time.Second, "the child to send its purchase request", func() bool {
		p, _, err := l.Get(context.Background(), doc.ID)
		return err == nil && p.State == StateRequesting && e.srv.FetchRequests() == 1
	})
	child.Kill(t)

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
	poll.Until(t, 10*time.Second, "the purchase to be recorded", func() bool {
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
	poll.Until(t, 10*time.Second, "the purchase to be recorded", func() bool {
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
