// Package run is the process lifecycle shared by docketwatch's binaries: the flags that
// say how to reach NATS, the logger, and a main loop that connects, sets up the JetStream
// contract, serves metrics and probes, runs until SIGINT or SIGTERM, and then drains.
package run

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/telemetry"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Flags are the settings every service process takes.
type Flags struct {
	NATS     bus.ConnConfig
	Replicas int
	LogLevel string
	// OTLPEndpoint and TraceSample configure tracing (tracing.Options).
	OTLPEndpoint string
	TraceSample  float64
	// envErr is a DOCKETWATCH_* variable that could not be read, reported at start.
	envErr error
}

// Register adds the flags to fs, with defaults from DOCKETWATCH_* environment variables.
// Passwords and tokens come only from the environment, so they never show in a process
// listing.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.NATS.URLs, "nats", os.Getenv("DOCKETWATCH_NATS"), "NATS cluster URLs, comma-separated (env DOCKETWATCH_NATS)")
	fs.StringVar(&f.NATS.User, "nats-user", os.Getenv("DOCKETWATCH_NATS_USER"), "NATS user; the password comes from env DOCKETWATCH_NATS_PASSWORD")
	fs.StringVar(&f.NATS.CredsFile, "nats-creds", os.Getenv("DOCKETWATCH_NATS_CREDS"), "NATS credentials file")
	fs.StringVar(&f.NATS.NKeyFile, "nats-nkey", os.Getenv("DOCKETWATCH_NATS_NKEY"), "NATS nkey seed file")
	fs.IntVar(&f.Replicas, "replicas", 1, "stream and bucket replicas when creating them (3 on a 3-node cluster)")
	fs.StringVar(&f.LogLevel, "log", os.Getenv("DOCKETWATCH_LOG"), "log level: debug, info, warn, error")
	fs.StringVar(&f.OTLPEndpoint, "otlp-endpoint", os.Getenv("DOCKETWATCH_OTLP_ENDPOINT"), "OpenTelemetry collector (OTLP/HTTP) to export traces to, e.g. http://otel-collector:4318 (env DOCKETWATCH_OTLP_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT); without one, trace ids still flow through NATS headers and logs")
	sample := tracing.DefaultSampleRatio
	if v := os.Getenv("DOCKETWATCH_TRACE_SAMPLE"); v != "" {
		var err error
		if sample, err = strconv.ParseFloat(v, 64); err != nil {
			f.envErr = fmt.Errorf("DOCKETWATCH_TRACE_SAMPLE=%q is not a fraction", v)
			sample = tracing.DefaultSampleRatio
		}
	}
	fs.Float64Var(&f.TraceSample, "trace-sample", sample, "fraction of the traces begun here that are exported, 0 to 1 (env DOCKETWATCH_TRACE_SAMPLE)")
	f.NATS.Password = os.Getenv("DOCKETWATCH_NATS_PASSWORD")
	f.NATS.Token = os.Getenv("DOCKETWATCH_NATS_TOKEN")
}

// StartTracing installs the process's tracer (once per process) and returns what flushes
// and stops it.
func (f *Flags) StartTracing(ctx context.Context, service string, log *slog.Logger) (stop func(), err error) {
	if f.envErr != nil {
		return nil, f.envErr
	}
	shutdown, err := tracing.Setup(ctx, tracing.Options{Endpoint: f.OTLPEndpoint, Service: service, SampleRatio: f.TraceSample, Log: log})
	if err != nil {
		return nil, fmt.Errorf("setting up tracing: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			log.Warn("flushing traces", "err", err)
		}
	}, nil
}

