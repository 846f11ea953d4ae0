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
	"errors"
	"fmt"
	"strings"
	"time"

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

// NewPublisher opens the seen bucket, and brings one written by a release before the two
// routes were merged up to date (keyOldBlobs); bus.Setup must have run.
func NewPublisher(ctx context.Context, js jetstream.JetStream) (*Publisher, error) {
	seen, err := bus.KV(ctx, js, bus.BucketSeen)
	if err != nil {
		return nil, err
	}
	p := &Publisher{js: js, seen: seen}
	if err := p.keyOldBlobs(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// oldBlobsKeyed marks a seen bucket whose documents all have their PDF key (sha256Key);
// it is no sha256, so it names no PDF.
const oldBlobsKeyed = "pdfsha256/old-blobs-keyed"

// keyOldBlobs writes the PDF key of every document the seen bucket knows that has none.
// Releases before the two routes were merged recorded a document's PDF in its own record
// only, so the same bytes arriving later by another route (a local copy of a filing
// indexed from CourtListener) would have become a second document; keyed, they are
// merged into the one indexed. It walks the bucket once (a marker records that it did);
// two processes walking it at once key each PDF once, the first document keeping it as
// in remember. Documents that already arrived twice before stay two.
func (p *Publisher) keyOldBlobs(ctx context.Context) error {
	if _, err := p.seen.Get(ctx, oldBlobsKeyed); err == nil {
		return nil
	} else if !bus.IsNotFound(err) {
		return bus.Unavailable(fmt.Errorf("checking the seen bucket's PDF keys: %w", err))
	}
	keys, err := p.seen.ListKeys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return bus.Unavailable(fmt.Errorf("listing the seen bucket: %w", err))
	}
	if keys != nil {
		for key := range keys.Keys() {
			id, err := filing.ParseKey(key)
			if err != nil || strings.HasPrefix(key, "pdfsha") {
				continue // a PDF's key, not a document's
			}
			rec, err := p.get(ctx, id)
			if err == nil && rec.Alias == "" {
				err = p.remember(ctx, id, filing.Document{ID: id, Blob: rec.Blob})
			}
			if err != nil {
				_ = keys.Stop()
				return err
			}
		}
	}
	if _, err := p.seen.Put(ctx, oldBlobsKeyed, nil); err != nil {
		return bus.Unavailable(fmt.Errorf("marking the seen bucket's PDF keys written: %w", err))
	}
	return nil
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
	_, duplicate, err = p.PublishAs(ctx, doc)
	return duplicate, err
}

// PublishAs is Publish, and also returns the id the document was published as: doc's
// own, or that of the document with the same PDF bytes it was merged into (resolve), which
// is the id to wait for in the index.
func (p *Publisher) PublishAs(ctx context.Context, doc filing.Document) (id filing.DocID, duplicate bool, err error) {
	if err := doc.ID.Validate(); err != nil {
		return doc.ID, false, err
	}
	doc.Schema = filing.Schema
	arrivedAs := doc.ID
	doc, prev, err := p.resolve(ctx, doc)
	if err != nil {
		return doc.ID, false, err
	}
	if doc.Blob == nil && prev.Blob != nil {
		b := *prev.Blob
		doc.Blob = &b
	}
	hash, err := contentHash(doc)
	if err != nil {
		return doc.ID, false, err
	}
	if prev.Hash == hash {
		return doc.ID, true, p.remember(ctx, arrivedAs, doc)
	}
	dup, err := bus.Publish(ctx, p.js, bus.Out{
		Subject: bus.Subject(bus.Filings, filing.CourtToken(doc.Docket.Court)),
		MsgID:   bus.MsgID("fetcher", doc.ID, hash),
		DocID:   doc.ID,
		Value:   doc,
	})
	if err != nil {
		return doc.ID, false, err
	}
	rec, err := json.Marshal(seenRecord{Hash: hash, Blob: doc.Blob, Doc: metadataOf(doc)})
	if err != nil {
		return doc.ID, false, err
	}
	if _, err := p.seen.Put(ctx, doc.ID.Key(), rec); err != nil {
		return doc.ID, false, bus.Unavailable(fmt.Errorf("marking %s seen: %w", doc.ID, err))
	}
	return doc.ID, dup, p.remember(ctx, arrivedAs, doc)
}

// resolve finds the document that doc is: itself, or the document published before with
// the same PDF bytes under another id (a local copy, then the same file from
// CourtListener), into which doc's metadata is merged (filing.Merge) so that the two
// routes make one document. It returns the document to publish and the seen record of
// its id. Only an id never seen before is merged: an id already published stays its own
// document.
func (p *Publisher) resolve(ctx context.Context, doc filing.Document) (filing.Document, seenRecord, error) {
	own, err := p.get(ctx, doc.ID)
	if err != nil {
		return doc, own, err
	}
	canonical := own.Alias
	if canonical == "" && own.Hash == "" && doc.Blob != nil {
		if key, ok := sha256Key(doc.Blob.SHA256); ok {
			e, err := p.seen.Get(ctx, key)
			switch {
			case err == nil:
				canonical = filing.DocID(e.Value())
			case !bus.IsNotFound(err):
				return doc, own, bus.Unavailable(fmt.Errorf("looking up the blob of %s: %w", doc.ID, err))
			}
		}
	}
	if canonical == "" || canonical == doc.ID {
		return doc, own, nil
	}
	prev, err := p.get(ctx, canonical)
	if err != nil {
		return doc, prev, err
	}
	known := filing.Document{ID: canonical}
	if prev.Doc != nil {
		known = *prev.Doc
		known.ID = canonical
	}
	return filing.Merge(known, doc), prev, nil
}

// remember records, once doc is published, that a document which arrived as another id
// is doc (so its later versions merge into doc too), and which document holds doc's PDF
// bytes. The first id to publish some bytes keeps them.
func (p *Publisher) remember(ctx context.Context, arrivedAs filing.DocID, doc filing.Document) error {
	if arrivedAs != doc.ID {
		rec, _ := json.Marshal(seenRecord{Alias: doc.ID})
		if _, err := p.seen.Put(ctx, arrivedAs.Key(), rec); err != nil {
			return bus.Unavailable(fmt.Errorf("marking %s as %s: %w", arrivedAs, doc.ID, err))
		}
	}
	if doc.Blob == nil {
		return nil
	}
	key, ok := sha256Key(doc.Blob.SHA256)
	if !ok {
		return nil
	}
	if _, err := p.seen.Create(ctx, key, []byte(doc.ID)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return bus.Unavailable(fmt.Errorf("recording the blob of %s: %w", doc.ID, err))
	}
	return nil
}

func (p *Publisher) get(ctx context.Context, id filing.DocID) (seenRecord, error) {
	e, err := p.seen.Get(ctx, id.Key())
	switch {
	case err == nil:
		return parseSeen(e.Value()), nil
	case bus.IsNotFound(err):
		return seenRecord{}, nil
	}
	return seenRecord{}, bus.Unavailable(fmt.Errorf("checking seen %s: %w", id, err))
}

// sha256Key is where the seen bucket maps a PDF's SHA-256 to the document holding it,
// beside sha1Key's entries; no court is named "pdfsha256", so no DocID's key collides.
func sha256Key(sum string) (string, bool) { return digestKey("pdfsha256/", sum, 64) }

// metadataOf is what the seen record keeps of a published document for a later merge:
// its metadata, not its discovery time.
func metadataOf(doc filing.Document) *filing.Document {
	doc.DiscoveredAt = time.Time{}
	return &doc
}

// seenRecord is what the seen bucket holds per DocID: the content hash of the version
// last published and its blob. Older releases stored the bare hash.
type seenRecord struct {
	Hash string          `json:"h,omitempty"`
	Blob *filing.BlobRef `json:"b,omitempty"`
	// Doc is the document last published, for merging a second route's metadata into it
	// (resolve); records of older releases have none.
	Doc *filing.Document `json:"d,omitempty"`
	// Alias names the document this id was merged into; the record holds nothing else.
	Alias filing.DocID `json:"a,omitempty"`
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
