// Package fetcher discovers filings at their sources and publishes each once on FILINGS,
// with its PDF stored in the blob store first.
//
// A Service (New, then Run) polls CourtListener's REST API and PACER's RSS feeds per
// court, resuming from cursors kept in the cursors KV bucket and saved by
// compare-and-set only after every document they cover was published; it backs off by
// fault kind, keeps each court's freshness (Status, StatusHandler, Collector), runs
// resumable backfills (Backfill) and accepts CourtListener webhooks (WebhookHandler),
// whose PDFs it fetches from a durable queue. The Publisher de-duplicates by DocID and
// content, so a restart, overlapping sources or a retried webhook repeat nothing.
package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go/jetstream"
)

// Publisher publishes discovered documents on FILINGS, each version once. It remembers
// in the seen bucket the content hash it last published for every DocID, so a source that
// sees the same document again (a restart, an overlapping poll, a second ingest of one
// file) publishes nothing.
type Publisher struct {
	js   jetstream.JetStream
	seen jetstream.KeyValue
}

// NewPublisher opens the seen bucket; bus.Setup must have run.
func NewPublisher(ctx context.Context, js jetstream.JetStream) (*Publisher, error) {
	seen, err := bus.KV(ctx, js, bus.BucketSeen)
	if err != nil {
		return nil, err
	}
	return &Publisher{js: js, seen: seen}, nil
}

// Publish stores doc on FILINGS unless the same version was published before, and
// reports whether it was a duplicate. The blob, if any, must be stored already.
//
// A document arriving without a blob keeps the blob an earlier version had: a source
// that knows only the metadata (an RSS item, a webhook retry, a poll racing the webhook
// PDF queue) never turns an available document back into one without a PDF.
//
// The message is published before the seen mark is written: a crash in between
// republishes on restart, which the stream's Nats-Msg-Id window and the idempotent
// stages absorb; the other order could lose the document.
func (p *Publisher) Publish(ctx context.Context, doc filing.Document) (duplicate bool, err error) {
	if err := doc.ID.Validate(); err != nil {
		return false, err
	}
	doc.Schema = filing.Schema
	key := doc.ID.Key()
	var prev seenRecord
	if e, err := p.seen.Get(ctx, key); err == nil {
		prev = parseSeen(e.Value())
	} else if !bus.IsNotFound(err) {
		return false, bus.Unavailable(fmt.Errorf("checking seen %s: %w", doc.ID, err))
	}
	if doc.Blob == nil && prev.Blob != nil {
		b := *prev.Blob
		doc.Blob = &b
	}
	hash, err := contentHash(doc)
	if err != nil {
		return false, err
	}
	if prev.Hash == hash {
		return true, nil
	}
	dup, err := bus.Publish(ctx, p.js, bus.Out{
		Subject: bus.Subject(bus.Filings, filing.CourtToken(doc.Docket.Court)),
		MsgID:   bus.MsgID("fetcher", doc.ID, hash),
		DocID:   doc.ID,
		Value:   doc,
	})
	if err != nil {
		return false, err
	}
	rec, err := json.Marshal(seenRecord{Hash: hash, Blob: doc.Blob})
	if err != nil {
		return false, err
	}
	if _, err := p.seen.Put(ctx, key, rec); err != nil {
		return false, bus.Unavailable(fmt.Errorf("marking %s seen: %w", doc.ID, err))
	}
	return dup, nil
}

// seenRecord is what the seen bucket holds per DocID: the content hash of the version
// last published and its blob. Older releases stored the bare hash.
type seenRecord struct {
	Hash string          `json:"h"`
	Blob *filing.BlobRef `json:"b,omitempty"`
}

func parseSeen(v []byte) seenRecord {
	var r seenRecord
	if len(v) > 0 && v[0] == '{' && json.Unmarshal(v, &r) == nil {
		return r
	}
	return seenRecord{Hash: string(v)}
}

// contentHash identifies a version of a document: its blob and the metadata a source
// can change (a description corrected, a PDF that became available). Discovery times do
// not count.
func contentHash(doc filing.Document) (string, error) {
	v := struct {
		Docket      filing.Docket
		Entry       filing.Entry
		Attachment  int
		Description string
		Blob        *filing.BlobRef
	}{doc.Docket, doc.Entry, doc.Attachment, doc.Description, doc.Blob}
	if v.Blob != nil {
		b := *v.Blob
		b.Name = "" // the same bytes under another file name are the same version
		v.Blob = &b
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16]), nil
}
