package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Environment variables of the OpenTelemetry specification that Setup honours when
// Options.Endpoint is empty. The exporter itself also reads OTEL_EXPORTER_OTLP_HEADERS,
// OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_EXPORTER_OTLP_COMPRESSION and the certificate
// variables; the resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
)

// Options configure a process's tracing (flags --otlp-endpoint and --trace-sample).
type Options struct {
	// Endpoint is the OTLP/HTTP collector that spans are exported to, as a URL:
	// "http://otel-collector:4318" (the path /v1/traces is added when the URL has
	// none) or a full "https://host/custom/v1/traces". Empty reads EnvTracesEndpoint,
	// then EnvEndpoint, as the OpenTelemetry SDKs do; with neither set, nothing is
	// exported (see Setup).
	Endpoint string
	// Service is the service.name of the process's spans ("extractor"); the
	// OTEL_SERVICE_NAME variable, when set, takes precedence so that an operator can
	// tell two deployments apart. Empty leaves the SDK's default.
	Service string
	// SampleRatio is the fraction of the traces begun in this process that are recorded
	// and exported, in [0, 1]: 1 (DefaultSampleRatio, the flag's default) every one, 0
	// none. A trace begun elsewhere follows the decision of its origin, carried in its
	// traceparent, so a trace is whole or absent, never cut.
	SampleRatio float64
	// Log is told about export failures, at most once every ExportErrorEvery; nil is
	// slog.Default().
	Log *slog.Logger
}

// DefaultSampleRatio is the default of --trace-sample: every trace. docketwatch makes a
// handful of spans per filing, few enough to keep them all.
const DefaultSampleRatio = 1.0

// ExportErrorEvery is how often at most an export failure is logged: a collector that is
// down fails every batch, every few seconds.
const ExportErrorEvery = time.Minute

// Validate reports an unusable option.
func (o Options) Validate() error {
	if !(o.SampleRatio >= 0 && o.SampleRatio <= 1) { // NaN too
		return fmt.Errorf("trace sample ratio %g: want a fraction in [0, 1]", o.SampleRatio)
	}
	if o.Endpoint != "" {
		if _, err := endpointURL(o.Endpoint); err != nil {
			return err
		}
	}
	return nil
}

// endpoint is the collector URL in force: the option, else the environment.
func (o Options) endpoint() (u string, fromEnv bool) {
	if o.Endpoint != "" {
		return o.Endpoint, false
	}
	if strings.EqualFold(os.Getenv(EnvSDKDisabled), "true") {
		return "", false
	}
	for _, k := range []string{EnvTracesEndpoint, EnvEndpoint} {
		if v := os.Getenv(k); v != "" {
			return v, true
		}
	}
	return "", false
}

// endpointURL checks a collector URL and completes its path.
func endpointURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("otlp endpoint %q: want a URL such as http://otel-collector:4318", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// redacted hides a password in an endpoint URL before it is logged.
func redacted(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Redacted()
	}
	return "(unparsable url)"
}

// Setup installs the process's tracer provider and the W3C Trace Context propagator as
// OpenTelemetry's globals; call it once, at start-up, and call shutdown at exit: it
// flushes the spans not yet exported, within ctx.
//
// With a collector (Options.Endpoint or the environment), spans are batched and sent to
// it over OTLP/HTTP, a sampled fraction of new traces being recorded. A collector that
// is down costs dropped spans and a log line, never a stalled stage: the batch queue is
// bounded and drops when full.
//
// Without one, nothing is recorded or exported, but every message still gets a trace
// context: a filing's first publish starts a trace, marked not sampled, and each stage
// opens its (unrecorded) span in it and passes it on. Log lines ("trace_id") and parked
// messages then share one trace id along a filing's whole path. A trace that arrives
// marked sampled, begun by a process that exports, stays marked sampled on its way
// through, so the exporting processes downstream keep it whole; one begun here is
// exported by none, as W3C sampling leaves the decision to the trace's origin. The cost
// is making ids and writing a header per message (BenchmarkHop).
func Setup(ctx context.Context, o Options) (shutdown func(context.Context) error, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	res, err := newResource(ctx, o.Service)
	if err != nil {
		return nil, err
	}
	ratio := o.SampleRatio
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	endpoint, fromEnv := o.endpoint()
	if endpoint == "" {
		// Roots are never sampled: ids are made and passed on, spans are not recorded.
		// A remote parent marked sampled is still followed (and recorded with nowhere to
		// go) so that the flag reaches the processes downstream unchanged.
		opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	} else {
		var eopts []otlptracehttp.Option
		if !fromEnv {
			// The variables keep their meaning (a traces endpoint used as is) when the
			// exporter reads them itself; only our own flag is completed here.
			u, err := endpointURL(endpoint)
			if err != nil {
				return nil, err
			}
			eopts = append(eopts, otlptracehttp.WithEndpointURL(u))
		}
		// The exporter connects lazily: a collector not yet up fails batches, not start-up.
		exp, err := otlptracehttp.New(ctx, eopts...)
		if err != nil {
			return nil, fmt.Errorf("creating otlp exporter for %s: %w", redacted(endpoint), err)
		}
		opts = append(opts,
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
			sdktrace.WithBatcher(exp),
		)
		log.Info("exporting traces", "endpoint", redacted(endpoint), "sample", ratio)
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetErrorHandler(newErrorLog(log, ExportErrorEvery))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("flushing traces: %w", err)
		}
		return nil
	}, nil
}

// newResource describes the process: its service name, host and the SDK, then what the
// environment says, which wins.
func newResource(ctx context.Context, service string) (*resource.Resource, error) {
	opts := []resource.Option{resource.WithSchemaURL(semconv.SchemaURL), resource.WithTelemetrySDK(), resource.WithHost()}
	if service != "" {
		opts = append(opts, resource.WithAttributes(semconv.ServiceName(service)))
	}
	opts = append(opts, resource.WithFromEnv())
	res, err := resource.New(ctx, opts...)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("describing the process for traces: %w", err)
	}
	// A partial resource (a malformed OTEL_RESOURCE_ATTRIBUTES entry) still names the
	// service; tracing goes on without the bad attribute.
	return res, nil
}

// errorLog logs OpenTelemetry's internal errors (failed exports, mostly), at most once
// per interval, with the count of those it held back.
type errorLog struct {
	log   *slog.Logger
	every time.Duration

	mu      sync.Mutex
	last    time.Time
	dropped int
}

func newErrorLog(log *slog.Logger, every time.Duration) *errorLog {
	return &errorLog{log: log, every: every}
}

func (e *errorLog) Handle(err error) {
	e.mu.Lock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < e.every {
		e.dropped++
		e.mu.Unlock()
		return
	}
	dropped := e.dropped
	e.last, e.dropped = now, 0
	e.mu.Unlock()
	e.log.Warn("tracing", "err", err, "suppressed", dropped)
}
