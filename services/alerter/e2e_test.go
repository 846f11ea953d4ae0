package alerter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/blob/blobtest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go/jetstream"
)

// receiver is a webhook endpoint that records what it gets.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
	status int // answered to every request; 0 means 200
}

type delivery struct {
	header http.Header
	body   []byte
	event  alert.Event
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var e alert.Event
		_ = json.Unmarshal(body, &e)
		r.mu.Lock()
		r.got = append(r.got, delivery{header: req.Header.Clone(), body: body, event: e})
		status := r.status
		r.mu.Unlock()
		if status != 0 {
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// pipeline is a real docketwatch pipeline on an embedded JetStream: extractor (PDFs in
// child processes), indexer (bleve on disk), alerter and webhook deliverer.
type pipeline struct {
	js      jetstream.JetStream
	blobs   blob.Store
	pub     *fetcher.Publisher
	store   *alert.Store
	alerter *Service
	// stopAlerter stops the alerter, which runs apart so that it can be stopped and
	// restarted while the other stages go on.
	stopAlerter func() error
}

func startPipeline(t *testing.T) *pipeline {
	t.Helper()
	e := bustest.Server(t)
	_, js := bustest.JetStream(t, e)
	ctx := context.Background()
	p := &pipeline{js: js}
	shortDuplicateWindow(t, js)
	p.blobs = blobtest.PDFs(t, js)
	var err error
	if p.pub, err = fetcher.NewPublisher(ctx, js); err != nil {
		t.Fatal(err)
	}
	p.store = alerttest.Rules(t, js)
	idx, err := indexer.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() }) // after the stages stop: cleanups run last first
	if p.alerter, err = open(ctx, Config{BaseURL: "http://docketwatch.test"}, js); err != nil {
		t.Fatal(err)
	}
	conn := func(name string) jetstream.JetStream { _, js := bustest.Client(t, e, name); return js }
	exJS := conn("extractor")
	exBlobs := blobtest.PDFs(t, exJS)
	startDeliverer(t, conn("webhook"), p.store)
	runtest.Go(t, extractStage(extractor.Config{Concurrency: 1}, exJS, exBlobs).Run)
	runtest.Go(t, indexStage(indexer.Config{}, conn("indexer"), idx).Run)
	p.startAlerter(t)
	return p
}

func (p *pipeline) startAlerter(t *testing.T) { p.stopAlerter = runtest.Go(t, p.alerter.Run) }

