package recap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// A document RECAP already holds is downloaded from storage and published with its
// PDF; nothing is bought, though the rules would have allowed it.
func TestFreeCopyIsUsedAndNothingBought(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && d.IsAvailable })
	doc := rssDoc(d, dk)
	s := e.service(t, buyRules(doc), nil)
	run(t, s)
	announce(t, e.js, doc)

	got := withBlob(t, e.js, doc.ID, 10*time.Second)
	rc, err := e.blobs.Get(context.Background(), got.Blob.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if sum, _, _ := blob.Sum(strings.NewReader(string(d.PDF))); sum != got.Blob.SHA256 {
		t.Errorf("stored blob %s; want the sha-256 of RECAP's PDF %s", got.Blob.SHA256, sum)
	}
	if p := e.srv.Purchases(); len(p) != 0 || e.srv.FetchRequests() != 0 {
		t.Errorf("bought %v (%d requests); want nothing bought", p, e.srv.FetchRequests())
	}
	if all, _ := s.Ledger().Purchases(context.Background()); len(all) != 0 {
		t.Errorf("ledger holds %v; want nothing", all)
	}
}

// A document RECAP does not hold yet is looked up again on the schedule and taken when
// another user's upload makes it available; without buying, nothing is bought.
func TestMissingDocumentIsLookedUpAgain(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return !d.IsAvailable })
	doc := rssDoc(d, dk)
	clock := newClock()
	s := e.service(t, Config{Recheck: []time.Duration{time.Hour, 6 * time.Hour}}, clock.Now)
	run(t, s)
	announce(t, e.js, doc)
	poll.Until(t, 10*time.Second, "the first lookup", func() bool {
		w, err := s.getWant(context.Background(), doc.ID)
		return err == nil && w.Lookups == 1
	})
	e.srv.MakeAvailable(d.ID)
	clock.Advance(2 * time.Hour)
	withBlob(t, e.js, doc.ID, 10*time.Second)
	if e.srv.FetchRequests() != 0 {
		t.Errorf("%d purchase requests; want none", e.srv.FetchRequests())
	}
}

