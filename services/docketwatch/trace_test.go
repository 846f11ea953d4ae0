package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TestOneTraceFromFileToWebhook ingests a file that matches an alert rule and checks one
// trace covers its whole way, through NATS headers: the extractor, the indexer and the
// alerter each work in a span of the trace the ingest began, and the webhook request
// carries that trace to the receiver. The metrics count each stage's messages and the
// delivery.
func TestOneTraceFromFileToWebhook(t *testing.T) {
	rec := tracingtest.Record(t)
	parents := make(chan string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case parents <- r.Header.Get("traceparent"):
		default:
		}
	}))
	defer recv.Close()

	n := startNode(t, t.TempDir(), "")
	alerttest.Create(t, alerttest.Rules(t, n.JS), alert.Rule{Name: "sealing", Query: `"motion to seal"`,
		Webhook: &alert.Webhook{URL: recv.URL, Secret: "s"}})
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "order.pdf"), testpdf.New("ORDER granting the motion to seal the exhibit."))
	ingestPaths(t, n, in)

	var parent string
	select {
	case parent = <-parents:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery within 30s")
	}
	// traceparent: version-traceid-spanid-flags
	fields := strings.Split(parent, "-")
	if len(fields) != 4 || len(fields[1]) != 32 {
		t.Fatalf("the webhook request carries traceparent %q", parent)
	}
	trace := fields[1]
	deadline := time.Now().Add(10 * time.Second)
	for _, stage := range []string{"extractor", "indexer", "alerter"} {
		poll.UntilGot(t, time.Until(deadline), fmt.Sprintf("a %s span in the webhook's trace %s", stage, trace), func() (bool, string) {
			var seen []string
			for _, s := range rec.Ended() {
				if s.Name() == stage && s.SpanContext().TraceID().String() == trace {
					return true, ""
				}
				seen = append(seen, s.Name()+"@"+s.SpanContext().TraceID().String()[:8])
			}
			return false, fmt.Sprint(seen)
		})
	}

	poll.UntilGot(t, time.Until(deadline), "each stage's message and the delivery counted", func() (bool, string) {
		var missing []string
		for _, want := range []string{
			`docketwatch_stage_messages_total{outcome="ack",stage="extractor"} 1`,
			`docketwatch_stage_messages_total{outcome="ack",stage="indexer"} 1`,
			`docketwatch_stage_messages_total{outcome="ack",stage="alerter"} 1`,
			`docketwatch_stage_messages_total{outcome="ack",stage="webhook"} 1`,
			`docketwatch_alert_deliveries_total{channel="webhook",outcome="delivered"} 1`,
		} {
			if !strings.Contains(gatherText(t, n.Metrics), want) {
				missing = append(missing, want)
			}
		}
		return len(missing) == 0, fmt.Sprintf("lacking %v", missing)
	})
}

// gatherText is the registry's metrics in the text format /metrics serves.
func gatherText(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestSearchRequestJoinsTheCallersTrace: an API search sent with a traceparent is served
// in that trace, down to the index shard's answer.
func TestSearchRequestJoinsTheCallersTrace(t *testing.T) {
	rec := tracingtest.Record(t)
	n := startNode(t, t.TempDir(), "127.0.0.1:0")
	req, _ := http.NewRequest(http.MethodGet, n.HTTPURL+"/api/v1/search?q=seal", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if r := webtest.Do(t, req); r.Status != http.StatusOK {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	poll.Until(t, 5*time.Second, "the index's answer in the caller's trace", func() bool {
		for _, s := range tracingtest.Find(rec, "search shard 0/1") {
			if s.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" {
				return true
			}
		}
		return false
	})
}
