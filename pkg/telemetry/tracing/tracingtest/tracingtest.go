// Package tracingtest records the spans a test makes: it installs an OpenTelemetry
// provider that samples everything into memory, and puts the previous one back when
// the test ends.
package tracingtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Record installs a recording provider as otel's global until tb ends and returns its
// recorder. Tests that call it must not run in parallel with other tests that trace:
// the provider is process-wide.
func Record(tb testing.TB) *tracetest.SpanRecorder {
	tb.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(rec))
	Install(tb, tp)
	return rec
}

// Install makes tp otel's global provider until tb ends, then shuts it down and puts the
// previous provider back.
func Install(tb testing.TB, tp trace.TracerProvider) {
	tb.Helper()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	tb.Cleanup(func() {
		otel.SetTracerProvider(prev)
		if s, ok := tp.(interface{ Shutdown(context.Context) error }); ok {
			_ = s.Shutdown(context.Background())
		}
	})
}

// Find returns the ended spans named name, in the order they ended.
func Find(rec *tracetest.SpanRecorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// Wait waits up to 10 s for a span named name to end and returns it; it fails the test
// if none ends, or if more than one has (a span made twice is a bug the caller would
// miss by looking at the first). Consumer and request spans end a moment after the
// work they cover, so a test waits for them rather than finding them at once.
func Wait(tb testing.TB, rec *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	tb.Helper()
	var spans []sdktrace.ReadOnlySpan
	poll.UntilGot(tb, 10*time.Second, fmt.Sprintf("a span named %q ended", name), func() (bool, string) {
		spans = Find(rec, name)
		return len(spans) > 0, fmt.Sprint(names(rec))
	})
	if len(spans) > 1 {
		tb.Errorf("%d spans named %q; want 1", len(spans), name)
	}
	return spans[0]
}

// names are the names of the ended spans, for a failure to show what did end.
func names(rec *tracetest.SpanRecorder) []string {
	var out []string
	for _, s := range rec.Ended() {
		out = append(out, s.Name())
	}
	return out
}

// HasAttr says whether span s carries the attribute key with value (as its string form).
func HasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key && kv.Value.Emit() == value {
			return true
		}
	}
	return false
}

// Discard installs, until tb ends, a provider that samples every span and hands it to a
// batch processor whose exporter drops it: the work of a fully sampled deployment less
// the network, for benchmarks (a recorder would grow with b.N).
func Discard(tb testing.TB) {
	tb.Helper()
	Install(tb, sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(discard{})))
}

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// Mode is one way a process may trace, for benchmarks to compare.
type Mode struct {
	Name    string
	Install func(tb testing.TB)
}

// Modes are the three ways a process traces: off (no provider, otel's default),
// propagate (Setup without a collector: ids made and carried, nothing recorded) and
// export (every span sampled into a batch exporter that drops it: a fully sampled
// deployment, less the network).
func Modes() []Mode {
	return []Mode{
		{"off", func(tb testing.TB) { Install(tb, noop.NewTracerProvider()) }},
		{"propagate", func(tb testing.TB) {
			prev := otel.GetTracerProvider()
			shutdown, err := tracing.Setup(context.Background(), tracing.Options{Service: "bench"})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { _ = shutdown(context.Background()); otel.SetTracerProvider(prev) })
		}},
		{"export", Discard},
	}
}
