package fetcher

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// run starts svc.Run and returns the function that stops it and checks its result.
func run(t *testing.T, svc *Service) (stop func()) {
	t.Helper()
	stopRun := runtest.Go(t, svc.Run)
	return func() {
		if err := stopRun(); err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// versions returns the messages FILINGS holds for a document.
func versions(t testing.TB, env natsEnv, sourceID string) []filing.Document {
	t.Helper()
	var out []filing.Document
	for _, d := range filings(t, env.js) {
		if d.SourceID == sourceID {
			out = append(out, d)
		}
	}
	return out
}

// Issue 20 item 4: the webhook receiver answers at once, although the API budget is
// spent and resolving the events must wait for it: CourtListener gives up on a
// delivery after a few seconds.
func TestWebhookAnswersWithoutWaitingOnBudget(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocketsPerCourt: 12, DocumentsPerCourt: 120, Seed: 10})
	env := startNATS(t)
	cl := clConfig(srv)
	cl.Budget = &courtlistener.Limits{PerMinute: 5}
	svc := mustNew(t, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	hs, ctx := serveWebhooks(t, svc)
	stop := run(t, svc)
	defer stop()

	// One entry of each of six dockets, after the minute's budget was spent.
	var entries []int64
	dockets := map[int64]bool{}
	for _, d := range srv.Documents("cand") {
		if !dockets[d.DocketID] && len(entries) < 6 {
			dockets[d.DocketID] = true
			entries = append(entries, d.EntryID)
		}
	}
	for i := 0; i < 5; i++ {
		if _, err := svc.cl.RECAPDocument(ctx, srv.Documents("cand")[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Timeout: 3 * time.Second} // CourtListener's read timeout
	for i, id := range entries {
		event, err := srv.DocketAlertEvent(id)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := clfake.Deliver(ctx, client, hs.URL, event, "evt-"+strconv.Itoa(i), 1, nil); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("event %d answered after %v; want at once", i, d)
		}
	}
	if n := queued(t, svc); n != len(entries) {
		t.Errorf("%d events queued; want %d, waiting for the budget", n, len(entries))
	}
}

// Issue 20 item 5: an event naming a docket the API reports as 404 is answered 200
// (not 503, which CourtListener retries for two days before disabling the endpoint)
// and parked in DEAD with its reason.
func TestWebhookUnknownDocketParked(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 20})
	env := startNATS(t)
	svc := mustNew(t, Config{CourtListener: clConfig(srv), JobRetryInterval: 20 * time.Millisecond},
		Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	hs, ctx := serveWebhooks(t, svc)
	stop := run(t, svc)
	defer stop()
	event := []byte(`{"payload":{"results":[{"id":1,"docket":999999,"entry_number":3,"date_filed":"2026-08-01","description":"ORDER",
		"recap_documents":[{"id":5,"document_number":"3","description":"Order","is_available":false}]}]},
		"webhook":{"version":2,"event_type":1,"date_created":"2026-08-01T10:00:00-07:00","deprecation_date":null}}`)
	if n, err := clfake.Deliver(ctx, hs.Client(), hs.URL, event, "evt-404", 1, nil); err != nil || n != 1 {
		t.Fatalf("delivery: %d attempts, %v; want accepted at the first", n, err)
	}
	poll.Until(t, 10*time.Second, "event parked", func() bool { return len(bustest.Parked(t, svc.js, "fetcher")) == 1 && queued(t, svc) == 0 })
	p := bustest.Parked(t, svc.js, "fetcher")[0]
	if !strings.Contains(p.Reason, "999999") || !strings.Contains(p.Reason, "404") || p.Attempts != 1 {
		t.Errorf("parked %+v; want the docket's 404 as the reason, after one attempt", p.Parked)
	}
}

// failingPDF checks that a document whose PDF storage keeps answering status holds
// neither its court nor goes out without text: the rest of the court is published, the
// document is parked with its reason after its attempts and never published without
// its PDF, and `dead retry` brings it once the file is back.
func failingPDF(t *testing.T, status int) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 80, Seed: 12})
	truth := srv.Documents("cand")
	var bad clfake.Document
	for _, d := range truth[:10] {
		if d.IsAvailable {
			bad = d
			break
		}
	}
	srv.SetFileStatus(bad.ID, status)
	env := startNATS(t)
	cl := clConfig(srv, "cand")
	cl.PollInterval = time.Hour
	svc := mustNew(t, Config{CourtListener: cl, JobRetryInterval: 20 * time.Millisecond, JobAttempts: 3},
		Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	stop := run(t, svc)
	defer stop()
	sourceID := "rd:" + strconv.FormatInt(bad.ID, 10)
	poll.Until(t, 20*time.Second, "the rest of the court published and the document parked", func() bool {
		return filingsCount(t, env.js) == len(truth)-1 && len(bustest.Parked(t, svc.js, "fetcher")) == 1
	})
	if v := versions(t, env, sourceID); len(v) != 0 {
		t.Fatalf("the failing document was published %d times (blob %+v); want not before its PDF", len(v), v[0].Blob)
	}
	p := bustest.Parked(t, svc.js, "fetcher")[0]
	if p.Attempts != 3 || !strings.Contains(p.Reason, strconv.Itoa(status)) || p.ID == "" {
		t.Errorf("parked %+v; want the document, its %d and 3 attempts", p.Parked, status)
	}
	if st := courtStatus(t, svc, courtlistener.SourceName, "cand"); st.Parked != 1 {
		t.Errorf("status shows %d parked; want 1", st.Parked)
	}
	srv.SetFileStatus(bad.ID, 0)
	if err := bus.RetryParked(context.Background(), env.js, p.Seq); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 20*time.Second, "the retried document published", func() bool { return filingsCount(t, env.js) == len(truth) })
	if v := versions(t, env, sourceID); len(v) != 1 || v[0].Blob == nil {
		t.Errorf("after dead retry: %d versions %+v; want one, with its PDF", len(v), v)
	}
}

// Issue 20 item 6: one PDF whose download keeps failing does not hold its court.
func TestFailingPDFDoesNotHoldItsCourt(t *testing.T) { failingPDF(t, http.StatusBadGateway) }

// Issue 20 item 7: a storage 404 is parked and retried, not indexed without text.
func TestStorage404IsParkedNotIndexedWithoutText(t *testing.T) { failingPDF(t, http.StatusNotFound) }

// In a cluster the API role receives the webhooks and the fetcher role resolves them:
// an event queued by one process is worked by another at once, not at its next retry.
func TestWebhookQueuedByAnotherProcess(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 20, Seed: 15})
	env := startNATS(t)
	cfg := Config{CourtListener: clConfig(srv), JobRetryInterval: time.Hour}
	api := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	fetch := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := api.WebhookHandler(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	stop := run(t, fetch)
	defer stop()
	// The first event may meet the worker's first look at the queue; the second comes
	// when the worker waits.
	docs := srv.Documents("cand")
	for i, d := range []clfake.Document{docs[0], docs[len(docs)-1]} {
		event, err := srv.DocketAlertEvent(d.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := clfake.Deliver(ctx, hs.Client(), hs.URL, event, "evt-cluster-"+strconv.Itoa(i), 1, nil); err != nil {
			t.Fatal(err)
		}
		poll.Until(t, 10*time.Second, "the event's documents published", func() bool {
			return len(versions(t, env, "rd:"+strconv.FormatInt(d.ID, 10))) > 0 && queued(t, api) == 0
		})
	}
}
