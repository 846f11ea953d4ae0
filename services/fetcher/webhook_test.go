package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"

	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// A docket-alert webhook is answered once queued; Run (here only started after the
// event, as after a crash) resolves it, publishes the documents without a PDF and those
// with one once their PDF is stored. Retries of the event, a second event about the same
// entries and a later CourtListener crawl of the court add nothing: one filing each.
func TestWebhookThenPDFThenPoll(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 80, Seed: 8})
	truth := srv.Documents("cand")
	// Two entries with an available PDF, one with an attachment if there is one.
	byEntry := map[int64][]clfake.Document{}
	var order []int64
	for _, d := range truth {
		if byEntry[d.EntryID] == nil {
			order = append(order, d.EntryID)
		}
		byEntry[d.EntryID] = append(byEntry[d.EntryID], d)
	}
	var entries []int64
	for _, id := range order {
		docs := byEntry[id]
		if docs[0].IsAvailable && (len(docs) > 1 || len(entries) == 1) {
			entries = append(entries, id)
		}
		if len(entries) == 2 {
			break
		}
	}
	if len(entries) != 2 {
		t.Fatal("fake has no suitable entries")
	}
	var announced, available int
	sums := map[string]string{} // source id → sha256 of its PDF
	for _, id := range entries {
		for _, d := range byEntry[id] {
			announced++
			if d.IsAvailable {
				available++
				s := sha256.Sum256(d.PDF)
				sums["rd:"+strconv.FormatInt(d.ID, 10)] = hex.EncodeToString(s[:])
			}
		}
	}
	event, err := srv.DocketAlertEvent(entries...)
	if err != nil {
		t.Fatal(err)
	}

	env := startNATS(t)
	cl := clConfig(srv)
	cfg := Config{CourtListener: cl, JobRetryInterval: 50 * time.Millisecond}
	svc := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	hs, ctx := serveWebhooks(t, svc)
	deliver := func(key string) {
		t.Helper()
		if _, err := clfake.Deliver(ctx, hs.Client(), hs.URL, event, key, 1, nil); err != nil {
			t.Fatalf("delivering %s: %v", key, err)
		}
	}

	// The event, twice (CourtListener retries with the same key): queued once.
	deliver("evt-1")
	deliver("evt-1")
	if n := queued(t, svc); n != 1 || filingsCount(t, env.js) != 0 {
		t.Fatalf("%d jobs queued, %d filings; want the event queued and nothing published yet", n, filingsCount(t, env.js))
	}

	// Run works the queue: each document once, those with a PDF with their blob.
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- svc.Run(runCtx) }()
	poll.Until(t, 10*time.Second, "queue worked", func() bool { return queued(t, svc) == 0 && filingsCount(t, env.js) == announced })
	docs := filings(t, env.js)
	for _, d := range docs {
		if d.Source != "courtlistener" || d.Docket.CaseName == "" || d.Entry.Number == 0 {
			t.Errorf("webhook document %+v; want resolved metadata", d)
		}
		if want, ok := sums[d.SourceID]; ok != (d.Blob != nil) || ok && d.Blob.SHA256 != want {
			t.Errorf("%s: blob %+v; want sha256 %q", d.ID, d.Blob, want)
		}
	}

	// Another event about the same entries (a new key): known documents, nothing new.
	deliver("evt-2")
	poll.Until(t, 10*time.Second, "second event worked", func() bool { return queued(t, svc) == 0 })
	if n := filingsCount(t, env.js); n != announced {
		t.Errorf("a second event about the same entries made FILINGS %d; want %d", n, announced)
	}
	stopRun()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}

	// The crawl of the court finds the webhook's documents as they are already known.
	if _, err := svc.Backfill(ctx, "cand", dataStart, dataStart.AddDate(0, 2, 0), nil); err != nil {
		t.Fatal(err)
	}
	docs = filings(t, env.js)
	if len(docs) != len(truth) {
		for id, n := range docIDs(docs) {
			if n > 1 {
				t.Logf("%s: %d versions", id, n)
			}
		}
		t.Errorf("after the crawl FILINGS holds %d; want %d (each document once)", len(docs), len(truth))
	}
}

// queued counts the jobs in the work queue.
func queued(t testing.TB, svc *Service) int {
	t.Helper()
	keys, err := svc.jobKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}
