package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
)

// TestProcessServesMetricsAndProbes runs the alerter binary as operators do, against a
// NATS server of its own, and reads what Prometheus and Kubernetes would: /healthz,
// /readyz while NATS is up and after it goes away, and the stage's metrics once it has
// handled a document.
func TestProcessServesMetricsAndProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := runtest.Build(t, ".")
	srv := runtest.StartNATS(t)
	p := runtest.Start(t, bin, srv.Env(), "--nats", srv.ClientURL())

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

	// NATS goes away: the process lives on, waiting for it, and says it is not ready.
	srv.Stop()
	p.WaitReady(http.StatusServiceUnavailable, "not ready: nats connection alerter-")
	if code, body := p.Get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with NATS down: got %d %q; want 200", code, body)
	}
	if err := p.Stop(10 * time.Second); err != nil {
		t.Errorf("alerter exit after SIGTERM: %v; want a clean exit", err)
	}
}
