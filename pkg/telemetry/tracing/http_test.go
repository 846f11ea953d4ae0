package tracing_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"go.opentelemetry.io/otel/trace"
)

// TestHandlerContinuesTheCallersTrace: a request carrying a traceparent is served in a
// server span of that trace, which the handler's work continues; the status is kept on
// the span, and streaming handlers can still flush.
func TestHandlerContinuesTheCallersTrace(t *testing.T) {
	rec := tracingtest.Record(t)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	var seen trace.SpanContext
	flushed := false
	h := tracing.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = trace.SpanContextFromContext(r.Context())
		w.WriteHeader(http.StatusServiceUnavailable)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
			flushed = true
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/search?q=x", nil)
	req.Header.Set("traceparent", parent)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if seen.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("the handler works in trace %s; want the caller's", seen.TraceID())
	}
	if !flushed || !w.Flushed || w.Code != http.StatusServiceUnavailable {
		t.Errorf("flushed %v/%v, code %d; want the handler's flush and status through", flushed, w.Flushed, w.Code)
	}
	spans := tracingtest.Find(rec, "HTTP GET")
	if len(spans) != 1 || spans[0].Parent().SpanID().String() != "00f067aa0ba902b7" || spans[0].Status().Description != "Service Unavailable" {
		t.Fatalf("server spans %v; want one, child of the caller's span, failed with the status", spans)
	}
}