// ingest writes a PDF of pages into a file and ingests it as `docketwatch ingest` does.
func (p *pipeline) ingest(t *testing.T, name string, pages ...string) filing.DocID {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, testpdf.New(pages...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := localdir.Ingest(context.Background(), p.blobs, p.pub, path, localdir.Known{}, time.Now)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	return out.ID
}

var allStages = []bustest.Durable{{Stream: bus.Filings, Name: "extractor"}, {Stream: bus.Texts, Name: "indexer"}, {Stream: bus.Indexed, Name: "alerter"}, {Stream: bus.Alerts, Name: "alerter-webhook"}}

// stamp is an ECF header stamp of entry 736 filed today, attachment att.
func stamp(att, page, of int) string {
	doc := "736"
	if att > 0 {
		doc = fmt.Sprintf("736-%d", att)
	}
	return fmt.Sprintf("Case 3:20-cv-08570-JD Document %s Filed %s Page %d of %d", doc, time.Now().Format("01/02/06"), page, of)
}

func TestEndToEndExactlyOneWebhook(t *testing.T) {
	p := startPipeline(t)
	recv := newReceiver(t)
	ctx := context.Background()
	const secret = "correct horse battery staple"
	tracked, err := p.store.Create(ctx, alert.Rule{Name: "Inbox API in exhibits", Query: `"Inbox API"`,
		Filters: alert.Filters{ExhibitsOnly: true}, Webhook: &alert.Webhook{URL: recv.srv.URL, Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := p.store.Create(ctx, alert.Rule{Name: "nobody says this", Query: `"quantum marmalade"`,
		Webhook: &alert.Webhook{URL: recv.srv.URL, Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	// A fixed 100 ms here let a loaded machine index the exhibit before the alerter had
	// the rule (0 webhooks).
	poll.Until(t, 30*time.Second, "the alerter to load both rules", func() bool { return p.alerter.Rules() == 2 })

	exhibit := []string{
		stamp(12, 1, 2) + "\nEXHIBIT 12",
		stamp(12, 2, 2) + "\nFrom: platform partnerships\nSubject: access review\n" +
			"We will restrict the Inbox API to approved partners next quarter.\nRegards",
	}
	id := p.ingest(t, "exhibit.pdf", exhibit...)
	bustest.WaitDrained(t, p.js, time.Minute, allStages...)

	got := recv.deliveries()
	if len(got) != 1 {
		t.Fatalf("got %d webhooks after the exhibit; want 1", len(got))
	}
	d := got[0]
	if err := webhook.Verify(secret, d.body, d.header.Get(webhook.HeaderSignature), time.Now()); err != nil {
		t.Errorf("signature %q does not verify: %v", d.header.Get(webhook.HeaderSignature), err)
	}
	a := d.event.Alert
	if a == nil || a.RuleID != tracked.ID || a.DocID != id {
		t.Fatalf("got event %+v; want rule %s on %s", d.event, tracked.ID, id)
	}
	if d.header.Get(webhook.HeaderIdempotency) != a.ID {
		t.Errorf("got Idempotency-Key %q; want %q", d.header.Get(webhook.HeaderIdempotency), a.ID)
	}
	if a.Page != 2 || !strings.Contains(a.Snippet, "the <mark>Inbox</mark> <mark>API</mark> to approved") {
		t.Errorf("got page %d snippet %q; want page 2 with the marked phrase", a.Page, a.Snippet)
	}
	if !a.Exhibit || a.ExhibitLabel != "Exhibit 12" || a.Kind != alert.NewlyFiled || a.Docket != "3:20-cv-08570" {
		t.Errorf("got exhibit %v %q kind %s docket %q; want Exhibit 12, newly filed, 3:20-cv-08570", a.Exhibit, a.ExhibitLabel, a.Kind, a.Docket)
	}
	// The link opens the document's web page (not the JSON API) at the matched page, and
	// the text copy of the snippet carries no markup.
	if want := "http://docketwatch.test/doc/" + string(id) + "?page=2#page-2"; a.Link != want {
		t.Errorf("got link %q; want %q", a.Link, want)
	}
	if !strings.Contains(a.SnippetText, "the [Inbox] [API] to approved") || strings.Contains(a.SnippetText, "<") {
		t.Errorf("got snippet_text %q; want the phrase in brackets, no tags", a.SnippetText)
	}

	// The same exhibit again: a re-ingest (FILINGS drops it), a re-extraction that the
	// indexer re-indexes (a newer version, INDEXED again), and a redelivery of every
	// INDEXED message to a restarted alerter whose ledger lost the pair.
	if again := p.ingest(t, "exhibit-copy.pdf", exhibit...); again != id {
		t.Fatalf("re-ingest gave id %s; want %s", again, id)
	}
	time.Sleep(300 * time.Millisecond) // past ALERTS' duplicate window
	reextract(t, p.js, id)
	bustest.WaitDrained(t, p.js, time.Minute, allStages...)
	if err := p.stopAlerter(); err != nil {
		t.Errorf("alerter stopped: %v", err)
	}
	if err := p.js.DeleteConsumer(ctx, bus.Indexed, "alerter"); err != nil {
		t.Fatal(err)
	}
	ledger, _ := bus.KV(ctx, p.js, bus.BucketAlerted)
	if err := ledger.Purge(ctx, "doc."+tracked.ID+"."+id.Key()); err != nil {
		t.Fatal(err)
	}
	p.startAlerter(t)
	bustest.WaitDrained(t, p.js, time.Minute, allStages...)
	if n := len(recv.deliveries()); n != 1 {
		t.Fatalf("got %d webhooks after re-ingest, re-index and redelivery; want still 1", n)
	}

	// A main document (not an exhibit) that mentions it: no alert for the exhibits rule.
	p.ingest(t, "motion.pdf", stamp(0, 1, 1)+"\nMOTION TO COMPEL\nPlaintiffs seek the logs of the Inbox API.")
	bustest.WaitDrained(t, p.js, time.Minute, allStages...)
	if n := len(recv.deliveries()); n != 1 {
		t.Fatalf("got %d webhooks after a main document; want still 1", n)
	}
	for _, d := range recv.deliveries() {
		if d.event.RuleID() == quiet.ID {
			t.Errorf("the rule on a term nobody mentions alerted: %+v", d.event)
		}
	}
}

// reextract publishes the document's text again as a newer extraction, as a re-run of
// the extractor with a new engine would.
func reextract(t *testing.T, js jetstream.JetStream, id filing.DocID) {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.Texts)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Info(ctx)
	var text filing.Text
	for seq := info.State.LastSeq; seq > 0; seq-- {
		raw, err := s.GetMsg(ctx, seq)
		if err == nil && json.Unmarshal(raw.Data, &text) == nil && text.Document.ID == id {
			break
		}
	}
	if text.Document.ID != id {
		t.Fatalf("no text of %s in TEXTS", id)
	}
	newVersion(&text)
	text.Extractor += "+again"
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Texts, filing.CourtToken(text.Document.Docket.Court)),
		MsgID: bus.MsgID("test-reextract", id, fmt.Sprint(text.Version)), DocID: id, Value: text}); err != nil {
		t.Fatal(err)
	}
}
