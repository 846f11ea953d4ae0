package alerter

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go/jetstream"
)

func TestMain(m *testing.M) {
	// The crash test runs the alerter in a child process of this test binary.
	runtest.ServeChild(map[string]runtest.Role{"alerter": serveAlerter})
	os.Exit(m.Run())
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// open is the stage over js, as the alerter role opens it.
func open(ctx context.Context, cfg Config, js jetstream.JetStream) (*Service, error) {
	deps, err := OpenDeps(ctx, js, quietLog())
	if err != nil {
		return nil, err
	}
	return New(cfg, deps)
}

// indexStage is the stage before this one, for a configuration the tests know is
// valid: it panics otherwise.
func indexStage(cfg indexer.Config, js jetstream.JetStream, idx *indexer.Index) *indexer.Service {
	s, err := indexer.New(cfg, indexer.Deps{JS: js, Index: idx, Log: quietLog()})
	if err != nil {
		panic(err)
	}
	return s
}

// startStage opens the stage over js with cfg and runs it until the test ends; stop
// stops it sooner and says how Run returned.
func startStage(t testing.TB, cfg Config, js jetstream.JetStream) (s *Service, stop func() error) {
	t.Helper()
	s, err := open(context.Background(), cfg, js)
	if err != nil {
		t.Fatal(err)
	}
	return s, runtest.Go(t, s.Run)
}

// startDeliverer runs a webhook deliverer over js and store until the test ends: quick
// retries, receivers on loopback allowed.
func startDeliverer(t testing.TB, js jetstream.JetStream, store *alert.Store) {
	t.Helper()
	wh, err := webhook.New(webhook.Config{Policy: status.Policy{Backoff: bus.ExponentialBackoff(50*time.Millisecond, time.Second), Timeout: 5 * time.Second},
		AllowPrivate: true}, // the webhook receivers listen on loopback
		webhook.Deps{JS: js, Rules: store, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	runtest.Go(t, wh.Run)
}

// newVersion makes d a new extraction, made now.
func newVersion(d *filing.Text) {
	d.ExtractedAt = time.Now().UTC()
	d.Version = d.ExtractedAt.UnixNano()
}

// publishText puts d on TEXTS as the extractor does.
func publishText(t testing.TB, js jetstream.JetStream, d filing.Text) {
	t.Helper()
	if _, err := bus.Publish(context.Background(), js, bus.Out{
		Subject: bus.Subject(bus.Texts, filing.CourtToken(d.Document.Docket.Court)),
		MsgID:   bus.MsgID("test", d.Document.ID, fmt.Sprint(d.Version)), DocID: d.Document.ID, Value: d,
	}); err != nil {
		t.Fatal(err)
	}
}

// publishIndexed announces d on INDEXED as the indexer does, under ctx (its trace).
func publishIndexed(ctx context.Context, t testing.TB, js jetstream.JetStream, d filing.Text) {
	t.Helper()
	if _, err := bus.Publish(ctx, js, bus.Out{
		Subject: bus.Subject(bus.Indexed, filing.CourtToken(d.Document.Docket.Court)),
		MsgID:   bus.MsgID("test-indexed", d.Document.ID, fmt.Sprint(d.Version)), DocID: d.Document.ID,
		Value: filing.Indexed{Schema: filing.Schema, ID: d.Document.ID, Court: d.Document.Docket.Court, Version: d.Version,
			First: true, Exhibit: d.Document.Exhibit, Pages: len(d.Pages), IndexedAt: time.Now().UTC()},
	}); err != nil {
		t.Fatal(err)
	}
}
