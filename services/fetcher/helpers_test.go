package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/blob/blobtest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/clock"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/nats-io/nats.go/jetstream"
)

// fastSleep waits a two-hundredth of what is asked: a Retry-After of 1 s or a 5 s
// backoff passes in milliseconds, and the code paths stay the real ones.
func fastSleep(ctx context.Context, d time.Duration) error { return clock.Sleep(ctx, d/speedup) }

// speedup is how many times faster than real the tests' waits run.
const speedup = 200

func testLogger(tb testing.TB) *slog.Logger {
	if os.Getenv("FETCHER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// dataStart is where clfake's generated documents begin.
var dataStart = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)

// clConfig points the CourtListener source at a fake with no request budget.
func clConfig(srv *clfake.Server, courts ...string) CourtListenerConfig {
	return CourtListenerConfig{
		Courts: courts, Token: Secret(srv.Token()), BaseURL: srv.APIBase(), StorageURL: srv.StorageBase(),
		Budget: &courtlistener.Limits{}, HTTPClient: srv.Client(), Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		Since: dataStart, MaxPages: 5,
	}
}

// natsEnv is a real embedded JetStream with the contract and a NATS blob store.
type natsEnv struct {
	srv   *bus.Embedded
	js    jetstream.JetStream
	blobs *blob.NATS
}

func startNATS(tb testing.TB) natsEnv {
	tb.Helper()
	e := bustest.Server(tb)
	_, js := bustest.JetStream(tb, e)
	return natsEnv{srv: e, js: js, blobs: blobtest.PDFs(tb, js)}
}

// filingsCount returns how many messages FILINGS holds.
func filingsCount(tb testing.TB, js jetstream.JetStream) int {
	tb.Helper()
	return bustest.Count(tb, js, bus.Filings)
}

// filings reads every message on FILINGS, in order.
func filings(tb testing.TB, js jetstream.JetStream) []filing.Document {
	tb.Helper()
	var out []filing.Document
	for _, m := range bustest.Messages(tb, js, bus.Filings) {
		var d filing.Document
		if err := json.Unmarshal(m.Data(), &d); err != nil {
			tb.Fatalf("message %s: %v", m.Subject(), err)
		}
		if h := m.Headers().Get(bus.HeaderDocID); h != string(d.ID) {
			tb.Errorf("Doc-Id header %q; body id %q", h, d.ID)
		}
		out = append(out, d)
	}
	return out
}

// checkExactlyOnce compares what FILINGS holds with the fake's ground truth: one
// message per document, distinct DocIDs, every available PDF in the blob store with the
// right SHA-256.
func checkExactlyOnce(t *testing.T, srv *clfake.Server, env natsEnv, docs []filing.Document, truth []clfake.Document) {
	t.Helper()
	byID := map[filing.DocID]int{}
	bySource := map[string]filing.Document{}
	for _, d := range docs {
		byID[d.ID]++
		if _, dup := bySource[d.SourceID]; dup {
			t.Errorf("document %s (%s) published more than once", d.SourceID, d.ID)
		}
		bySource[d.SourceID] = d
	}
	if len(docs) != len(truth) || len(byID) != len(truth) {
		t.Errorf("FILINGS holds %d messages with %d distinct DocIDs; want %d and %d", len(docs), len(byID), len(truth), len(truth))
	}
	ctx := context.Background()
	missing := 0
	for _, want := range truth {
		d, ok := bySource["rd:"+strconv.FormatInt(want.ID, 10)]
		if !ok {
			missing++
			continue
		}
		if !want.IsAvailable {
			if d.Blob != nil {
				t.Errorf("%s: unavailable document has blob %+v", d.ID, d.Blob)
			}
			continue
		}
		sum := sha256.Sum256(want.PDF)
		if d.Blob == nil || d.Blob.SHA256 != hex.EncodeToString(sum[:]) || d.Blob.Size != int64(len(want.PDF)) {
			t.Errorf("%s: blob %+v; want sha256 %x size %d", d.ID, d.Blob, sum, len(want.PDF))
			continue
		}
		data, err := blob.ReadAll(ctx, env.blobs, d.Blob.SHA256, 1<<20)
		if err != nil || string(data) != string(want.PDF) {
			t.Errorf("%s: blob store: %v (%d bytes)", d.ID, err, len(data))
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d documents never published", missing, len(truth))
	}
}

// mustNew is New for a configuration the test knows is valid.
func mustNew(t testing.TB, cfg Config, deps Deps) *Service {
	t.Helper()
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveWebhooks serves svc's CourtListener webhook receiver on loopback for the test, and
// returns it with the context (30 s) the receiver's work runs under.
func serveWebhooks(t *testing.T, svc *Service) (*httptest.Server, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	h, err := svc.WebhookHandler(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs, ctx
}
