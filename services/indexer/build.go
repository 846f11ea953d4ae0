package indexer

import (
	"context"
	"errors"
	"fmt"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
	"hash/fnv"
	"runtime"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// doc is one document for the index under construction: its text, when it was indexed
// (zero: now), and the TEXTS sequence it came from (0 when copied from the old index).
type doc struct {
	text    filing.Text
	indexed time.Time
	seq     uint64
}

// builder writes documents into an index under construction in batches, each document
// only if it is newer than what the index holds, and tracks which TEXTS sequence is on
// disk.
type builder struct {
	idx   bleve.Index
	opt   ReindexOptions
	parts int
	docs  []doc
	bytes int
	// seq is the highest sequence noted since the last flush.
	seq   uint64
	track tracker
	// detached: the index became the active one; close leaves it open.
	detached bool
	closed   bool
}

// maxUnpersisted bounds the flushes a builder has sent that are not on disk yet: enough
// for the next batch to be analysed while the last ones are written.
const maxUnpersisted = 2

func newBuilder(idx bleve.Index, opt ReindexOptions) *builder {
	b := &builder{idx: idx, opt: opt, parts: min(2, runtime.GOMAXPROCS(0))}
	b.track.cond = sync.NewCond(&b.track.mu)
	return b
}

// add queues d for the next flush; the caller flushes when the batch is full.
func (b *builder) add(d doc, size int) {
	b.docs = append(b.docs, d)
	b.bytes += size
	b.note(d.seq)
}

// note records that the messages up to seq have been looked at.
func (b *builder) note(seq uint64) { b.seq = max(b.seq, seq) }

func (b *builder) full() bool { return len(b.docs) >= b.opt.MaxDocs || b.bytes >= b.opt.MaxBytes }

func (b *builder) flushIfFull(ctx context.Context) error {
	if b.full() {
		return b.flush(ctx)
	}
	return nil
}

// flush writes the queued documents in one batch: the newest version of each, unless
// the index holds that version or a newer one (a resumed build, a document the live
// writer's catch-up brought first).
func (b *builder) flush(ctx context.Context) error {
	docs, seq := b.docs, b.seq
	b.docs, b.bytes = b.docs[:0:0], 0
	newest := make(map[filing.DocID]int, len(docs))
	for i, d := range docs {
		if j, ok := newest[d.text.Document.ID]; ok && docs[j].text.Version > d.text.Version {
			continue
		}
		newest[d.text.Document.ID] = i
	}
	ids := make([]string, 0, len(newest))
	for id := range newest {
		ids = append(ids, string(id))
	}
	stored, err := versionsIn(ctx, b.idx, ids)
	if err != nil {
		return err
	}
	// The batch is cut in parts by document, committed at once: scorch analyses a batch
	// on every core but builds its segment on one, so a second part keeps the other core
	// busy. A document is in one part only, so parts never race on it.
	parts := make([]*bleve.Batch, b.parts)
	for i := range parts {
		parts[i] = b.idx.NewBatch()
	}
	now := time.Now()
	for id, i := range newest {
		d := docs[i]
		if stored[string(id)] >= schema.VersionKey(d.text.Version) {
			continue
		}
		at := d.indexed
		if at.IsZero() {
			at = now
		}
		h := fnv.New32a()
		h.Write([]byte(id))
		if err := parts[int(h.Sum32())%len(parts)].Index(string(id), schema.IndexDocument(d.text, at)); err != nil {
			return fmt.Errorf("adding %s to batch: %w", id, err)
		}
	}
	full := parts[:0]
	for _, p := range parts {
		if p.Size() > 0 {
			full = append(full, p)
		}
	}
	if len(full) == 0 {
		b.track.looked(seq)
		return nil
	}
	// Batches return once searchable, before they are on disk; until then each is a
	// segment in memory, and scorch merges those in memory before it writes them. Faster
	// analysis than disk would pile them up without bound (issue 21: the heap peaked
	// near 1 GB re-indexing 3,000 documents): a flush waits for all but the last few.
	if err := b.track.waitBelow(maxUnpersisted); err != nil {
		return err
	}
	n := b.track.sent(seq, len(full))
	errs := make([]error, len(full))
	var wg sync.WaitGroup
	for i, p := range full {
		p.SetPersistedCallback(func(err error) { b.track.persisted(n, err) })
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.idx.Batch(p); err != nil {
				errs[i] = fmt.Errorf("committing batch of %d: %w", p.Size(), err)
				b.track.persisted(n, errs[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// drain flushes and waits until everything written is on disk.
func (b *builder) drain() error {
	if len(b.docs) > 0 || b.seq > b.track.durable() {
		if err := b.flush(context.Background()); err != nil {
			return err
		}
	}
	return b.track.wait()
}

// failed returns the error of a batch that did not reach the disk.
func (b *builder) failed() error {
	b.track.mu.Lock()
	defer b.track.mu.Unlock()
	return b.track.err
}

// close closes the index unless it was handed over; it is safe to call more than once.
func (b *builder) close() {
	if b.closed || b.detached {
		return
	}
	b.closed = true
	b.idx.Close()
}

// tracker follows batches to the disk. scorch persists its snapshots in order, so when
// a batch is on disk so are the ones before it.
type tracker struct {
	mu   sync.Mutex
	cond *sync.Cond
	// inflight are the flushes not yet on disk, oldest first; batches counts them all.
	inflight []sentBatch
	batches  uint64
	// last is the highest sequence handed to flush, done the highest on disk.
	last, done uint64
	err        error
}

// sentBatch is one flush: its number, the sequence it covers, and how many of its parts
// are not on disk yet.
type sentBatch struct {
	n, seq  uint64
	waiting int
}

// sent records a flush of parts batches up to seq on its way to the disk and returns
// its number.
func (t *tracker) sent(seq uint64, parts int) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.batches++
	t.inflight = append(t.inflight, sentBatch{t.batches, seq, parts})
	t.last = max(t.last, seq)
	return t.batches
}

// looked records messages up to seq that needed no write.
func (t *tracker) looked(seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last = max(t.last, seq)
	if len(t.inflight) == 0 {
		t.done = max(t.done, t.last)
	}
}

// persisted records that a part of flush n is on disk (or failed). The parts of one
// flush reach the disk in any order, but a flush's parts all go in before the next
// flush's, and scorch persists in order of introduction: the flushes complete in order.
func (t *tracker) persisted(n uint64, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.cond.Broadcast()
	if err != nil {
		if t.err == nil {
			t.err = fmt.Errorf("persisting the new index: %w", err)
		}
		return
	}
	for i := range t.inflight {
		if t.inflight[i].n == n {
			t.inflight[i].waiting--
		}
	}
	i := 0
	for i < len(t.inflight) && t.inflight[i].waiting <= 0 {
		t.done = max(t.done, t.inflight[i].seq)
		i++
	}
	t.inflight = t.inflight[i:]
	if len(t.inflight) == 0 {
		t.done = max(t.done, t.last)
	}
}

// durable is the highest sequence whose messages are all on disk.
func (t *tracker) durable() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// waitBelow blocks until fewer than n flushes are on their way to the disk, or one
// failed.
func (t *tracker) waitBelow(n int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.inflight) >= n && t.err == nil {
		t.cond.Wait()
	}
	return t.err
}

// wait blocks until every batch sent is on disk, or one failed.
func (t *tracker) wait() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.inflight) > 0 && t.err == nil {
		t.cond.Wait()
	}
	return t.err
}
