package tracing_test

import (
	"context"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/nats-io/nats.go"
)

// BenchmarkHop is the tracing work of one message between two stages, without NATS: a
// producer span injected into fresh headers, a consumer span extracted from them, both
// ended. Off is the default (no provider), propagate is Setup without a collector,
// export samples every span into a batch exporter that drops them.
func BenchmarkHop(b *testing.B) {
	for _, m := range tracingtest.Modes() {
		b.Run(m.Name, func(b *testing.B) {
			m.Install(b)
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
