package extractor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
)

// TestReextractResumes stops a re-extraction midway and resumes it: every selected filing
// goes back on FILINGS exactly once, and nothing else does.
func TestReextractResumes(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2024, 4, d, 0, 0, 0, 0, time.UTC) }
	for i := range 30 {
		court := []string{"cand", "nysd", "dcd"}[i%3]
		doc := filing.Document{Schema: filing.Schema, ID: filing.DocID(fmt.Sprintf("t:%d", i)), Source: "test",
			Docket: filing.Docket{Court: court}, Entry: filing.Entry{Filed: day(1 + i%20)}}
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, court), DocID: doc.ID, Value: doc}); err != nil {
			t.Fatal(err)
		}
	}
	store, err := job.NewStore(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	// cand has i = 0, 3, ..., 27; filed day 1+i%20 within 1..10 keeps i = 0, 3, 6, 9, 21, 24, 27.
	j, err := store.Create(ctx, ReextractKind, job.Selection{Court: "cand", Since: day(1), Until: day(10)})
	if err != nil {
		t.Fatal(err)
	}
	handler := ReextractJob(js)
	reports := 0
	err = handler(ctx, j, func() error {
		if reports++; reports == 3 {
			return job.ErrStopped
		}
		return nil
	})
	if err != job.ErrStopped || j.Position == 0 {
		t.Fatalf("first run: %v at position %d; want stopped midway", err, j.Position)
	}
	if err := handler(ctx, j, func() error { return nil }); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if j.Selected != 7 {
		t.Errorf("selected %d; want 7", j.Selected)
	}
	info, _ := js.Stream(ctx, bus.Filings)
	if n := info.CachedInfo().State.Msgs; n != 37 {
		t.Errorf("FILINGS holds %d messages; want 30 + 7 re-extractions", n)
	}
	// Running the finished job again adds nothing.
	if err := handler(ctx, j, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	info, _ = js.Stream(ctx, bus.Filings)
	if n := info.CachedInfo().State.Msgs; n != 37 {
		t.Errorf("after a second run FILINGS holds %d; want still 37", n)
	}
}

// TestReextractReplaysOriginalsOnly: a second re-extraction of the same selection puts
// back the same documents, not also the copies the first one (or a retry of a parked
// message) left on FILINGS; before, each run selected twice as many as the one before.
func TestReextractReplaysOriginalsOnly(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	for i := range 3 {
		doc := filing.Document{Schema: filing.Schema, ID: filing.DocID(fmt.Sprintf("t:%d", i)), Source: "test", Docket: filing.Docket{Court: "cand"}}
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), DocID: doc.ID, Value: doc}); err != nil {
			t.Fatal(err)
		}
	}
	// A parked message retried: a copy of document 0 under a retry's message id.
	retried := filing.Document{Schema: filing.Schema, ID: "t:0", Source: "test", Docket: filing.Docket{Court: "cand"}}
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), MsgID: bus.MsgIDRetry + "7", DocID: retried.ID, Value: retried}); err != nil {
		t.Fatal(err)
	}
	store, err := job.NewStore(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	stored := uint64(4)
	for run := range 3 {
		j, err := store.Create(ctx, ReextractKind, job.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		if err := ReextractJob(js)(ctx, j, func() error { return nil }); err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		if j.Selected != 3 {
			t.Errorf("run %d selected %d documents; want the 3 originals", run+1, j.Selected)
		}
		stored += j.Selected
		info, _ := js.Stream(ctx, bus.Filings)
		if n := info.CachedInfo().State.Msgs; n != stored {
			t.Errorf("after run %d FILINGS holds %d messages; want %d", run+1, n, stored)
		}
	}
}
