package tracing_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing/tracingtest"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// A traceparent as another process would have written it: version 00, a trace id, a
// parent span id, flags 01 (sampled).
const (
	remoteTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpan   = "00f067aa0ba902b7"
	remoteParent = "00-" + remoteTrace + "-" + remoteSpan + "-01"
)

func TestConsumeIsChildOfPublish(t *testing.T) {
	rec := tracingtest.Record(t)
	h := nats.Header{}
	_, pub := tracing.StartPublish(context.Background(), "filings.cand", h)
	tracing.End(pub, "", nil)
	if h.Get(tracing.HeaderTraceparent) == "" {
		t.Fatalf("headers after StartPublish = %v; want a traceparent", h)
	}
	ctx, cons := tracing.StartConsume(context.Background(), "extractor", h)
	if got, want := tracing.TraceID(ctx), pub.SpanContext().TraceID().String(); got != want {
		t.Errorf("consumer context trace id = %s; want the producer's %s", got, want)
	}
	tracing.End(cons, "retry", errors.New("blob store down"))

	pubs, conss := tracingtest.Find(rec, "publish filings"), tracingtest.Find(rec, "extractor")
	if len(pubs) != 1 || len(conss) != 1 {
		t.Fatalf("recorded %d producer and %d consumer spans; want 1 and 1", len(pubs), len(conss))
	}
	p, c := pubs[0], conss[0]
	if p.SpanKind() != trace.SpanKindProducer || c.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("kinds = %v, %v; want producer, consumer", p.SpanKind(), c.SpanKind())
	}
	if c.Parent().SpanID() != p.SpanContext().SpanID() || !c.Parent().IsRemote() {
		t.Errorf("consumer parent = %v (remote %v); want the producer span %v, remote", c.Parent().SpanID(), c.Parent().IsRemote(), p.SpanContext().SpanID())
	}
	if c.Status().Code != codes.Error || c.Status().Description != "blob store down" {
		t.Errorf("consumer status = %+v; want error \"blob store down\"", c.Status())
	}
	if !tracingtest.HasAttr(c, "docketwatch.outcome", "retry") || !tracingtest.HasAttr(c, "docketwatch.stage", "extractor") {
		t.Errorf("consumer attributes = %v; want outcome retry and stage extractor", c.Attributes())
	}
	if !tracingtest.HasAttr(p, "messaging.destination.name", "filings.cand") || !tracingtest.HasAttr(p, "messaging.system", "nats") {
		t.Errorf("producer attributes = %v; want the subject and nats", p.Attributes())
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name      string
		h         nats.Header
		wantTrace string
	}{
		{"w3c key", nats.Header{"traceparent": {remoteParent}}, remoteTrace},
		{"http spelling", nats.Header{"Traceparent": {remoteParent}}, remoteTrace},
		{"none", nats.Header{"Doc-Id": {"x"}}, ""},
		{"nil", nil, ""},
		{"malformed", nats.Header{"traceparent": {"00-zz-00f067aa0ba902b7-01"}}, ""},
		{"zero trace id", nats.Header{"traceparent": {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}, ""},
		{"truncated", nats.Header{"traceparent": {remoteParent[:30]}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tracing.Extract(context.Background(), tt.h)
			if got := tracing.TraceID(ctx); got != tt.wantTrace {
				t.Errorf("trace id = %q; want %q", got, tt.wantTrace)
			}
		})
	}
}

// TestNoProviderPassesThrough: a process that does not trace neither starts traces nor
// breaks those it is handed.
func TestNoProviderPassesThrough(t *testing.T) {
	tracingtest.Install(t, noop.NewTracerProvider())
	h := nats.Header{}
	tracing.StartPublish(context.Background(), "filings.cand", h)
	if len(h) != 0 {
		t.Errorf("headers of an untraced publish = %v; want none", h)
	}
	ctx, span := tracing.StartConsume(context.Background(), "extractor", nats.Header{"traceparent": {remoteParent}})
	defer span.End()
	out := nats.Header{}
	tracing.StartPublish(ctx, "texts.cand", out)
	if got := out.Get("traceparent"); got != remoteParent {
		t.Errorf("traceparent passed on = %q; want %q unchanged", got, remoteParent)
	}
}

func TestInjectNilHeader(t *testing.T) {
	tracingtest.Record(t)
	ctx, span := tracing.StartClient(context.Background(), "test")
	defer span.End()
	tracing.Inject(ctx, nil) // nothing to write into; must not panic
	hh := http.Header{}
	tracing.InjectHTTP(ctx, hh)
	if !strings.Contains(hh.Get("Traceparent"), span.SpanContext().TraceID().String()) {
		t.Errorf("http headers = %v; want the span's traceparent", hh)
	}
}

// keepGlobals restores what Setup changes in otel's globals when the test ends.
func keepGlobals(t *testing.T) {
	t.Helper()
	tp, prop, eh := otel.GetTracerProvider(), otel.GetTextMapPropagator(), otel.GetErrorHandler()
	t.Cleanup(func() {
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(prop)
		otel.SetErrorHandler(eh)
	})
}

