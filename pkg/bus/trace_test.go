package bus_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestTraceCrossesTheBus publishes under a span, consumes with Consume, and publishes
// onward from the handler: the consumer span is a child of the producer span in the
// same trace, the handler runs under it, and the onward message continues the trace.
func TestTraceCrossesTheBus(t *testing.T) {
	rec := tracingtest.Record(t)
	js := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	root := publishUnderSpan(t, ctx, js, "x:1")

	inHandler := make(chan trace.SpanContext, 1)
	c := bus.Consumer{Stage: "extractor", Stream: bus.Filings, Durable: "trace", AckWait: 5 * time.Second}
	go c.Consume(ctx, js, quiet, func(ctx context.Context, msg jetstream.Msg) error {
		_, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Texts, "cand"), DocID: "x:1", Value: "text"})
		inHandler <- trace.SpanContextFromContext(ctx)
		return err
	})
	var handlerSC trace.SpanContext
	select {
	case handlerSC = <-inHandler:
	case <-time.After(10 * time.Second):
		t.Fatal("the message never reached the handler")
	}
	cons := tracingtest.Wait(t, rec, "extractor")
	pub := tracingtest.Wait(t, rec, "publish filings")
	onward := tracingtest.Wait(t, rec, "publish texts")

	traceID := root.SpanContext().TraceID()
	for _, s := range []sdktrace.ReadOnlySpan{pub, cons, onward} {
		if s.SpanContext().TraceID() != traceID {
			t.Errorf("span %q in trace %s; want %s", s.Name(), s.SpanContext().TraceID(), traceID)
		}
	}
	if pub.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("producer span's parent = %s; want the publisher's span %s", pub.Parent().SpanID(), root.SpanContext().SpanID())
	}
	if cons.Parent().SpanID() != pub.SpanContext().SpanID() || !cons.Parent().IsRemote() {
		t.Errorf("consumer span's parent = %s; want the producer span %s, across the bus", cons.Parent().SpanID(), pub.SpanContext().SpanID())
	}
	if cons.SpanKind() != trace.SpanKindConsumer || pub.SpanKind() != trace.SpanKindProducer {
		t.Errorf("kinds = producer %v, consumer %v", pub.SpanKind(), cons.SpanKind())
	}
	if handlerSC.SpanID() != cons.SpanContext().SpanID() {
		t.Errorf("handler ran under span %s; want the consumer span %s", handlerSC.SpanID(), cons.SpanContext().SpanID())
	}
	if onward.Parent().SpanID() != cons.SpanContext().SpanID() {
		t.Errorf("onward publish's parent = %s; want the consumer span %s", onward.Parent().SpanID(), cons.SpanContext().SpanID())
	}
	if !tracingtest.HasAttr(cons, "docketwatch.outcome", "ack") || !tracingtest.HasAttr(cons, "docketwatch.doc_id", "x:1") {
		t.Errorf("consumer span attributes = %v; want outcome ack and doc_id x:1", cons.Attributes())
	}
}

