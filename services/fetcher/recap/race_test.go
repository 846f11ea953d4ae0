package recap

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/nats-io/nats.go/jetstream"
)

// Two ledgers on their own connections race to reserve the same documents: each
// document is reserved once, and the day's cap holds exactly.
func TestLedgerCapHoldsWithTwoBuyersRacing(t *testing.T) {
	e := newEnv(t)
	ledgers := make([]*Ledger, 2)
	for i := range ledgers {
		_, js := bustest.Client(t, e.nats, fmt.Sprintf("buyer-%d", i))
		ledgers[i] = NewLedger(bustest.KV(t, js, bus.BucketRECAP), nil)
	}
	caps := Caps{Day: 500, Month: 2000}
	const docs = 40
	var mu sync.Mutex
	won := map[filing.DocID]int{}
	var wg sync.WaitGroup
	for _, l := range ledgers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range docs {
				id := filing.DocID(fmt.Sprintf("nysd/1:26-cv-00001/%d/0", i+1))
				_, err := l.Reserve(context.Background(), Purchase{Doc: id, Court: "nysd", Cents: 50}, caps)
				switch {
				case err == nil:
					mu.Lock()
					won[id]++
					mu.Unlock()
				case errors.Is(err, ErrHeld), errors.Is(err, ErrCap):
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	total := Cents(0)
	for id, n := range won {
		if n != 1 {
			t.Errorf("%s reserved %d times; want once", id, n)
		}
		total += 50
	}
	if total != caps.Day {
		t.Errorf("reserved %v; want exactly the daily cap %v", total, caps.Day)
	}
	m, err := ledgers[0].Spend(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Cents != total || len(m.Docs) != len(won) {
		t.Errorf("month counts %v for %d documents; want %v for %d", m.Cents, len(m.Docs), total, len(won))
	}
	all, _ := ledgers[1].Purchases(context.Background())
	if len(all) != len(won) {
		t.Errorf("ledger holds %d records; want %d (a capped reservation leaves none)", len(all), len(won))
	}
}

// Two buyer services on their own connections work the same documents at once: no
// document is bought twice and the spend stays within the cap.
func TestCapHoldsWithTwoServicesRacing(t *testing.T) {
	e := newEnv(t)
	var docs []filing.Document
	var estimate Cents
	for i := range 8 {
		d, dk := e.pick(t, i, isExhibit)
		e.srv.MakeUnavailable(d.ID)
		docs = append(docs, rssDoc(d, dk))
		c, _ := Estimate(d.PageCount, false)
		estimate += c
	}
	cfg := Config{Rules: Rules{Enabled: true, Terms: []string{"exhibit"}, ExhibitsOnly: true}, Caps: Caps{Day: estimate / 2, Month: estimate},
		PACERUsername: testUser, PACERPassword: testPass}
	var svcs []*Service
	for i := range 2 {
		ee := e
		_, ee.js = bustest.Client(t, e.nats, fmt.Sprintf("recap-%d", i))
		svcs = append(svcs, ee.service(t, cfg, nil))
	}
	e.webhook(t, svcs[0], clfake.RECAPConfig{})
	for _, d := range docs {
		announce(t, e.js, d)
	}
	for _, s := range svcs {
		run(t, s)
	}
	// Wait until every document is either bought or refused by the cap.
	poll.Until(t, 20*time.Second, "every document bought or capped", func() bool {
		all, err := svcs[0].Ledger().Purchases(context.Background())
		if err != nil {
			return false
		}
		done := 0
		for _, p := range all {
			if p.State == StateSucceeded {
				done++
			}
		}
		return done == len(all) && done > 0 && wantedLeft(t, e.js) == len(docs)-done
	})
	seen := map[int64]bool{}
	var charged Cents
	for _, p := range e.srv.Purchases() {
		if seen[p.DocID] {
			t.Errorf("document %d bought twice", p.DocID)
		}
		seen[p.DocID] = true
		c, _ := Estimate(p.Pages, false)
		charged += c
	}
	m, _ := svcs[1].Ledger().Spend(context.Background())
	if charged > cfg.Caps.Day || m.Cents != charged {
		t.Errorf("charged %v, ledger %v; want equal and within the daily cap %v", charged, m.Cents, cfg.Caps.Day)
	}
}

// wantedLeft counts the documents still wanted.
func wantedLeft(tb testing.TB, js jetstream.JetStream) int {
	kv, err := bus.KV(context.Background(), js, bus.BucketRECAP)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := kv.ListKeysFiltered(context.Background(), "want.>")
	if err != nil {
		return -1
	}
	n := 0
	for range l.Keys() {
		n++
	}
	return n
}
