package tracing

import (
	"net/http"

	"github.com/docketwatch/docketwatch/pkg/httpstatus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Handler makes each request to h a server span, continuing the caller's trace when its
// traceparent header carries one: the searches it sends to the index shards, and what
// it publishes, join that trace.
func Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		// The method alone names the span: paths hold ids, too many names for a backend.
		ctx, span := tracer().Start(ctx, "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		sw := httpstatus.Wrap(w)
		h.ServeHTTP(sw, r.WithContext(ctx))
		if span.IsRecording() {
			span.SetAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path),
				semconv.HTTPResponseStatusCode(sw.Code))
			if sw.Code >= 500 {
				span.SetStatus(codes.Error, http.StatusText(sw.Code))
			}
		}
	})
}
