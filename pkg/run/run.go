// Package run is what every docketwatch process shares: the flags that say how to reach
// NATS, the logger and tracing, and the metrics and probes server with its readiness.
package run

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
)

// Flags are the settings every service process takes.
type Flags struct {
	NATS     bus.ConnConfig
	Replicas int
	LogLevel string
	// OTLPEndpoint and TraceSample configure tracing (tracing.Options).
	OTLPEndpoint string
	TraceSample  float64
}

// RegisterFlags adds the flags to fs (pkg/config binds them to DOCKETWATCH_* variables
// and the config file). Passwords and tokens are secrets: never from the command line, so
// that they never show in a process listing.
func (f *Flags) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.NATS.URLs, "nats", "", "NATS cluster URLs, comma-separated (empty: run an embedded server)")
	fs.StringVar(&f.NATS.User, "nats-user", "", "NATS user (its password: nats-password)")
	config.SecretVar(fs, &f.NATS.Password, "nats-password", "NATS password")
	config.SecretVar(fs, &f.NATS.Token, "nats-token", "NATS token")
	fs.StringVar(&f.NATS.CredsFile, "nats-creds", "", "NATS credentials file")
	fs.StringVar(&f.NATS.NKeyFile, "nats-nkey", "", "NATS nkey seed file")
	fs.IntVar(&f.Replicas, "replicas", 1, "stream and bucket replicas when creating them (3 on a 3-node cluster)")
	config.ChoiceVar(fs, &f.LogLevel, "log", "", LogLevels, "log level (default: info for a role, error for a CLI verb)")
	fs.StringVar(&f.OTLPEndpoint, "otlp-endpoint", "", "OpenTelemetry collector (OTLP/HTTP) to export traces to, e.g. http://otel-collector:4318 (else env OTEL_EXPORTER_OTLP_ENDPOINT); without one, trace ids still flow through NATS headers and logs")
	fs.Float64Var(&f.TraceSample, "trace-sample", tracing.DefaultSampleRatio, "fraction of the traces begun here that are exported, 0 to 1")
}

// LogLevels are the words --log takes; without it a long-running role logs at info, a
// CLI verb errors only.
var LogLevels = []string{"debug", "info", "warn", "error"}

// Validate reports a setting that cannot work, naming its flag.
func (f *Flags) Validate() error {
	if f.TraceSample < 0 || f.TraceSample > 1 {
		return fmt.Errorf("--trace-sample %v: want a fraction from 0 to 1", f.TraceSample)
	}
	if f.Replicas < 1 || f.Replicas > 5 {
		return fmt.Errorf("--replicas %d: want 1 to 5 (JetStream's limit)", f.Replicas)
	}
	if f.OTLPEndpoint != "" {
		if err := (tracing.Options{Endpoint: f.OTLPEndpoint}).Validate(); err != nil {
			return fmt.Errorf("--otlp-endpoint: %w", err)
		}
	}
	if f.NATS.URLs != "" {
		return f.NATS.Validate()
	}
	return nil
}

// StartTracing installs the process's tracer (once per process) and returns what flushes
// and stops it.
func (f *Flags) StartTracing(ctx context.Context, service string, log *slog.Logger) (stop func(), err error) {
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
		lvl.UnmarshalText([]byte(f.LogLevel)) // a config.Choice of LogLevels: always valid
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// Streams are the streams whose sizes and consumers every process reports.
var Streams = []string{bus.Filings, bus.Texts, bus.Indexed, bus.Alerts, bus.Dead, bus.Exhausted}