func TestSetupWithoutEndpointStillPropagates(t *testing.T) {
	keepGlobals(t)
	t.Setenv(tracing.EnvEndpoint, "")
	t.Setenv(tracing.EnvTracesEndpoint, "")
	shutdown, err := tracing.Setup(context.Background(), tracing.Options{Service: "fetcher"})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())

	h := nats.Header{}
	_, span := tracing.StartPublish(context.Background(), "filings.cand", h)
	span.End()
	tp := h.Get("traceparent")
	if span.IsRecording() || !strings.HasPrefix(tp, "00-"+span.SpanContext().TraceID().String()+"-") || !strings.HasSuffix(tp, "-00") {
		t.Errorf("root publish: recording %v, traceparent %q; want not recording, a new trace marked not sampled", span.IsRecording(), tp)
	}
	// A trace another process samples stays sampled through this one.
	ctx, cons := tracing.StartConsume(context.Background(), "extractor", nats.Header{"traceparent": {remoteParent}})
	defer cons.End()
	out := nats.Header{}
	tracing.StartPublish(ctx, "texts.cand", out)
	if got := out.Get("traceparent"); !strings.HasPrefix(got, "00-"+remoteTrace+"-") || !strings.HasSuffix(got, "-01") || strings.Contains(got, remoteSpan) {
		t.Errorf("traceparent passed on = %q; want trace %s, a new span, still sampled", got, remoteTrace)
	}
}

// collector is a fake OTLP/HTTP collector that keeps the requests it is sent.
type collector struct {
	mu    sync.Mutex
	paths []string
	reqs  []*coltracepb.ExportTraceServiceRequest
	errs  []error
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, 4<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(data, &req)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paths = append(c.paths, r.URL.Path)
	if err != nil {
		c.errs = append(c.errs, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.reqs = append(c.reqs, &req)
}

// spans returns "service/span name/trace id" of every span received.
func (c *collector) spans() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, req := range c.reqs {
		for _, rs := range req.GetResourceSpans() {
			service := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					service = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					out = append(out, service+"/"+s.GetName()+"/"+trace.TraceID(s.GetTraceId()).String())
				}
			}
		}
	}
	return out
}

func TestSetupExports(t *testing.T) {
	tests := []struct {
		name     string
		opts     func(url string) tracing.Options
		env      func(t *testing.T, url string)
		wantPath string
	}{
		{"flag", func(u string) tracing.Options {
			return tracing.Options{Endpoint: u, Service: "extractor", SampleRatio: 1}
		}, nil, "/v1/traces"},
		{"flag with path", func(u string) tracing.Options {
			return tracing.Options{Endpoint: u + "/otlp/v1/traces", Service: "extractor", SampleRatio: 1}
		}, nil, "/otlp/v1/traces"},
		{"environment", func(string) tracing.Options { return tracing.Options{Service: "extractor", SampleRatio: 1} }, func(t *testing.T, u string) {
			t.Setenv(tracing.EnvTracesEndpoint, u+"/v1/traces")
		}, "/v1/traces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keepGlobals(t)
			t.Setenv(tracing.EnvEndpoint, "")
			t.Setenv(tracing.EnvTracesEndpoint, "")
			t.Setenv("OTEL_SERVICE_NAME", "")
			col := &collector{}
			srv := httptest.NewServer(col)
			defer srv.Close()
			if tt.env != nil {
				tt.env(t, srv.URL)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shutdown, err := tracing.Setup(ctx, tt.opts(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, span := tracing.StartPublish(ctx, "texts.cand", nats.Header{})
			span.End()
			if err := shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			want := "extractor/publish texts/" + span.SpanContext().TraceID().String()
			got := col.spans()
			if len(got) != 1 || got[0] != want {
				t.Errorf("collector received %v (decode errors %v); want [%s]", got, col.errs, want)
			}
			if len(col.paths) == 0 || col.paths[0] != tt.wantPath {
				t.Errorf("collector paths = %v; want %s", col.paths, tt.wantPath)
			}
		})
	}
}

// TestSampleRatioZero: a process sampling none of its own traces still records and
// exports its part of a trace that arrives marked sampled.
func TestSampleRatioZero(t *testing.T) {
	keepGlobals(t)
	t.Setenv("OTEL_SERVICE_NAME", "")
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	ctx := context.Background()
	shutdown, err := tracing.Setup(ctx, tracing.Options{Endpoint: srv.URL, Service: "indexer", SampleRatio: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, own := tracing.StartPublish(ctx, "indexed.cand", nats.Header{})
	own.End()
	_, followed := tracing.StartConsume(ctx, "indexer", nats.Header{"traceparent": {remoteParent}})
	followed.End()
	if err := shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := col.spans(), []string{"indexer/indexer/" + remoteTrace}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("collector received %v; want only %v", got, want)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		o       tracing.Options
		wantErr bool
	}{
		{"zero", tracing.Options{}, false},
		{"http", tracing.Options{Endpoint: "http://otel-collector:4318", SampleRatio: 0.1}, false},
		{"https with path", tracing.Options{Endpoint: "https://otel.example.org/v1/traces", SampleRatio: 1}, false},
		{"no scheme", tracing.Options{Endpoint: "otel-collector:4318"}, true},
		{"grpc scheme", tracing.Options{Endpoint: "grpc://otel-collector:4317"}, true},
		{"no host", tracing.Options{Endpoint: "http:///v1/traces"}, true},
		{"ratio above one", tracing.Options{SampleRatio: 1.5}, true},
		{"negative ratio", tracing.Options{SampleRatio: -0.1}, true},
		{"NaN ratio", tracing.Options{SampleRatio: math.NaN()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v; wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if _, serr := tracing.Setup(context.Background(), tt.o); serr == nil {
					t.Errorf("Setup accepted what Validate refuses")
				}
			}
		})
	}
}
