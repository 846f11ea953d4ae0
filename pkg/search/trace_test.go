package search

import (
	"context"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"go.opentelemetry.io/otel"
)

// TestSearchTraceReachesEveryShard: a search made in a traced request (the API's) is
// one trace with each shard's answer: a slow shard shows in it.
func TestSearchTraceReachesEveryShard(t *testing.T) {
	rec := tracingtest.Record(t)
	nc, _ := bustest.JetStream(t, bustest.Server(t))
	serveShards(t, nc, "test.traced", &facetIndex{counts: map[string]int{"cand": 1}}, &facetIndex{counts: map[string]int{"nysd": 2}})
	ctx, root := otel.Tracer("test").Start(context.Background(), "GET /api/v1/search")
	if _, err := NewRemote(nc, "test.traced").Search(ctx, Query{Q: "x"}); err != nil {
		t.Fatal(err)
	}
	root.End()
	for _, name := range []string{"search shard 0/2", "search shard 1/2"} {
		if s := tracingtest.Wait(t, rec, name); s.SpanContext().TraceID() != root.SpanContext().TraceID() {
			t.Errorf("%s is in trace %s; want the request's %s", name, s.SpanContext().TraceID(), root.SpanContext().TraceID())
		}
	}
	if req := tracingtest.Find(rec, "search request"); len(req) != 1 || req[0].Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("search request spans %v; want one, a child of the caller's", req)
	}
}
