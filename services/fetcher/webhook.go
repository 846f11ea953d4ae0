package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
)

// WebhookHandler returns the http.Handler CourtListener posts docket-alert and
// search-alert webhook events to (mount it on the API server, e.g. at
// /api/v1/webhooks/courtlistener). Each event's documents are published at once without
// their PDF; the PDF fetch is queued durably in the cursors bucket before the handler
// answers 200, and Run's worker fetches it and publishes the document again with its
// blob. Idempotency-Keys are remembered in the seen bucket, so CourtListener's retries
// are acknowledged without repeating anything. It needs a CourtListener token (docket
// alerts carry only the docket's id, which the client resolves).
func (s *Service) WebhookHandler(ctx context.Context) (http.Handler, error) {
	if err := s.init(ctx); err != nil {
		return nil, err
	}
	if s.cl == nil {
		return nil, errors.New("courtlistener webhooks need an API token to resolve dockets")
	}
	storage := s.cfg.CourtListener.StorageURL
	return courtlistener.NewWebhookHandler(courtlistener.WebhookConfig{
		Seen:       kvSeen{kv: s.seenKV, now: s.now},
		Resolver:   s.cl,
		StorageURL: storage,
		Emit:       s.webhookEmit,
		Logger:     s.log,
		Now:        s.now,
	})
}

// kvSeen keeps webhook Idempotency-Keys in the seen bucket, where they survive restarts.
type kvSeen struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

var _ courtlistener.SeenStore = kvSeen{}

// key hashes the Idempotency-Key: it is client-supplied text, a KV key is not.
func (k kvSeen) key(idem string) string {
	h := sha256.Sum256([]byte(idem))
	return "webhook/" + hex.EncodeToString(h[:16])
}

func (k kvSeen) Seen(ctx context.Context, idem string) (bool, error) {
	_, err := k.kv.Get(ctx, k.key(idem))
	if bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking webhook key: %w", err)
	}
	return true, nil
}

func (k kvSeen) Mark(ctx context.Context, idem string) error {
	if _, err := k.kv.Put(ctx, k.key(idem), []byte(k.now().UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("marking webhook key: %w", err)
	}
	return nil
}

// pdfJob is a queued PDF fetch announced by a webhook event.
type pdfJob struct {
	Doc    filing.Document   `json:"doc"`
	PDF    courtlistener.PDF `json:"pdf"`
	Queued time.Time         `json:"queued"`
}

// webhookEmit publishes a webhook document without its PDF, then queues the PDF. The
// order matters: a crash between the two leaves the event unacknowledged, CourtListener
// retries it, the publication is recognised as a duplicate and the queueing happens.
func (s *Service) webhookEmit(ctx context.Context, doc filing.Document, pdf *courtlistener.PDF) error {
	court := doc.Docket.Court
	if err := s.emitter(courtlistener.SourceName, court, nil)(ctx, doc); err != nil {
		return err
	}
	if pdf == nil {
		return nil
	}
	data, err := json.Marshal(pdfJob{Doc: doc, PDF: *pdf, Queued: s.now().UTC()})
	if err != nil {
		return err
	}
	if _, err := s.cur.kv.Put(ctx, pdfQueueKey(doc.ID.Key()), data); err != nil {
		return fmt.Errorf("queueing pdf of %s: %w", doc.ID, err)
	}
	select {
	case s.pdfWake <- struct{}{}:
	default:
	}
	return nil
}

// pdfWorker fetches queued webhook PDFs until ctx ends: at once when an event queues
// one, and every PDFRetryInterval for what failed. The queue is in the cursors bucket,
// so what a crash interrupted is fetched after the restart.
func (s *Service) pdfWorker(ctx context.Context) {
	retry := map[string]retryState{}
	for {
		if err := s.drainPDFQueue(ctx, retry); err != nil && ctx.Err() == nil {
			s.log.Warn("pdf queue failed", "err", err)
		}
		t := time.NewTimer(s.cfg.PDFRetryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.pdfWake:
		case <-t.C:
		}
		t.Stop()
	}
}

type retryState struct {
	attempts int
	next     time.Time
}

// drainPDFQueue works every queued PDF whose retry time has come.
func (s *Service) drainPDFQueue(ctx context.Context, retry map[string]retryState) error {
	lister, err := s.cur.kv.ListKeysFiltered(ctx, pdfQueuePrefix()+">")
	if err != nil {
		return fmt.Errorf("listing pdf queue: %w", err)
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, key := range keys {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r, ok := retry[key]; ok && s.now().Before(r.next) {
			continue
		}
		err := s.fetchQueued(ctx, key)
		if err == nil {
			delete(retry, key)
			continue
		}
		r := retry[key]
		r.attempts++
		bo := backoff{base: s.cfg.PDFRetryInterval, max: s.cfg.MaxBackoff, n: r.attempts - 1}
		r.next = s.now().Add(bo.next())
		retry[key] = r
		s.log.Warn("queued pdf fetch failed", "key", key, "attempts", r.attempts, "err", err)
	}
	return nil
}

// fetchQueued fetches one queued PDF, publishes the document with it and removes the
// job. A PDF that is not the one described (Permanent) is dropped from the queue: the
// document stays published without it, and a later poll by date_modified may bring it.
func (s *Service) fetchQueued(ctx context.Context, key string) error {
	e, err := s.cur.kv.Get(ctx, key)
	if bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	var job pdfJob
	if err := json.Unmarshal(e.Value(), &job); err != nil {
		s.log.Error("dropping undecodable pdf job", "key", key, "err", err)
		return s.cur.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	}
	court := job.Doc.Docket.Court
	ref, err := s.fetchPDF(ctx, job.PDF.URL, job.PDF.SHA1, job.PDF.Size)
	if fault.IsPermanent(err) {
		s.log.Warn("webhook pdf failed verification, keeping the document without it", "doc_id", job.Doc.ID, "err", err)
		s.status.update(courtlistener.SourceName, court, func(st *CourtStatus) {
			st.TotalErrors++
			st.LastError, st.LastErrorAt = err.Error(), s.now()
		})
		return s.cur.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
	}
	if err != nil {
		return err
	}
	doc := job.Doc
	doc.Blob = &ref
	doc.DiscoveredAt = s.now().UTC()
	if err := s.emitter(courtlistener.SourceName, court, nil)(ctx, doc); err != nil {
		return err
	}
	// The revision guard keeps a job re-queued meanwhile (a new event) for the next pass.
	if err := s.cur.kv.Delete(ctx, key, jetstream.LastRevision(e.Revision())); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("removing %s from the pdf queue: %w", key, err)
	}
	return nil
}
