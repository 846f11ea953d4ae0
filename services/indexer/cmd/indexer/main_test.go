package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
)

// TestProcessReadiness runs two indexer binaries of one shard against a NATS server: the
// one holding the shard's lease is ready and counts what it indexes; the other is not
// ready, saying it waits for the lease, until the first stops; and neither is ready once
// NATS is gone.
func TestProcessReadiness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// A real filing's text (testdata/SOURCES.md of the indexer module).
	text, err := os.ReadFile("../../testdata/corpus/ca1-filing.txt")
	if err != nil {
		t.Fatal(err)
	}
	bin := runtest.Build(t, ".")
	srv := runtest.StartNATS(t)
	env := srv.Env()
	first := runtest.Start(t, bin, env, "--nats", srv.ClientURL(), "--data", t.TempDir())
	first.WaitReady(http.StatusOK, "ready")
	first.WaitMetrics(`docketwatch_index_documents 0`)

	id := filing.NewDocID("ca1", "20-1234", 1, 0)
	var pages []filing.Page
	for i, p := range strings.Split(string(text), "\f") {
		if strings.TrimSpace(p) != "" {
			pages = append(pages, filing.Page{Number: i + 1, Text: p})
		}
	}
	tx := filing.Text{Schema: filing.Schema, Version: 1, Extractor: "test", ExtractedAt: time.Now().UTC(), Pages: pages,
		Document: filing.Document{Schema: filing.Schema, ID: id, Source: "test", Docket: filing.Docket{Court: "ca1", Number: "20-1234"}}}
	if _, err := bus.Publish(context.Background(), srv.JS, bus.Out{
		Subject: bus.Subject(bus.Texts, filing.CourtToken("ca1")), MsgID: bus.MsgID("test", id, "1"), DocID: id, Value: tx,
	}); err != nil {
		t.Fatal(err)
	}
	first.WaitMetrics(
		`docketwatch_index_documents 1`,
		`docketwatch_stage_messages_total{outcome="ack",stage="indexer"} 1`,
		`docketwatch_stream_messages{stream="INDEXED"} 1`,
		`docketwatch_consumer_pending_messages{consumer="indexer",stream="TEXTS"} 0`,
	)

	second := runtest.Start(t, bin, env, "--nats", srv.ClientURL(), "--data", t.TempDir())
	second.WaitReady(http.StatusServiceUnavailable, "not ready: indexer: waiting for the lease of indexer")
	if err := first.Stop(10 * time.Second); err != nil {
		t.Errorf("first indexer exit after SIGTERM: %v; want a clean exit", err)
	}
	second.WaitReady(http.StatusOK, "ready")

	srv.Stop()
	second.WaitReady(http.StatusServiceUnavailable, "not ready: nats connection indexer-")
	if code, body := second.Get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with NATS down: got %d %q; want 200", code, body)
	}
	if err := second.Stop(10 * time.Second); err != nil {
		t.Errorf("second indexer exit after SIGTERM: %v; want a clean exit", err)
	}
}
