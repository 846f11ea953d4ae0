package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
)

// WebhookHandler returns the http.Handler CourtListener posts docket-alert and
// search-alert webhook events to (mount it on the API server, e.g. at
// /api/v1/webhooks/courtlistener). It answers as soon as the event is stored in the work
// queue (a JetStream write): CourtListener gives up on a delivery after a few seconds.
// The worker of Run resolves the event through the API, within the request budget,
// queues the PDFs and publishes the documents; an event that can never be resolved (a
// docket CourtListener does not have) is parked in DEAD. Idempotency-Keys are
// remembered in the seen bucket, so CourtListener's retries repeat nothing. It needs a
// CourtListener token (docket alerts carry only the docket's id).
func (s *Service) WebhookHandler(ctx context.Context) (http.Handler, error) {
	if err := s.init(ctx); err != nil {
		return nil, err
	}
	if s.cl == nil {
		return nil, errors.New("courtlistener webhooks need an API token to resolve dockets")
	}
	return courtlistener.NewWebhookHandler(courtlistener.WebhookConfig{
		Seen: kvSeen{kv: s.seenKV, now: s.now},
		Queue: func(ctx context.Context, key string, event []byte) error {
			h := sha256.Sum256([]byte(key))
			return s.enqueue(ctx, eventJobKey(hex.EncodeToString(h[:16])), job{Event: event, Queued: s.now().UTC()})
		},
		Logger: s.log,
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

// resolveEvent turns a queued webhook event into documents: those without a PDF are
// published, the others queued for their PDF.
func (s *Service) resolveEvent(ctx context.Context, event []byte) error {
	docs, err := s.events.Documents(ctx, event)
	if err != nil {
		return err
	}
	for _, p := range docs {
		if p.PDF == nil {
			if err := s.emitter(courtlistener.SourceName, p.Doc.Docket.Court, nil)(ctx, p.Doc); err != nil {
				return err
			}
			continue
		}
		if err := s.queuePDF(ctx, p.Doc, *p.PDF, nil); err != nil {
			return err
		}
	}
	return nil
}

// pdfJob is a document waiting for its PDF.
type pdfJob struct {
	Doc filing.Document   `json:"doc"`
	PDF courtlistener.PDF `json:"pdf"`
}

// queuePDF queues the fetch of a document's PDF; failed, when not nil, is the failure
// of a first attempt made already (the poll's), and the job waits before its next.
func (s *Service) queuePDF(ctx context.Context, doc filing.Document, pdf courtlistener.PDF, failed error) error {
	j := job{PDF: &pdfJob{Doc: doc, PDF: pdf}, Queued: s.now().UTC()}
	if failed != nil {
		j.Attempts, j.LastError = 1, failed.Error()
		j.NextAt = s.now().Add(s.cfg.JobRetryInterval)
		s.log.Warn("pdf fetch failed, queued to retry", "doc_id", doc.ID, "err", failed)
	}
	return s.enqueue(ctx, pdfJobKey(doc.ID), j)
}

// fetchQueued fetches a queued PDF and publishes the document with it.
func (s *Service) fetchQueued(ctx context.Context, j *pdfJob) error {
	ref, err := s.fetchPDF(ctx, j.PDF.URL, j.PDF.SHA1, j.PDF.Size)
	if err != nil {
		return err
	}
	doc := j.Doc
	doc.Blob = &ref
	doc.DiscoveredAt = s.now().UTC()
	return s.emitter(courtlistener.SourceName, doc.Docket.Court, nil)(ctx, doc)
}
