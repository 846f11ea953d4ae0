// Package tracing carries OpenTelemetry trace context from stage to stage through NATS
// message headers, so that one trace follows a filing from the fetcher through the
// extractor, the indexer and the alerter to the webhook that announces it.
//
// The context travels as W3C Trace Context ("traceparent", "tracestate" headers), the
// format every OpenTelemetry SDK and collector reads. Publishers open a producer span
// and inject it (StartPublish); consumers extract it and open a consumer span, a child
// of the producer's (StartConsume), then close it with the message's outcome (End).
//
// Setup installs the process's tracer provider once, from the command line. Without
// Setup — tests, command-line tools — the OpenTelemetry no-op provider is in force:
// nothing is recorded and no trace is started, but a trace context that arrives on a
// message is passed on unchanged, so a process that does not trace never breaks a
// trace that others record.
package tracing

import (
	"context"
	"net/http"
	"reflect"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of docketwatch's spans.
const Name = "github.com/docketwatch/docketwatch/pkg/telemetry/tracing"

// HeaderTraceparent is the W3C header that carries a message's trace and parent span.
const HeaderTraceparent = "traceparent"

// Attribute keys of docketwatch's own, beyond OpenTelemetry's semantic conventions.
const (
	// AttrOutcome is how a consumed message ended: ack, retry or parked.
	AttrOutcome = attribute.Key("docketwatch.outcome")
	// AttrDocID is the DocID a message is about.
	AttrDocID = attribute.Key("docketwatch.doc_id")
	// AttrStage is the stage that handled a message.
	AttrStage = attribute.Key("docketwatch.stage")
)

// propagator is fixed rather than read from otel's global so that messages carry their
// context in the one format our consumers read, whatever else a process installs.
var propagator = propagation.TraceContext{}

// tracerFor caches the tracer of the global provider it came from. A tracer taken once
// at init would follow only the first provider ever installed (otel delegates once), and
// asking the provider on every message costs a lock; an atomic load and a comparison
// follow every change of provider (Setup, a test's recorder) for nothing.
type tracerFor struct {
	tp trace.TracerProvider
	t  trace.Tracer
}

var cached atomic.Pointer[tracerFor]

// Span start options, built once: made per call, the option and its slice cost two
// allocations a message even when tracing is off.
var (
	asProducer = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindProducer)}
	asConsumer = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	asClient   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
)

func tracer() trace.Tracer {
	tp := otel.GetTracerProvider()
	if c := cached.Load(); c != nil && c.tp == tp {
		return c.t
	}
	t := tp.Tracer(Name)
	// Comparing interfaces panics on a non-comparable dynamic type; caching only
	// comparable providers keeps the comparison above safe for any other.
	if reflect.TypeOf(tp).Comparable() {
		cached.Store(&tracerFor{tp: tp, t: t})
	}
	return t
}

// Header adapts a nats.Header to OpenTelemetry's TextMapCarrier. NATS header keys are
// case-sensitive; Get also accepts the canonical HTTP spelling ("Traceparent") that a
// message built from an HTTP request may carry.
type Header nats.Header

var _ propagation.TextMapCarrier = Header(nil)

// Get returns the first value of key.
func (h Header) Get(key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	var canonical string
	switch key {
	case "traceparent":
		canonical = "Traceparent"
	case "tracestate":
		canonical = "Tracestate"
	default:
		return ""
	}
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces key's values with value. A nil Header drops it: there is no message
// to carry it.
func (h Header) Set(key, value string) {
	if h == nil {
		return
	}
	h[key] = []string{value}
}

// Keys lists the keys present.
func (h Header) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// Inject writes the trace context of ctx into h; it writes nothing when ctx carries
// none. h must be non-nil to receive it (a nil h is left alone).
func Inject(ctx context.Context, h nats.Header) {
	propagator.Inject(ctx, Header(h))
}

// Extract returns ctx with the trace context carried in h as its remote parent, or ctx
// unchanged when h carries none (or a malformed one).
func Extract(ctx context.Context, h nats.Header) context.Context {
	if h == nil {
		return ctx
	}
	return propagator.Extract(ctx, Header(h))
}

// InjectHTTP writes the trace context of ctx into an outgoing HTTP request's headers, so
// that the receiver (a webhook endpoint) can join the trace.
func InjectHTTP(ctx context.Context, h http.Header) {
	propagator.Inject(ctx, propagation.HeaderCarrier(h))
}

// StartPublish opens a producer span for a message about to be published on subject and
// injects its context into h, the message's headers. The caller ends the span once
// the publish is acknowledged (End, or span.End). attrs are added only when the span
// records.
func StartPublish(ctx context.Context, subject string, h nats.Header, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	ctx, span := tracer().Start(ctx, publishName(subject), asProducer...)
	messaging(span, semconv.MessagingOperationTypeSend, semconv.MessagingDestinationName(subject), attrs)
	Inject(ctx, h)
	return ctx, span
}

// StartConsume opens the consumer span of one message handled by stage: a child of the
// producer span whose context h carries, or of ctx's span when h carries none. The
// returned context carries the new span; the handler works under it and what it
// publishes continues the trace. attrs are added only when the span records.
func StartConsume(ctx context.Context, stage string, h nats.Header, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	ctx, span := tracer().Start(Extract(ctx, h), stage, asConsumer...)
	messaging(span, semconv.MessagingOperationTypeProcess, AttrStage.String(stage), attrs)
	return ctx, span
}

// messaging gives a message's span the attributes of a NATS operation, op on where,
// and attrs: only when it records, so that an unsampled message builds no attribute
// list.
func messaging(span trace.Span, op, where attribute.KeyValue, attrs []attribute.KeyValue) {
	if span.IsRecording() {
		span.SetAttributes(semconv.MessagingSystemKey.String("nats"), op, where)
		span.SetAttributes(attrs...)
	}
}

// StartClient opens a client span for an outgoing request named name ("webhook POST");
// inject its context into the request with InjectHTTP.
func StartClient(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	ctx, span := tracer().Start(ctx, name, asClient...)
	if span.IsRecording() {
		span.SetAttributes(attrs...)
	}
	return ctx, span
}

// End records how the span's work ended and ends it. outcome, when not empty, is kept
// as docketwatch.outcome ("ack", "retry", "parked"); a non-nil err is recorded and marks
// the span as failed.
func End(span trace.Span, outcome string, err error) {
	if span.IsRecording() {
		if outcome != "" {
			span.SetAttributes(AttrOutcome.String(outcome))
		}
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
}

// TraceID returns the hex trace id of ctx's span, or "" when it has none: the key that
// joins a log line to its trace ("trace_id").
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}

// publishName names a producer span after the low-cardinality part of its subject, the
// first token ("filings.cand" → "publish filings"): alert subjects carry a rule and a
// document, too many distinct names for a span. The stages' own prefixes are constants
// so that publishing allocates no name when tracing is off.
func publishName(subject string) string {
	first := subject
	for i := 0; i < len(subject); i++ {
		if subject[i] == '.' {
			first = subject[:i]
			break
		}
	}
	switch first {
	case "filings":
		return "publish filings"
	case "texts":
		return "publish texts"
	case "indexed":
		return "publish indexed"
	case "alerts":
		return "publish alerts"
	case "dead":
		return "publish dead"
	}
	return "publish " + first
}