// BenchmarkPublishConsumeTracing publishes b.N small messages and consumes them through
// Consume, with tracing off (no provider: the default), propagating only (Setup without
// a collector: ids made and carried, nothing recorded) and exporting every span to a
// batch exporter that drops it (a fully sampled deployment, less the network). Compare ns/op of
// the three: the ratio is tracing's overhead on the stage loop.
//
//	go test -run '^$' -bench PublishConsumeTracing -benchtime 5000x ./pkg/bus/
func BenchmarkPublishConsumeTracing(b *testing.B) {
	js := bustest.Start(b)
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

// publishUnderSpan publishes a filing of doc on FILINGS under a span of its own, as a
// source polling a court does, and returns the ended span.
func publishUnderSpan(t *testing.T, ctx context.Context, js jetstream.JetStream, doc filing.DocID) trace.Span {
	t.Helper()
	ctx, root := otel.Tracer("test").Start(ctx, "poll cand")
	defer root.End()
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), DocID: doc, Value: "filing"}); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestParkedMessageCarriesTrace: a message parked by Consume, or by a caller's own loop
// through Settle without a span, is stored in DEAD with the trace it arrived with.
func TestParkedMessageCarriesTrace(t *testing.T) {
	t.Run("consume", func(t *testing.T) {
		rec := tracingtest.Record(t)
		js := bustest.Start(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		root := publishUnderSpan(t, ctx, js, "x:bad")
		c := bus.Consumer{Stage: "extractor", Stream: bus.Filings, Durable: "park", MaxDeliver: 1}
		go c.Consume(ctx, js, quiet, func(context.Context, jetstream.Msg) error { return fault.Permanentf("not a PDF") })

		h := deadHeaders(t, js)
		tp := h.Get(tracing.HeaderTraceparent)
		if !strings.HasPrefix(tp, "00-"+root.SpanContext().TraceID().String()+"-") {
			t.Fatalf("parked message's traceparent = %q; want trace %s", tp, root.SpanContext().TraceID())
		}
		cons := tracingtest.Wait(t, rec, "extractor")
		if !tracingtest.HasAttr(cons, "docketwatch.outcome", "parked") || cons.Status().Description != "not a PDF" {
			t.Errorf("consumer span: attributes %v, status %+v; want outcome parked and the cause", cons.Attributes(), cons.Status())
		}

		// A retry from DEAD goes on in the same trace.
		parked, err := bus.ListParked(ctx, js, 0)
		if err != nil || len(parked) != 1 {
			t.Fatalf("ListParked = %v, %v", parked, err)
		}
		retried := make(chan string, 1)
		retry := bus.Consumer{Stage: "retried", Stream: bus.Filings, Durable: "retried", MaxDeliver: 1}
		go retry.Consume(ctx, js, quiet, func(ctx context.Context, msg jetstream.Msg) error {
			if md, _ := msg.Metadata(); md != nil && md.Sequence.Stream > 1 {
				retried <- tracing.TraceID(ctx)
			}
			return nil
		})
		if err := bus.RetryParked(context.Background(), js, parked[0].Seq); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-retried:
			if got != root.SpanContext().TraceID().String() {
				t.Errorf("the retried message is handled in trace %s; want the parked one's, %s", got, root.SpanContext().TraceID())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the retried message never arrived")
		}
	})
	t.Run("own loop, tracing off", func(t *testing.T) {
		tracingtest.Install(t, noop.NewTracerProvider())
		js := bustest.Start(t)
		ctx := context.Background()
		const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		remote := tracing.Extract(ctx, nats.Header{tracing.HeaderTraceparent: {parent}})
		if _, err := bus.Publish(remote, js, bus.Out{Subject: bus.Subject(bus.Texts, "cand"), DocID: "x:bad", Value: "text"}); err != nil {
			t.Fatal(err)
		}
		c := bus.Consumer{Stage: "indexer", Stream: bus.Texts, Durable: "own", MaxDeliver: 1}
		if got := c.Settle(ctx, js, quiet, fetchOne(t, c, js), fault.Permanentf("bad text")); got != bus.OutcomeParked {
			t.Fatalf("Settle = %s; want parked", got)
		}
		if got := deadHeaders(t, js).Get(tracing.HeaderTraceparent); got != parent {
			t.Errorf("parked message's traceparent = %q; want the one it arrived with, %q", got, parent)
		}
	})
}

// fetchOne pulls one message from c's consumer, as a stage with its own loop does, and
// fails the test unless exactly one comes within 5 s.
func fetchOne(t *testing.T, c bus.Consumer, js jetstream.JetStream) jetstream.Msg {
	t.Helper()
	cons, err := c.Ensure(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []jetstream.Msg
	for m := range batch.Messages() {
		got = append(got, m)
	}
	if len(got) != 1 {
		t.Fatalf("fetched %d messages from %s; want 1", len(got), c.Durable)
	}
	return got[0]
}

// deadHeaders waits for a message in DEAD and returns the first one's headers.
func deadHeaders(t *testing.T, js jetstream.JetStream) nats.Header {
	t.Helper()
	poll.Until(t, 10*time.Second, "a message parked in DEAD", func() bool { return bustest.Count(t, js, bus.Dead) > 0 })
	return bustest.Messages(t, js, bus.Dead)[0].Headers()
}
