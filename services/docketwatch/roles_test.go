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

// startRoleProcess runs `docketwatch ROLE` against srv as operators do (this test binary
// stands in for docketwatch), serving its metrics and probes on a free port.
func startRoleProcess(t *testing.T, srv *runtest.NATS, role string, args ...string) *runtest.Process {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := append(srv.Env(), "DOCKETWATCH_TEST_MAIN=1")
	return runtest.Start(t, self, env, append([]string{role, "--nats", srv.ClientURL(), "--http", ""}, args...)...)
}

// TestIndexerProcessReadiness runs two `docketwatch indexer` processes of one shard: the
// one holding the shard's lease is ready and counts what it indexes; the other is not
// ready, saying it waits for the lease, until the first stops; and neither is ready once
// NATS is gone.
func TestIndexerProcessReadiness(t *testing.T) {
	if testing.Short() {
		t.Skip("runs role processes")
	}
	// A real filing's text (services/indexer/testdata/SOURCES.md).
	text, err := os.ReadFile("../indexer/testdata/corpus/ca1-filing.txt")
	if err != nil {
		t.Fatal(err)
	}
	srv := runtest.StartNATS(t)
	first := startRoleProcess(t, srv, "indexer", "--data", t.TempDir())
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

	second := startRoleProcess(t, srv, "indexer", "--data", t.TempDir())
	second.WaitReady(http.StatusServiceUnavailable, "not ready: indexer: waiting")
	if err := first.Stop(10 * time.Second); err != nil {
		t.Errorf("first indexer exit after SIGTERM: %v; want a clean exit", err)
	}
	second.WaitReady(http.StatusOK, "ready")

	outlivesNATS(t, srv, second)
}

// TestAlerterProcessServesMetricsAndProbes runs `docketwatch alerter` against a NATS
// server of its own and reads what Prometheus and Kubernetes would: /healthz, /readyz
// while NATS is up and after it goes away, and the stage's metrics once it has handled a
// document.
func TestAlerterProcessServesMetricsAndProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs role processes")
	}
	srv := runtest.StartNATS(t)
	p := startRoleProcess(t, srv, "alerter")
	if code, body := p.Get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz: got %d %q; want 200", code, body)
	}
	p.WaitReady(http.StatusOK, "ready")

	// One indexed document: with no rules the matcher acknowledges it, and says so.
	id := filing.NewDocID("cand", "3:20-cv-08570", 736, 12)
	if _, err := bus.Publish(context.Background(), srv.JS, bus.Out{
		Subject: bus.Subject(bus.Indexed, filing.CourtToken("cand")), MsgID: bus.MsgID("test-indexed", id, "1"), DocID: id,
		Value: filing.Indexed{Schema: filing.Schema, ID: id, Court: "cand", Version: 1, First: true, Pages: 1, IndexedAt: time.Now().UTC()},
	}); err != nil {
		t.Fatal(err)
	}
	p.WaitMetrics(
		`docketwatch_stage_messages_total{outcome="ack",stage="alerter"} 1`,
		`docketwatch_stage_processing_seconds_count{stage="alerter"} 1`,
		`docketwatch_stream_messages{stream="INDEXED"} 1`,
		`docketwatch_consumer_pending_messages{consumer="alerter",stream="INDEXED"} 0`,
		`docketwatch_consumer_pending_messages{consumer="alerter-webhook",stream="ALERTS"} 0`,
		`docketwatch_stream_messages{stream="EXHAUSTED"}`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	)

	outlivesNATS(t, srv, p)
}

// outlivesNATS stops srv: the role process lives on, waiting for it, and says it is not
// ready; then it exits cleanly on SIGTERM.
func outlivesNATS(t *testing.T, srv *runtest.NATS, p *runtest.Process) {
	t.Helper()
	srv.Stop()
	p.WaitReady(http.StatusServiceUnavailable, "not ready: nats connection docketwatch-")
	if code, body := p.Get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with NATS down: got %d %q; want 200", code, body)
	}
	if err := p.Stop(10 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v; want a clean exit", err)
	}
}
