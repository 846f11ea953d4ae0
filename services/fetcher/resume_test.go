package fetcher

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// catchUp polls a court until its sweep is finished.
func catchUp(t *testing.T, svc *Service, court string) {
	t.Helper()
	ctx := context.Background()
	if err := svc.init(ctx); err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		var err error
		if more, err = svc.pollCourtListener(ctx, court); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 20 item 2: switching --courtlistener-field on a data directory with a saved
// cursor switches the polling, from the saved position: a PDF that arrived later is
// then found.
func TestFieldSwitchOnSavedCursor(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 60, Seed: 13})
	env := startNATS(t)
	cl := clConfig(srv, "cand")
	cl.Field = courtlistener.DateCreated
	catchUp(t, mustNew(t, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)}), "cand")

	var late clfake.Document
	for _, d := range srv.Documents("cand") {
		if !d.IsAvailable {
			late = d
			break
		}
	}
	srv.AttachPDF(late.ID, dataStart.AddDate(0, 2, 0))
	cl.Field = courtlistener.DateModified
	svc := mustNew(t, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	catchUp(t, svc, "cand")

	var cur courtlistener.Cursor
	if _, err := svc.cur.load(context.Background(), clPollKey("cand"), &cur); err != nil || cur.Field != courtlistener.DateModified {
		t.Errorf("saved cursor orders by %q (%v); want date_modified", cur.Field, err)
	}
	v := versions(t, env, "rd:"+itoa(late.ID))
	if len(v) != 2 || v[1].Blob == nil {
		t.Errorf("the document whose PDF arrived later: %d versions, last %+v; want a second with its PDF", len(v), v[len(v)-1].Blob)
	}
	if n := filingsCount(t, env.js); n != len(srv.Documents("cand"))+1 {
		t.Errorf("FILINGS holds %d; want each document once and the late PDF's version", n)
	}
}

