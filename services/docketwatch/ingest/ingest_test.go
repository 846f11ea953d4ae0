package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// searched is a Searcher that says when each of its searches has returned.
type searched struct {
	search.Searcher
	done chan struct{}
}

func (s searched) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	defer func() { s.done <- struct{}{} }()
	return s.Searcher.Search(ctx, q)
}

// TestAwaitFindsAWriteWhoseEventWasDropped: a document published before the wait, whose
// INDEXED came before it too while the index lost the write (a crash before it reached
// the disk). The restarted indexer writes it again and its INDEXED is dropped as a
// duplicate of the first: no event comes, and only the wait's look at the index ends it.
func TestAwaitFindsAWriteWhoseEventWasDropped(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	x, err := indexer.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })

	id := filing.DocID("cand/3:24-cv-00001/7/0")
	text := filing.Text{Schema: filing.Schema, Version: 7, Document: filing.Document{
		Schema: filing.Schema, ID: id, Source: "test", Docket: filing.Docket{Court: "cand"},
	}, Pages: []filing.Page{{Number: 1, Text: "Order granting the motion to dismiss."}}}
	// The announcement of the crashed indexer, and the text its successor reads again.
	for _, out := range []bus.Out{
		{Subject: bus.Subject(bus.Indexed, "cand"), MsgID: bus.MsgID("indexer", id, schema.VersionKey(text.Version)), DocID: id,
			Value: filing.Indexed{Schema: filing.Schema, ID: id, Court: "cand", Version: text.Version, Pages: 1}},
		{Subject: bus.Subject(bus.Texts, "cand"), MsgID: bus.MsgID("extractor", id, "v7"), DocID: id, Value: text},
	} {
		if _, err := bus.Publish(ctx, js, out); err != nil {
			t.Fatal(err)
		}
	}

	s := searched{Searcher: x, done: make(chan struct{}, 16)}
	awaited := make(chan error, 1)
	start := time.Now()
	go func() {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		parked, err := ingest.Await(actx, ingest.Deps{JS: js, Searcher: s}, []filing.DocID{id})
		if err == nil && len(parked) > 0 {
			t.Errorf("parked %v; want none", parked)
		}
		awaited <- err
	}()
	<-s.done // the wait's first look: the index does not hold the document yet
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	stage, err := indexer.New(indexer.Config{}, indexer.Deps{JS: js, Index: x, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	runtest.Go(t, stage.Run)

	if err := <-awaited; err != nil {
		t.Fatalf("await: %v", err)
	}
	t.Logf("ended %v after the wait began", time.Since(start).Round(time.Millisecond))
	// The second write's INDEXED was dropped: what ended the wait was no event.
	if n := bustest.Count(t, js, bus.Indexed); n != 1 {
		t.Fatalf("INDEXED holds %d messages; want the crashed indexer's one", n)
	}
}