// Logger returns a text logger at the flag's level (default dflt).
func (f *Flags) Logger(dflt slog.Level) *slog.Logger {
	lvl := dflt
	if f.LogLevel != "" {
		if err := lvl.UnmarshalText([]byte(f.LogLevel)); err != nil {
			lvl = dflt
		}
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// Env is what a service needs from its process.
type Env struct {
	Log *slog.Logger
	// Connect opens a new connection for one component (STACK.md: one per component).
	// Readiness watches every connection it opens.
	Connect func(name string) (*nats.Conn, jetstream.JetStream, error)
	// Metrics is the process's registry, served at /metrics with --metrics. It holds the
	// Go and process collectors and the JetStream collector over the contract's streams;
	// a service registers its own metrics in it.
	Metrics *prometheus.Registry
	// Stages counts the messages each stage handles: its Observe fits the Observe hook of
	// every stage's Config.
	Stages *telemetry.Stages
	// Ready is the process's readiness, answered at /readyz: a service adds the checks of
	// what it needs beyond its NATS connections (an index, a lease).
	Ready *Readiness
}

// Service is the main of a single-service binary: it parses args, connects, sets up the
// contract, serves metrics and probes (--metrics), and runs start until a signal; start
// must return once ctx is done, having drained its work. It exits the process.
func Service(name string, args []string, register func(*flag.FlagSet), start func(ctx context.Context, env Env) error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var f Flags
	f.Register(fs)
	// --metrics is registered here rather than in Flags.Register: the docketwatch binary
	// embeds Flags and has a --metrics of its own, served by its node.
	metrics := fs.String("metrics", os.Getenv("DOCKETWATCH_METRICS"), "listen address for /metrics, /healthz and /readyz, e.g. 0.0.0.0:9090 (env DOCKETWATCH_METRICS; empty: not served)")
	if register != nil {
		register(fs)
	}
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
	log := f.Logger(slog.LevelInfo).With("service", name)
	// A service waits for a NATS that is not up yet rather than exit into a crash loop.
	f.NATS.WaitForServers = true
	slog.SetDefault(log)
	if err := serve(name, f, *metrics, log, start); err != nil {
		log.Error("exiting", "err", err)
		os.Exit(1)
	}
}

// Streams are the streams whose sizes and consumers every process reports.
var Streams = []string{bus.Filings, bus.Texts, bus.Indexed, bus.Alerts, bus.Dead, bus.Exhausted}

func serve(name string, f Flags, metricsAddr string, log *slog.Logger, start func(context.Context, Env) error) error {
	if f.NATS.URLs == "" {
		return errors.New("--nats is required (a service process joins a NATS cluster; `docketwatch run` embeds one)")
	}
	ready := newReadiness(errors.New("setting up the JetStream contract"))
	defer func() {
		ready.mu.Lock()
		defer ready.mu.Unlock()
		for _, nc := range ready.conns {
			nc.Close()
		}
	}()
	env := Env{Log: log, Ready: ready, Metrics: prometheus.NewRegistry(), Connect: func(component string) (*nats.Conn, jetstream.JetStream, error) {
		nc, err := f.NATS.Connect(name + "-" + component)
		if err != nil {
			return nil, nil, err
		}
		ready.watch(nc)
		js, err := jetstream.New(nc)
		return nc, js, err
	}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopTracing, err := f.StartTracing(ctx, name, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	// With WaitForServers the connection is made even while no server answers, so the
	// probes are served, and say why the process is not ready, while it waits.
	_, js, err := env.Connect("setup")
	if err != nil {
		return err
	}
	env.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		telemetry.NewJetStream(js, Streams...))
	env.Stages = telemetry.NewStages(env.Metrics)
	if metricsAddr != "" {
		srv, err := ServeOps(metricsAddr, OpsHandler(env.Metrics, ready.Check, nil), log)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	if err := bus.Setup(ctx, js, bus.Options{Replicas: f.Replicas, Log: log}); err != nil {
		return fmt.Errorf("setting up the JetStream contract: %w", err)
	}
	ready.started()
	log.Info("started", "nats", f.NATS.URLs)
	// Readiness goes down as soon as the signal comes, before start drains its stages.
	go func() {
		<-ctx.Done()
		ready.stop()
	}()
	err = start(ctx, env)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// A signal during start cut short what start was waiting for: a shutdown.
		log.Info("stopped while starting", "err", err)
		return nil
	}
	return err
}
