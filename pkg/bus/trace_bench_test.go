package bus_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkPublishConsumeTracing publishes b.N small messages and consumes them through
// Consume, with tracing off (no provider: the default), propagating only (Setup without
// a collector: ids made and carried, nothing recorded) and exporting every span to a
// batch exporter that drops it (a fully sampled deployment, less the network). Compare ns/op of
// the three: the ratio is tracing's overhead on the stage loop.
//
//	go test -run '^$' -bench PublishConsumeTracing -benchtime 5000x ./pkg/bus/
func BenchmarkPublishConsumeTracing(b *testing.B) {
	_, js := bustest.JetStream(b, bustest.Server(b))
	var run atomic.Int64
	for _, m := range tracingtest.Modes() {
		b.Run(m.Name, func(b *testing.B) {
			m.Install(b)
			// Each run has its own subject and durable: the stream keeps earlier runs'.
			token := fmt.Sprintf("bench-%s-%d", m.Name, run.Add(1))
			publishConsume(b, js, token)
		})
	}
}

func publishConsume(b *testing.B, js jetstream.JetStream, token string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	subject := bus.Subject(bus.Filings, token)
	var handled atomic.Int64
	all := make(chan struct{})
	c := bus.Consumer{Stage: "bench", Stream: bus.Filings, Durable: token, Filter: subject, Concurrency: 4, MaxAckPending: 256}
	if _, err := c.Ensure(ctx, js); err != nil {
		b.Fatal(err)
	}
	n := int64(b.N)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		c.Consume(ctx, js, quiet, func(ctx context.Context, msg jetstream.Msg) error {
			if handled.Add(1) == n {
				close(all)
			}
			return nil
		})
	}()
	value := map[string]string{"court": "cand", "docket": "3:21-cv-03977-JD"}
	b.ResetTimer()
	for i := range b.N {
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: subject, DocID: "bench:1", Value: value}); err != nil {
			b.Fatalf("publish %d: %v", i, err)
		}
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("consumed %d of %d", handled.Load(), n)
	}
	b.StopTimer()
	cancel()
	<-stopped
}
