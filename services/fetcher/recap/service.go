// Package recap gets the PDF of documents announced without one (PACER RSS entries,
// CourtListener documents with is_available false): free from RECAP first, looked up
// again on a bounded schedule since RECAP fills in over time, and bought through
// CourtListener's RECAP Fetch API only when the rules allow it and within caps per day
// and per month that a ledger in the KV store enforces atomically (ledger.go).
//
// A Service consumes FILINGS (durable "recap"), keeps each document still wanted in the
// recap bucket, and works them in passes: one recap-query/ request per court and batch,
// storage downloads for what RECAP holds, purchases for what the rules pick. A document
// obtained either way is published on FILINGS again with its blob, and the pipeline
// extracts, indexes and alerts on it like any other.
package recap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Stage names the service in logs, metrics and DEAD.
const Stage = "recap"

// Deps are what the service works with: OpenDeps opens them.
type Deps struct {
	JS    jetstream.JetStream
	Blobs blob.Store
	// CL is the CourtListener client (its token and request budget).
	CL *courtlistener.Client
	// Bucket is the recap bucket: the documents still wanted and the purchase ledger.
	Bucket jetstream.KeyValue
	// Publisher puts a document obtained back on FILINGS, with its PDF.
	Publisher *fetcher.Publisher
	// Metrics registers the spend and lookup metrics (nil: none).
	Metrics prometheus.Registerer
	Log     *slog.Logger
	Now     func() time.Time
}

// OpenDeps opens the recap bucket and the publisher over js; bus.Setup must have run.
// Metrics and Now are left for the caller to set.
func OpenDeps(ctx context.Context, js jetstream.JetStream, blobs blob.Store, cl *courtlistener.Client, log *slog.Logger) (Deps, error) {
	bucket, err := bus.KV(ctx, js, bus.BucketRECAP)
	if err != nil {
		return Deps{}, err
	}
	pub, err := fetcher.NewPublisher(ctx, js)
	if err != nil {
		return Deps{}, err
	}
	return Deps{JS: js, Blobs: blobs, CL: cl, Bucket: bucket, Publisher: pub, Log: log}, nil
}

// Service looks documents up in RECAP and buys them.
type Service struct {
	cfg    Config
	deps   Deps
	log    *slog.Logger
	now    func() time.Time
	creds  courtlistener.PACERCredentials
	kv     jetstream.KeyValue
	ledger *Ledger
	pub    *fetcher.Publisher
	m      *metrics
	wake   chan struct{}
	// polled is when each purchase request was last asked about (Pass only).
	polled map[int64]time.Time
}

// want is a document still without its PDF, in the recap bucket at want.<doc key>.
type want struct {
	Doc        filing.Document `json:"doc"`
	Court      string          `json:"court"`
	PacerDocID string          `json:"pacer_doc_id,omitempty"`
	RDID       int64           `json:"rd_id,omitempty"`
	Pages      int             `json:"pages,omitempty"`
	Added      time.Time       `json:"added"`
	Lookups    int             `json:"lookups"`
	Next       time.Time       `json:"next"`
}

func wantKey(id filing.DocID) string { return "want." + id.Key() }

// New returns the service, or why cfg cannot work; Run starts it.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuring recap: %w", err)
	}
	cfg = cfg.withDefaults()
	if deps.JS == nil || deps.Blobs == nil || deps.CL == nil || deps.Bucket == nil || deps.Publisher == nil {
		return nil, errors.New("configuring recap: JetStream, a blob store, a CourtListener client, the recap bucket and a publisher are required (OpenDeps)")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Service{
		cfg: cfg, deps: deps, log: deps.Log.With("stage", Stage), now: deps.Now, wake: make(chan struct{}, 1), polled: map[int64]time.Time{},
		kv: deps.Bucket, ledger: NewLedger(deps.Bucket, deps.Now), pub: deps.Publisher,
	}
	if cfg.Rules.Enabled {
		creds, err := cfg.Credentials()
		if err != nil {
			return nil, err
		}
		s.creds = creds
	}
	s.m = newMetrics(deps.Metrics, s.ledger, cfg.Caps)
	return s, nil
}

// Ledger is the purchase ledger.
func (s *Service) Ledger() *Ledger { return s.ledger }

// Run consumes FILINGS and works the wanted documents until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	cons := bus.Consumer{Stage: Stage, Stream: bus.Filings, Durable: Stage, Concurrency: 4}
	done := make(chan error, 1)
	go func() { done <- cons.Consume(ctx, s.deps.JS, s.log, s.handle) }()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return <-done
		case err := <-done:
			return err
		case <-s.wake:
		case <-t.C:
		}
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("recap pass failed", "err", err)
		}
		t.Reset(s.cfg.Interval)
	}
}

// handle notes a document announced without its PDF, and forgets one that has its PDF.
// A message republished by `dead retry` (its Nats-Msg-Id starts "retry:") clears the
// failed purchase it was parked for, so that it is tried again.
func (s *Service) handle(ctx context.Context, msg jetstream.Msg) error {
	var doc filing.Document
	if err := json.Unmarshal(msg.Data(), &doc); err != nil {
		return fault.PermanentErr(fmt.Errorf("decoding filing: %w", err))
	}
	if doc.Blob != nil {
		err := s.kv.Delete(ctx, wantKey(doc.ID))
		if err != nil && !bus.IsNotFound(err) {
			return fmt.Errorf("forgetting %s: %w", doc.ID, err)
		}
		return nil
	}
	w, ok := wantOf(doc, s.now())
	if !ok {
		return nil
	}
	retry := strings.HasPrefix(msg.Headers().Get("Nats-Msg-Id"), "retry:")
	if retry {
		if p, rev, err := s.ledger.Get(ctx, doc.ID); err == nil && p.State == StateFailed {
			if err := s.ledger.Forget(ctx, doc.ID, rev); err != nil {
				return err
			}
		}
	}
	data, _ := json.Marshal(w)
	if _, err := s.kv.Create(ctx, wantKey(doc.ID), data); err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("noting %s: %w", doc.ID, err)
		}
		if retry {
			if _, err := s.kv.Put(ctx, wantKey(doc.ID), data); err != nil {
				return fmt.Errorf("noting %s: %w", doc.ID, err)
			}
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// wantOf says what identifies a document at CourtListener: the PACER doc id of an RSS
// entry, the RECAP document id of a CourtListener document.
func wantOf(doc filing.Document, now time.Time) (want, bool) {
	w := want{Doc: doc, Court: doc.Docket.Court, Added: now.UTC(), Next: now.UTC()}
	switch doc.Source {
	case "pacerrss":
		if doc.SourceID == "" || strings.HasPrefix(doc.SourceID, "h") {
			// A feed entry without a doc link (a hash key) cannot be looked up.
			return w, false
		}
		w.PacerDocID = doc.SourceID
	case courtlistener.SourceName:
		id, err := strconv.ParseInt(strings.TrimPrefix(doc.SourceID, "rd:"), 10, 64)
		if err != nil || id <= 0 {
			return w, false
		}
		w.RDID = id
	default:
		return w, false
	}
	return w, w.Court != ""
}
