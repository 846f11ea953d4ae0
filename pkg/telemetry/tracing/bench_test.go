package tracing_test

import (
	"context"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkHop is the tracing work of one message between two stages, without NATS: a
// producer span injected into fresh headers, a consumer span extracted from them, both
// ended. Off is the default (no provider), propagate is Setup without a collector,
// export samples every span into a batch exporter that drops them.
func BenchmarkHop(b *testing.B) {
	modes := []struct {
		name    string
		install func(b *testing.B)
	}{
		{"off", func(b *testing.B) { tracingtest.Install(b, noop.NewTracerProvider()) }},
		{"propagate", func(b *testing.B) {
			prev := otel.GetTracerProvider()
			shutdown, err := tracing.Setup(context.Background(), tracing.Options{Service: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = shutdown(context.Background()); otel.SetTracerProvider(prev) })
		}},
		{"export", func(b *testing.B) { tracingtest.Discard(b) }},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			m.install(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				h := nats.Header{"Doc-Id": {"cand/1"}}
				_, pub := tracing.StartPublish(ctx, "filings.cand", h)
				tracing.End(pub, "", nil)
				_, cons := tracing.StartConsume(ctx, "extractor", h)
				tracing.End(cons, "ack", nil)
			}
		})
	}
}