// The rules pick an exhibit of a watched docket that RECAP does not hold: it is bought
// through recap-fetch/, completed by the webhook event, published with its PDF, and the
// ledger records the charge that the month's spend counts.
func TestRuleMatchedExhibitIsBought(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	// A document of another docket, not watched, is not bought.
	o, odk := e.pick(t, 0, func(o clfake.Document) bool { return isExhibit(o) && !o.IsAvailable && o.DocketID != d.DocketID })
	s := e.service(t, buyRules(doc), nil)
	e.webhook(t, s, clfake.RECAPConfig{})
	run(t, s)
	announce(t, e.js, rssDoc(o, odk))
	announce(t, e.js, doc)

	got := withBlob(t, e.js, doc.ID, 10*time.Second)
	if got.Blob.Size == 0 {
		t.Error("published without a size")
	}
	buys := e.srv.Purchases()
	if len(buys) != 1 || buys[0].DocID != d.ID {
		t.Fatalf("bought %+v; want document %d once", buys, d.ID)
	}
	var p Purchase
	poll.Until(t, 10*time.Second, "the purchase to be recorded", func() bool {
		p, _, _ = s.Ledger().Get(context.Background(), doc.ID)
		return p.State == StateSucceeded
	})
	want, _ := Estimate(d.PageCount, false)
	if p.State != StateSucceeded || p.Cents != want || p.Pages != d.PageCount || p.RequestID != buys[0].RequestID {
		t.Errorf("ledger %+v; want succeeded, %d pages, %v, request %d", p, d.PageCount, want, buys[0].RequestID)
	}
	m, err := s.Ledger().Spend(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Cents != want {
		t.Errorf("month spend %v; want %v", m.Cents, want)
	}
}

// A purchase CourtListener reports as failed (PACER had no PDF: sealed) is parked in
// DEAD with CourtListener's message, its amount is released, and `dead retry` buys it
// once the document can be had.
func TestFailedPurchaseIsParkedAndRetryable(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	s := e.service(t, buyRules(doc), nil)
	e.webhook(t, s, clfake.RECAPConfig{Sealed: map[int64]bool{d.ID: true}})
	run(t, s)
	announce(t, e.js, doc)

	dead := parkedOne(t, e.js, "the failed purchase to be parked")
	if !strings.Contains(dead.Reason, "Unable to get PDF for RECAP Document") || dead.ID != doc.ID {
		t.Errorf("parked %s: %q; want %s with CourtListener's message", dead.ID, dead.Reason, doc.ID)
	}
	p, _, _ := s.Ledger().Get(context.Background(), doc.ID)
	if m, _ := s.Ledger().Spend(context.Background()); p.State != StateFailed || m.Cents != 0 {
		t.Errorf("ledger %s, month spend %v; want failed and nothing spent", p.State, m.Cents)
	}

	e.webhook(t, s, clfake.RECAPConfig{}) // unsealed
	if err := bus.RetryParked(context.Background(), e.js, dead.Seq); err != nil {
		t.Fatal(err)
	}
	withBlob(t, e.js, doc.ID, 10*time.Second)
	if buys := e.srv.Purchases(); len(buys) != 1 {
		t.Errorf("bought %+v; want one purchase after the retry", buys)
	}
}

// A PACER login CourtListener refuses is parked with its PacerLoginException message.
func TestPACERLoginFailureIsParked(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	cfg := buyRules(doc)
	cfg.PACERPassword = "wrong"
	s := e.service(t, cfg, nil)
	run(t, s)
	announce(t, e.js, doc)
	dead := parkedOne(t, e.js, "the refused purchase to be parked")
	if !strings.Contains(dead.Reason, "PacerLoginException: Invalid username/password") {
		t.Errorf("reason %q; want CourtListener's PacerLoginException", dead.Reason)
	}
	if strings.Contains(dead.Reason, "wrong") {
		t.Error("the parked reason shows the password")
	}
}

// --dry-run lists what the rules would buy with PACER's estimate, and spends nothing.
func TestDryRunSpendsNothing(t *testing.T) {
	e := newEnv(t)
	d, dk := e.pick(t, 0, func(d clfake.Document) bool { return isExhibit(d) && !d.IsAvailable })
	doc := rssDoc(d, dk)
	cfg := buyRules(doc)
	cfg.Rules.Enabled = false // not enabled: a dry run still shows what the rules pick
	s := e.service(t, cfg, nil)
	run(t, s)
	announce(t, e.js, doc)
	poll.Until(t, 10*time.Second, "the lookup", func() bool {
		w, err := s.getWant(context.Background(), doc.ID)
		return err == nil && w.Lookups == 1
	})
	plan, err := s.Plan(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Estimate(d.PageCount, false)
	if len(plan) != 1 || plan[0].Doc != doc.ID || plan[0].Cents != want {
		t.Fatalf("plan %+v; want %s at %v", plan, doc.ID, want)
	}
	// The status page's report shows the same plan without asking CourtListener.
	rep, err := s.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.PlannedCount != 1 || rep.Planned[0].Doc != doc.ID || rep.MonthCents != 0 {
		t.Errorf("report %+v; want the one planned document and nothing spent", rep)
	}
	if e.srv.FetchRequests() != 0 {
		t.Errorf("%d purchase requests; want none", e.srv.FetchRequests())
	}
	if all, _ := s.Ledger().Purchases(context.Background()); len(all) != 0 {
		t.Errorf("ledger holds %v; want nothing", all)
	}
}

// clock is a test clock that only moves when told.
type clock struct{ ch chan time.Time }

func newClock() *clock {
	c := &clock{ch: make(chan time.Time, 1)}
	c.ch <- time.Now()
	return c
}

func (c *clock) Now() time.Time {
	t := <-c.ch
	c.ch <- t
	return t
}

func (c *clock) Advance(d time.Duration) {
	t := <-c.ch
	c.ch <- t.Add(d)
}

// New says what is wrong with the settings before anything else, then what is missing
// of its dependencies (OpenDeps opens them).
func TestNewChecksConfigThenDeps(t *testing.T) {
	if _, err := New(Config{Recheck: []time.Duration{time.Hour, time.Minute}}, Deps{}); err == nil || !strings.Contains(err.Error(), "recheck") {
		t.Errorf("New with a decreasing schedule: %v; want the schedule refused", err)
	}
	if _, err := New(Config{}, Deps{}); err == nil || !strings.Contains(err.Error(), "OpenDeps") {
		t.Errorf("New without dependencies: %v; want them asked for", err)
	}
}
