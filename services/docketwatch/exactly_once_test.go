package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/nats-io/nats.go/jetstream"
)

// pipelineConsumers are the stages' durable consumers, upstream first (as
// bustest.WaitDrained wants them).
var pipelineConsumers = []bustest.Durable{{Stream: bus.Filings, Name: "extractor"}, {Stream: bus.Texts, Name: "indexer"},
	{Stream: bus.Indexed, Name: "alerter"}, {Stream: bus.Alerts, Name: "alerter-webhook"}}

// startAlerterNode starts a node running the alerter role alone (the matcher and its
// deliverers), joined to the NATS of the node that owns data. Its errors go to errs.
func startAlerterNode(t *testing.T, data string, errs io.Writer) *node.Node {
	t.Helper()
	owner, err := datadir.ReadOwner(data)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{Roles: []string{node.RoleAlerter},
		NATS:    bus.ConnConfig{URLs: owner.NATS, Token: owner.Token},
		Alerter: alerter.Config{BaseURL: "http://docketwatch.test", WebhookAllowPrivate: true}, // the receiver is on loopback
		Log:     slog.New(slog.NewTextHandler(errs, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// ingestPDF writes a PDF of pages into a file named name, ingests it as `docketwatch
// ingest` does (waiting until it is indexed, or found indexed already) and returns its id.
func ingestPDF(t *testing.T, n *node.Node, name string, pages ...string) filing.DocID {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, testpdf.New(pages...))
	f := ingestPaths(t, n, path).Files[0]
	if f.Status != ingest.Indexed && f.Status != ingest.Duplicate {
		t.Fatalf("ingesting %s: %s (%s); want indexed or duplicate", name, f.Status, f.Reason)
	}
	return f.ID
}

// ecfStamp is an ECF header stamp of entry 736 filed today, attachment att.
func ecfStamp(att, page, of int) string {
	doc := "736"
	if att > 0 {
		doc = fmt.Sprintf("736-%d", att)
	}
	return fmt.Sprintf("Case 3:20-cv-08570-JD Document %s Filed %s Page %d of %d", doc, time.Now().Format("01/02/06"), page, of)
}

// TestEndToEndExactlyOneWebhook runs the whole pipeline on nodes: one with every role
// but the alerter, the alerter in a second node joined to the first's NATS, so that it
// can be stopped, lose its consumer and ledger entry, and be started again while the
// other stages go on. A matching exhibit gets exactly one signed webhook, which nothing
// done to the exhibit afterwards repeats.
func TestEndToEndExactlyOneWebhook(t *testing.T) {
	data := t.TempDir()
	n, err := node.Start(context.Background(), node.Config{DataDir: data, Log: slog.New(slog.DiscardHandler),
		Roles: []string{node.RoleIndexer, node.RoleExtractor, node.RoleFetcher, node.RoleAPI},
		API:   api.Config{HTTP: "127.0.0.1:0", Policy: api.Policy{Token: "test-token"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	recv := alerttest.NewReceiver(t)
	ctx := context.Background()
	const secret = "correct horse battery staple"
	// Saved before the alerter starts, which applies every saved rule before it matches
	// (services/alerter/alerter.go, Run): no wait for the rules to load.
	store := alerttest.Rules(t, n.JS)
	tracked := alerttest.Create(t, store, alert.Rule{Name: "Inbox API in exhibits", Query: `"Inbox API"`,
		Filters: alert.Filters{ExhibitsOnly: true}, Webhook: &alert.Webhook{URL: recv.URL, Secret: secret}})
	quiet := alerttest.Create(t, store, alert.Rule{Name: "nobody says this", Query: `"quantum marmalade"`,
		Webhook: &alert.Webhook{URL: recv.URL, Secret: secret}})
	alerterErrs := &runtest.Buffer{}
	al := startAlerterNode(t, data, alerterErrs)
	alerttest.ShortDuplicateWindow(t, n.JS)

	exhibit := []string{
		ecfStamp(12, 1, 2) + "\nEXHIBIT 12",
		ecfStamp(12, 2, 2) + "\nFrom: platform partnerships\nSubject: access review\n" +
			"We will restrict the Inbox API to approved partners next quarter.\nRegards",
	}
	id := ingestPDF(t, n, "exhibit.pdf", exhibit...)
	bustest.WaitDrained(t, n.JS, time.Minute, pipelineConsumers...)

	got := recv.Deliveries()
	if len(got) != 1 {
		t.Fatalf("got %d webhooks after the exhibit; want 1", len(got))
	}
	d := got[0]
	if err := webhook.Verify(secret, d.Body, d.Header.Get(webhook.HeaderSignature), time.Now()); err != nil {
		t.Errorf("signature %q does not verify: %v", d.Header.Get(webhook.HeaderSignature), err)
	}
	a := d.Event.Alert
	if a == nil || a.RuleID != tracked.ID || a.DocID != id {
		t.Fatalf("got event %+v; want rule %s on %s", d.Event, tracked.ID, id)
	}
	if d.Header.Get(webhook.HeaderIdempotency) != a.ID {
		t.Errorf("got Idempotency-Key %q; want %q", d.Header.Get(webhook.HeaderIdempotency), a.ID)
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
	if again := ingestPDF(t, n, "exhibit-copy.pdf", exhibit...); again != id {
		t.Fatalf("re-ingest gave id %s; want %s", again, id)
	}
	// Past ALERTS' duplicate window: the wait is the window itself (a server-side
	// timer purges the message ids), with nothing to poll for.
	time.Sleep(300 * time.Millisecond)
	reextract(t, n.JS, id)
	bustest.WaitDrained(t, n.JS, time.Minute, pipelineConsumers...)
	al.Close()
	if err := n.JS.DeleteConsumer(ctx, bus.Indexed, "alerter"); err != nil {
		t.Fatal(err)
	}
	ledger, err := bus.KV(ctx, n.JS, bus.BucketAlerted)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.Purge(ctx, "doc."+tracked.ID+"."+id.Key()); err != nil {
		t.Fatal(err)
	}
	startAlerterNode(t, data, alerterErrs)
	alerttest.ShortDuplicateWindow(t, n.JS) // the new node's start set it back
	bustest.WaitDrained(t, n.JS, time.Minute, pipelineConsumers...)
	if n := len(recv.Deliveries()); n != 1 {
		t.Fatalf("got %d webhooks after re-ingest, re-index and redelivery; want still 1", n)
	}

	// A main document (not an exhibit) that mentions it: no alert for the exhibits rule.
	ingestPDF(t, n, "motion.pdf", ecfStamp(0, 1, 1)+"\nMOTION TO COMPEL\nPlaintiffs seek the logs of the Inbox API.")
	bustest.WaitDrained(t, n.JS, time.Minute, pipelineConsumers...)
	if n := len(recv.Deliveries()); n != 1 {
		t.Fatalf("got %d webhooks after a main document; want still 1", n)
	}
	for _, d := range recv.Deliveries() {
		if d.Event.RuleID() == quiet.ID {
			t.Errorf("the rule on a term nobody mentions alerted: %+v", d.Event)
		}
	}
	// A stage that stops while its node runs says so at error level (node.runStage).
	if s := alerterErrs.String(); s != "" {
		t.Errorf("the alerter nodes logged errors:\n%s", s)
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
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
	text.ExtractedAt = time.Now().UTC()
	text.Version = text.ExtractedAt.UnixNano()
	text.Extractor += "+again"
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Texts, filing.CourtToken(text.Document.Docket.Court)),
		MsgID: bus.MsgID("test-reextract", id, fmt.Sprint(text.Version)), DocID: id, Value: text}); err != nil {
		t.Fatal(err)
	}
}