// Issue 20 item 9: the request budget is kept in the KV store: a restarted fetcher, and
// a second one running beside it, do not spend it again.
func TestBudgetSurvivesRestart(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 20})
	env := startNATS(t)
	clk := testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	cl := clConfig(srv)
	cl.Budget = &courtlistener.Limits{PerMinute: 5, PerHour: 50}
	deps := Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Now: clk.Now, Sleep: clk.Sleep}
	ctx := context.Background()
	request := func(svc *Service, i int) {
		t.Helper()
		if err := svc.init(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.cl.RECAPDocument(ctx, srv.Documents("cand")[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	first := mustNew(t, Config{CourtListener: cl}, deps)
	for i := 0; i < 3; i++ {
		request(first, i)
	}
	second := mustNew(t, Config{CourtListener: cl}, deps) // beside it
	request(second, 3)
	request(second, 4)
	if clk.Slept() != 0 {
		t.Fatalf("slept %v within the budget", clk.Slept())
	}
	restarted := mustNew(t, Config{CourtListener: cl}, deps)
	request(restarted, 5)
	if clk.Slept() < time.Minute {
		t.Errorf("the sixth request of the minute, after a restart, waited %v; want about a minute", clk.Slept())
	}
}

// TestBudgetLogReadsBackAndSurvivesAnUnreadableValue: the request log keeps the times
// written, a nil answer writes nothing, and a value that does not read as a log counts
// as empty rather than blocking every request.
func TestBudgetLogReadsBackAndSurvivesAnUnreadableValue(t *testing.T) {
	kv := bustest.KV(t, startNATS(t).js, bus.BucketCursors)
	log := kvBudgetLog{kv: kv, key: budgetKey("tok")}
	ctx := context.Background()
	at := time.UnixMilli(1_700_000_000_000)
	appendAt := func(t time.Time) func([]time.Time) []time.Time {
		return func(ts []time.Time) []time.Time { return append(ts, t) }
	}
	read := func() (got []time.Time) {
		if err := log.Update(ctx, func(ts []time.Time) []time.Time { got = ts; return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}

	for i := range 2 {
		if err := log.Update(ctx, appendAt(at.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(); len(got) != 2 || !got[0].Equal(at) || !got[1].Equal(at.Add(time.Second)) {
		t.Fatalf("log %v; want the two times written", got)
	}
	revision := func() uint64 {
		e, err := kv.Get(ctx, log.key)
		if err != nil {
			t.Fatal(err)
		}
		return e.Revision()
	}
	before := revision()
	if read(); revision() != before {
		t.Errorf("an update answering nil wrote the log")
	}

	for _, bad := range []string{"not json", `{"times":"x"}`} {
		if _, err := kv.Put(ctx, log.key, []byte(bad)); err != nil {
			t.Fatal(err)
		}
		if err := log.Update(ctx, appendAt(at)); err != nil {
			t.Fatalf("over %q: %v", bad, err)
		}
		if got := read(); len(got) != 1 || !got[0].Equal(at) {
			t.Errorf("over %q: log %v; want it begun again with the one time", bad, got)
		}
	}
}

// Issue 20 item 8: Backfill returns once the PDFs it queued are published or parked,
// and reports every document it handed on, for the caller to wait until they are
// searchable.
func TestBackfillSettlesQueuedPDFs(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 50, Seed: 14})
	truth := srv.Documents("nysd")
	var slow, gone clfake.Document
	for _, d := range truth {
		switch {
		case !d.IsAvailable:
		case slow.ID == 0:
			slow = d
		case gone.ID == 0:
			gone = d
		}
	}
	srv.SetFileStatus(slow.ID, 503)
	srv.SetFileStatus(gone.ID, 404)
	env := startNATS(t)
	svc := mustNew(t, Config{CourtListener: clConfig(srv), JobRetryInterval: 20 * time.Millisecond, JobAttempts: 4},
		Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	if err := svc.init(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Storage recovers for one of them while the backfill waits.
	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if keys, err := svc.jobKeys(context.Background()); err == nil && len(keys) > 0 {
				break
			}
		}
		srv.SetFileStatus(slow.ID, 0)
	}()
	p, err := svc.Backfill(context.Background(), "nysd", dataStart, dataStart.AddDate(0, 2, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := queued(t, svc); n != 0 {
		t.Errorf("Backfill returned with %d PDFs still queued", n)
	}
	if v := versions(t, env, "rd:"+itoa(slow.ID)); len(v) != 1 || v[0].Blob == nil {
		t.Errorf("the PDF that recovered: %d versions; want it published with its PDF", len(v))
	}
	if pk := bustest.Parked(t, svc.js, "fetcher"); len(pk) != 1 || pk[0].ID == "" {
		t.Errorf("parked %+v; want the 404 document", pk)
	}
	ids := map[filing.DocID]bool{}
	for _, id := range p.IDs {
		ids[id] = true
	}
	if len(ids) != len(truth) {
		t.Errorf("Backfill reports %d documents; want all %d (published or parked)", len(ids), len(truth))
	}
}

// Issue 20 item 11: Ready reports a stopped source (the /readyz of a node with a
// fetcher), and the progress rate of a resumed backfill is not its restored count
// divided by a few microseconds.
func TestReadyAndProgressRate(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 10})
	env := startNATS(t)
	cl := clConfig(srv, "cand")
	cl.Token = "refused-token"
	svc := mustNew(t, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	if err := svc.Ready(); err != nil {
		t.Fatalf("Ready before any poll: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.Run(ctx); err == nil {
		t.Fatal("Run with a refused token: nil error")
	}
	if err := svc.Ready(); err == nil {
		t.Error("Ready with the court's source stopped: nil error")
	}

	for _, tc := range []struct {
		p    Progress
		want float64
	}{
		{Progress{Done: 220, DoneAtStart: 200, Elapsed: 3 * time.Microsecond}, 0},
		{Progress{Done: 220, DoneAtStart: 200, Elapsed: 2 * time.Second}, 10},
	} {
		if got := tc.p.Rate(); got != tc.want {
			t.Errorf("Rate of %+v = %v; want %v", tc.p, got, tc.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
