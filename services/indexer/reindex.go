package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/nats-io/nats.go/jetstream"
)

// ReindexKind names re-index jobs.
const ReindexKind = "reindex"

// ReindexKindFor names the re-index jobs of one shard: every shard rebuilds its own
// index, so a re-index of a sharded collection is one job per shard (CreateReindex).
func ReindexKindFor(shard search.Shard) string {
	if !shard.Sharded() {
		return ReindexKind
	}
	return fmt.Sprintf("%s-shard-%d-of-%d", ReindexKind, shard.Index, shard.Count)
}

// CreateReindex records the jobs that re-index the collection over shards shards (1 when
// it is not split), one per shard, all with the same selection.
func CreateReindex(ctx context.Context, store *job.Store, sel job.Selection, shards int) ([]*job.Job, error) {
	var jobs []*job.Job
	for i := range max(shards, 1) {
		j, err := store.Create(ctx, ReindexKindFor(search.Shard{Index: i, Count: shards}), sel)
		if err != nil {
			return jobs, fmt.Errorf("creating the re-index of shard %d of %d: %w", i, shards, err)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// ReindexOptions tune a re-index; zero values take the defaults.
type ReindexOptions struct {
	// MaxDocs and MaxBytes cut the build's batches: 1,000 documents or 4 MB of TEXTS
	// data. Bigger than the live writer's, because nobody waits for one document, but
	// bounded: a batch weighs about 50 times its text once analysed, and the heap grows
	// to twice that before a collection. 2,000 documents or 16 MB built 1.3–1.9× faster
	// on a loaded machine (with the same CPU time), but peaked at 1.1–1.3 GB of RSS re-indexing 5,000
	// documents, against 0.6–0.7 GB (scripts/bench memory).
	MaxDocs  int
	MaxBytes int
	// CatchUpGap is how close (in TEXTS messages) the build must be to the live writer
	// before the live writer is paused for the last catch-up and the swap: 100.
	CatchUpGap uint64
	Log        *slog.Logger
}

func (o ReindexOptions) withDefaults() ReindexOptions {
	o.MaxDocs = config.Default(o.MaxDocs, 1000)
	o.MaxBytes = config.Default(o.MaxBytes, 4<<20)
	if o.CatchUpGap == 0 {
		o.CatchUpGap = 100
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Phases of a re-index, kept in the job's Detail["phase"] so that a resumed job carries
// on where it was.
const (
	// phaseCopy carries the documents outside the selection over from the old index.
	phaseCopy = "copy"
	// phaseReplay replays the selected documents from TEXTS up to the live writer's
	// position when the job started.
	phaseReplay = "replay"
	// phaseCatchUp replays everything the live writer indexed since, then swaps.
	phaseCatchUp = "catchup"
	// phaseSwapped: the new index is active; the old one is being removed.
	phaseSwapped = "swapped"
)

// maxCatchUpRounds bounds the catch-up before the live writer is paused anyway: with
// ingestion faster than the build, the gap would never close on its own.
const maxCatchUpRounds = 20

// ReindexJob returns the handler of re-index jobs over x, which must be the index this
// process's live writer (Service) writes, and run in the same process: the swap pauses it.
//
// The job builds a new index version (the next vN directory beside the active one)
// while searches and live ingestion go on against the old one:
//
//  1. With a selection, the documents outside it are copied from the old index as they
//     are (their stored text, entities and metadata, re-analysed under the current
//     mapping, with their indexed time kept); without one, nothing is copied.
//  2. The selected documents are replayed from TEXTS (no PDF is touched) up to the live
//     writer's position when the job started, newest version of each document winning.
//  3. Everything the live writer indexed since is replayed (selected or not), in rounds,
//     until the build is within CatchUpGap messages of it; then the live writer is
//     paused for the last round, the document counts are compared (what the old index
//     holds and the new one lacks is copied over), the new index is swapped into the
//     alias, CURRENT names it, and the live writer resumes — into the new index.
//  4. The old index is closed and removed once the swap is verified.
//
// Nothing is published on INDEXED: a replay is not news, so no alert follows it. The
// build records its position (a TEXTS sequence) only once the batches up to it are on
// disk, so a job killed at any point resumes from its position into the reopened partial
// index; a cancelled or failed job removes the partial index.
func ReindexJob(x *Index, js jetstream.JetStream, opt ReindexOptions) job.Handler {
	opt = opt.withDefaults()
	return func(ctx context.Context, j *job.Job, report func() error) error {
		r := &reindex{x: x, js: js, opt: opt, j: j, report: report, log: opt.Log.With("job", j.ID)}
		return r.run(ctx)
	}
}

// reindex is one run of a re-index job.
type reindex struct {
	x      *Index
	js     jetstream.JetStream
	opt    ReindexOptions
	j      *job.Job
	report func() error
	log    *slog.Logger

	path string
	b    *builder
}

func (r *reindex) run(ctx context.Context) (err error) {
	if !r.x.building.CompareAndSwap(false, true) {
		return errors.New("another re-index of this index is under way")
	}
	defer r.x.building.Store(false)
	j := r.j
	if j.Detail == nil {
		j.Detail = map[string]string{}
	}
	d := j.Detail
	switch active := r.x.Version(); {
	case d["version"] == "":
		if err := r.start(ctx); err != nil {
			return err
		}
	case active == d["version"]:
		// The swap happened and the process stopped before the job recorded it.
		return r.finish(d["from"])
	case active != d["from"]:
		return fmt.Errorf("the active index is %s, not the %s this job rebuilds", active, d["from"])
	default:
		n, _ := strconv.Atoi(d["resumes"])
		d["resumes"] = strconv.Itoa(n + 1)
		d["resumed_at"] = strconv.FormatUint(j.Position, 10)
		r.log.Info("resuming re-index", "version", d["version"], "phase", d["phase"], "position", j.Position)
	}
	r.path = filepath.Join(r.x.root, d["version"])
	defer func() {
		if r.b != nil {
			r.b.close()
		}
		if err != nil {
			r.abandon(ctx, err)
		}
	}()
	if err := r.open(d["phase"] == phaseCatchUp); err != nil {
		if d["resumes"] == "" {
			return err
		}
		// A build directory that does not open (killed while bleve created it) is
		// rebuilt from the start.
		r.log.Warn("partial index unusable: starting it again", "path", r.path, "err", err)
		if err := os.RemoveAll(r.path); err != nil {
			return fmt.Errorf("removing unusable partial index: %w", err)
		}
		j.Position, d["phase"] = 0, r.firstPhase()
		if err := r.open(false); err != nil {
			return err
		}
	}
	if err := r.build(ctx); err != nil {
		return err
	}
	old, err := r.switchOver(ctx)
	if err != nil {
		return err
	}
	return r.finishSwap(old, d["from"])
}

// build runs the job's phases from the one it is in: copying the documents outside the
// selection, replaying the selection from TEXTS, catching up with the live writer.
func (r *reindex) build(ctx context.Context) error {
	j, d := r.j, r.j.Detail
	if d["phase"] == phaseCopy {
		if err := r.copyOld(ctx); err != nil {
			return err
		}
		r.log.Info("re-index copied the documents outside the selection", "docs", j.Done)
		d["phase"] = phaseReplay
		if err := r.progress(); err != nil {
			return err
		}
	}
	if d["phase"] == phaseReplay {
		end, _ := strconv.ParseUint(d["selection_end"], 10, 64)
		subject := "texts.>"
		if c := j.Selection.Court; c != "" {
			subject = bus.Subject(bus.Texts, filing.CourtToken(c))
		}
		if err := r.replay(ctx, end, subject); err != nil {
			return err
		}
		// The bulk of the build is done: reopen the index with the live merge policy for
		// the catch-up and afterwards.
		if err := r.settle(); err != nil {
			return err
		}
		r.log.Info("re-index replayed the selection", "position", j.Position, "docs", j.Selected)
		r.b.close()
		if err := r.open(true); err != nil {
			return err
		}
		d["phase"] = phaseCatchUp
		if err := r.progress(); err != nil {
			return err
		}
	}
	if d["phase"] != phaseCatchUp {
		return fmt.Errorf("unknown re-index phase %q", d["phase"])
	}
	for range maxCatchUpRounds {
		w, err := r.watermark(ctx)
		if err != nil {
			return err
		}
		if w <= j.Position+r.opt.CatchUpGap {
			break
		}
		r.log.Info("re-index catching up", "position", j.Position, "live_writer", w)
		if err := r.replay(ctx, w, "texts.>"); err != nil {
			return err
		}
		if err := r.settle(); err != nil {
			return err
		}
	}
	return nil
}

// start chooses the new version and the end of the selective replay.
func (r *reindex) start(ctx context.Context) error {
	d := r.j.Detail
	active := r.x.Version()
	n, _ := strconv.Atoi(strings.TrimPrefix(active, "v"))
	// Version directories other than the active one are left over from a build that was
	// cancelled or failed, or an old index whose removal was cut short: jobs run one at
	// a time, so none of them belongs to a job that could still resume.
	entries, err := os.ReadDir(r.x.root)
	if err != nil {
		return fmt.Errorf("listing index versions: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && validVersion(e.Name()) && e.Name() != active {
			r.log.Info("removing leftover index version", "version", e.Name())
			if err := os.RemoveAll(filepath.Join(r.x.root, e.Name())); err != nil {
				return fmt.Errorf("removing leftover index %s: %w", e.Name(), err)
			}
		}
	}
	w, err := r.watermark(ctx)
	if err != nil {
		return err
	}
	d["from"], d["version"] = active, fmt.Sprintf("v%d", n+1)
	d["selection_end"] = strconv.FormatUint(w, 10)
	d["phase"] = r.firstPhase()
	r.log.Info("re-index started", "from", active, "version", d["version"], "replay_to", w, "phase", d["phase"])
	return r.progress()
}

func (r *reindex) firstPhase() string {
	if r.selective() {
		return phaseCopy
	}
	return phaseReplay
}

// selective reports whether the job rebuilds part of the collection only.
func (r *reindex) selective() bool {
	s := r.j.Selection
	return s.Court != "" || !s.Since.IsZero() || !s.Until.IsZero()
}

// selects reports whether the selection keeps d: its court, and its filed date (or, for
// a document that has none yet, the day it was found) in the range. A document whose
// court or date changes between versions is selected by the version at hand; the newest
// version wins either way, because every write compares versions.
func (r *reindex) selects(d filing.Document) bool {
	s := r.j.Selection
	if s.Court != "" && !strings.EqualFold(d.Docket.Court, s.Court) {
		return false
	}
	t := d.Entry.Filed
	if t.IsZero() {
		t = d.DiscoveredAt
	}
	return s.MatchDate(t)
}

// buildConfig opens the index under construction for its bulk phases: like the live
// index, a batch returns once it is searchable and the build records its position only
// when the persisted callback says so; larger tiers merge less often while the index
// grows from nothing. The catch-up reopens it as a live index.
func buildConfig() map[string]any {
	c := liveConfig()
	c["unsafe_batch"] = true // whatever the live index does: the build never needs it
	c["scorchMergePlanOptions"] = mergePlan(25)
	return c
}

// open opens the index under construction, as a live index or for bulk building.
func (r *reindex) open(live bool) error {
	cfg := buildConfig()
	if live {
		cfg = liveConfig()
	}
	idx, err := openVersion(r.path, cfg)
	if err != nil {
		return err
	}
	r.b = newBuilder(idx, r.opt)
	return nil
}

// watermark is the TEXTS sequence up to which the live writer has committed: its own
// record when it runs in this process, or its consumer's acknowledgement floor when that
// is further (a live writer that has not committed since this process started).
func (r *reindex) watermark(ctx context.Context) (uint64, error) {
	w := r.x.processed.Load()
	c, err := r.js.Consumer(ctx, bus.Texts, Durable(r.x.shard))
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return w, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the live writer's position: %w", err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading the live writer's position: %w", err)
	}
	return max(w, info.AckFloor.Stream), nil
}

// settle waits until everything written is on disk, and moves the position there.
func (r *reindex) settle() error {
	if err := r.b.drain(); err != nil {
		return err
	}
	r.j.Position = max(r.j.Position, r.b.track.durable())
	return nil
}

// progress records the position that is on disk and the counts, and says whether to go on.
func (r *reindex) progress() error {
	if r.b != nil {
		if err := r.b.failed(); err != nil {
			return err
		}
		r.j.Position = max(r.j.Position, r.b.track.durable())
	}
	return r.report()
}

// copyOld carries the documents of the old index that the selection leaves out into the
// new one, from their stored fields. On resume the copy starts again; what is already in
// the new index is skipped by its version.
func (r *reindex) copyOld(ctx context.Context) error {
	old := r.x.current()
	if old == nil {
		return bleve.ErrorIndexClosed
	}
	n, err := old.DocCount()
	if err != nil {
		return err
	}
	r.j.Total = max(r.j.Total, r.j.Done+n)
	err = eachID(old, r.opt.MaxDocs, func(ids []string) error {
		if err := r.copyDocs(ctx, old, ids, true); err != nil {
			return err
		}
		return r.progress()
	})
	if err != nil {
		return err
	}
	return r.b.drain()
}

// copyDocs adds the documents ids of old to the build; onlyUnselected skips those the
// selection keeps (they are replayed from TEXTS instead).
func (r *reindex) copyDocs(ctx context.Context, old bleve.Index, ids []string, onlyUnselected bool) error {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = recordFields(true)
	res, err := old.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("reading documents of the old index: %w", err)
	}
	for _, h := range res.Hits {
		r.j.Done++
		rec, err := decodeRecord(h.ID, h.Fields, true)
		if err != nil {
			r.j.Errors++
			r.log.Warn("cannot copy a document of the old index", "doc_id", h.ID, "err", err)
			continue
		}
		if onlyUnselected && r.selects(rec.Document) {
			continue
		}
		t := filing.Text{Schema: filing.Schema, Document: rec.Document, Pages: rec.Pages, Entities: rec.Entities, Version: rec.Version}
		r.b.add(doc{text: t, indexed: rec.IndexedAt}, len(h.ID)+textSize(t))
		if err := r.b.flushIfFull(ctx); err != nil {
			return err
		}
	}
	return nil
}

func textSize(t filing.Text) int {
	n := 0
	for _, p := range t.Pages {
		n += len(p.Text)
	}
	return n
}

// eachID calls f with the ids of the documents in idx, chunk at a time, from one snapshot.
func eachID(idx bleve.Index, chunk int, f func([]string) error) error {
	adv, err := idx.Advanced()
	if err != nil {
		return fmt.Errorf("reading index: %w", err)
	}
	rd, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("reading index: %w", err)
	}
	defer rd.Close()
	all, err := rd.DocIDReaderAll()
	if err != nil {
		return fmt.Errorf("reading index: %w", err)
	}
	defer all.Close()
	ids := make([]string, 0, chunk)
	for {
		iid, err := all.Next()
		if err != nil {
			return fmt.Errorf("reading index: %w", err)
		}
		if iid == nil {
			break
		}
		id, err := rd.ExternalID(iid)
		if err != nil {
			return fmt.Errorf("reading index: %w", err)
		}
		if ids = append(ids, id); len(ids) == chunk {
			if err := f(ids); err != nil {
				return err
			}
			ids = ids[:0]
		}
	}
	if len(ids) > 0 {
		return f(ids)
	}
	return nil
}

// replayed is one TEXTS message as the replay reads it.
type replayed struct {
	seq  uint64
	text filing.Text
	size int
	keep bool
	err  error
	// end marks the end of a complete read.
	end bool
}

// replay writes the TEXTS messages on subject after the job's position up to seq `to`
// into the new index. Up to the selective replay's end only selected documents are
// kept; after it, every document, because the live writer indexed them all. Messages are
// read and decoded in a goroutine while the previous batch is indexed.
func (r *reindex) replay(ctx context.Context, to uint64, subject string) error {
	from := r.j.Position
	if from >= to {
		return nil
	}
	end, _ := strconv.ParseUint(r.j.Detail["selection_end"], 10, 64)
	str, err := r.js.Stream(ctx, bus.Texts)
	if err != nil {
		return fmt.Errorf("opening %s: %w", bus.Texts, err)
	}
	// The last message on the subject bounds the read: an ordered consumer past it would
	// wait for messages that may never come.
	last, err := str.GetLastMsgForSubject(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		last = &jetstream.RawStreamMsg{}
	case err != nil:
		return fmt.Errorf("reading %s: %w", bus.Texts, err)
	}
	if stop := min(to, last.Sequence); stop > from {
		r.j.Total = max(r.j.Total, r.j.Done+stop-from)
		cons, err := r.js.OrderedConsumer(ctx, bus.Texts, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from + 1,
		})
		if err != nil {
			return fmt.Errorf("reading %s: %w", bus.Texts, err)
		}
		msgs, err := cons.Messages(jetstream.PullMaxMessagesWithBytesLimit(r.opt.MaxDocs, r.opt.MaxBytes))
		if err != nil {
			return fmt.Errorf("reading %s: %w", bus.Texts, err)
		}
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch := make(chan replayed, r.opt.MaxDocs)
		go r.read(rctx, msgs, stop, end, ch)
		complete := false
		for m := range ch {
			if m.err != nil {
				return m.err
			}
			if m.end {
				complete = true
				break
			}
			r.j.Done++
			if m.keep {
				r.j.Selected++
				r.b.add(doc{text: m.text, seq: m.seq}, m.size)
			}
			r.b.note(m.seq)
			if r.b.full() {
				t0 := time.Now()
				if err := r.b.flush(ctx); err != nil {
					return err
				}
				r.log.Debug("re-index batch", "seq", m.seq, "took", time.Since(t0))
				if err := r.progress(); err != nil {
					return err
				}
			}
		}
		if !complete {
			if ctx.Err() != nil {
				return job.ErrStopped
			}
			return fmt.Errorf("reading %s: stopped before sequence %d", bus.Texts, stop)
		}
	}
	// Every message up to `to` on the subject has been read (the stream holds no more
	// of them), so the position may move to `to` once the last batch is on disk.
	r.b.note(to)
	if err := r.b.flush(ctx); err != nil {
		return err
	}
	return r.progress()
}

// read decodes messages for replay up to seq `to`, then closes ch.
func (r *reindex) read(ctx context.Context, msgs jetstream.MessagesContext, to, end uint64, ch chan<- replayed) {
	defer close(ch)
	go func() { <-ctx.Done(); msgs.Stop() }()
	defer msgs.Stop()
	send := func(m replayed) bool {
		select {
		case ch <- m:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		m, err := msgs.Next()
		if err != nil {
			if ctx.Err() == nil {
				send(replayed{err: fmt.Errorf("reading %s: %w", bus.Texts, err)})
			}
			return
		}
		md, err := m.Metadata()
		if err != nil {
			send(replayed{err: fmt.Errorf("reading %s: %w", bus.Texts, err)})
			return
		}
		seq := md.Sequence.Stream
		if seq > to {
			send(replayed{end: true})
			return
		}
		out := replayed{seq: seq, size: len(m.Data())}
		// A message the live writer would park (undecodable, an unknown schema, a bad
		// id) is left out here too, and so is another shard's document, undecoded when
		// its Doc-Id header says whose it is. Either still moves the position on.
		id := m.Headers().Get(bus.HeaderDocID)
		if (id == "" || r.x.shard.Owns(filing.DocID(id))) &&
			json.Unmarshal(m.Data(), &out.text) == nil && filing.CheckSchema(out.text.Schema) == nil &&
			out.text.Document.ID.Validate() == nil && r.x.shard.Owns(out.text.Document.ID) {
			out.keep = seq > end || r.selects(out.text.Document)
		}
		if !send(out) {
			return
		}
		if seq >= to {
			send(replayed{end: true})
			return
		}
	}
}

// switchOver pauses the live writer, replays what it indexed last, verifies the new
// index against the old and swaps it in. It returns the old index, which searches no
// longer reach.
func (r *reindex) switchOver(ctx context.Context) (bleve.Index, error) {
	pauseStart := time.Now()
	r.x.live.Lock()
	defer r.x.live.Unlock()
	w, err := r.watermark(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.replay(ctx, w, "texts.>"); err != nil {
		return nil, err
	}
	if err := r.settle(); err != nil {
		return nil, err
	}
	old := r.x.current()
	if old == nil {
		return nil, bleve.ErrorIndexClosed
	}
	if err := r.verify(ctx, old); err != nil {
		return nil, err
	}
	// A cancel is seen at the next saved report, which may come after the end: ask
	// once more before the point of no return.
	if r.cancelled(ctx) {
		return nil, job.ErrStopped
	}
	d := r.j.Detail
	if err := r.x.swap(d["version"], r.b.idx, old); err != nil {
		return nil, err
	}
	r.b.detached = true // the index is the active one now: no longer the build's to close
	d["phase"] = phaseSwapped
	d["pause_ms"] = strconv.FormatInt(time.Since(pauseStart).Milliseconds(), 10)
	r.log.Info("re-index swapped in", "version", d["version"], "docs", d["new_docs"], "pause", time.Since(pauseStart))
	return old, nil
}

// verify compares the document counts of the old index and the new one, with the live
// writer paused. They differ when the live writer is retrying a message that the
// replay indexed (the new index holds more), or when a message the live writer retried
// fell outside what the replay covered (the new index lacks documents): those are copied
// from the old index. A new index still smaller than the old one fails the job.
func (r *reindex) verify(ctx context.Context, old bleve.Index) error {
	d := r.j.Detail
	oc, err := old.DocCount()
	if err != nil {
		return err
	}
	nc, err := r.b.idx.DocCount()
	if err != nil {
		return err
	}
	if nc != oc {
		newIDs := map[string]bool{}
		if err := eachID(r.b.idx, 4096, func(ids []string) error {
			for _, id := range ids {
				newIDs[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		var missing []string
		if err := eachID(old, 4096, func(ids []string) error {
			for _, id := range ids {
				if !newIDs[id] {
					missing = append(missing, id)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for i := 0; i < len(missing); i += r.opt.MaxDocs {
			if err := r.copyDocs(ctx, old, missing[i:min(len(missing), i+r.opt.MaxDocs)], false); err != nil {
				return err
			}
		}
		if err := r.b.drain(); err != nil {
			return err
		}
		d["copied_missing"] = strconv.Itoa(len(missing))
		if nc, err = r.b.idx.DocCount(); err != nil {
			return err
		}
		r.log.Info("document counts differed", "old", oc, "new", nc, "copied", len(missing))
	}
	d["old_docs"], d["new_docs"] = strconv.FormatUint(oc, 10), strconv.FormatUint(nc, 10)
	if nc < oc {
		return fmt.Errorf("the new index holds %d documents, the old %d", nc, oc)
	}
	return nil
}

// finishSwap closes and removes the old index, now that searches use the new one.
func (r *reindex) finishSwap(old bleve.Index, from string) error {
	if err := old.Close(); err != nil {
		r.log.Warn("closing the old index", "err", err)
	}
	// The build's batches, analysed, weigh tens of times their text: the heap's peak
	// during a re-index is far above what the process holds afterwards, and the runtime
	// gives those pages back to the system only slowly, so that a process re-indexing
	// now and then kept the peak of every build as resident memory (issue 21: 0.5 GB
	// after the first build, 1.2–1.5 GB after three re-indexes). Give them back now.
	debug.FreeOSMemory()
	if err := r.progress(); err != nil && !errors.Is(err, job.ErrStopped) {
		return err
	}
	return r.finish(from)
}

// finish removes the old index version, once the new one is active.
func (r *reindex) finish(from string) error {
	if from != "" && from != r.x.Version() {
		if err := os.RemoveAll(filepath.Join(r.x.root, from)); err != nil {
			return fmt.Errorf("removing the old index %s: %w", from, err)
		}
	}
	r.j.Detail["phase"] = "done"
	if r.b != nil {
		r.j.Position = max(r.j.Position, r.b.track.durable())
	}
	return nil
}

// abandon handles a job that ends before its swap: a cancelled or failed job removes its
// partial index; a stopping process keeps it for the job to resume.
func (r *reindex) abandon(ctx context.Context, err error) {
	if r.j.Detail["phase"] == phaseSwapped || r.j.Detail["phase"] == "done" || r.path == "" {
		return
	}
	if ctx.Err() != nil {
		return // this process is stopping: the job resumes from its position
	}
	if errors.Is(err, job.ErrStopped) && !r.cancelled(ctx) {
		return // taken over by another runner: the partial index is its to resume
	}
	if r.b != nil {
		r.b.close()
		r.b = nil
	}
	if rerr := os.RemoveAll(r.path); rerr != nil {
		r.log.Error("removing the partial index", "path", r.path, "err", rerr)
		return
	}
	r.log.Info("partial index removed", "path", r.path, "err", err)
}

// cancelled reports whether the job was cancelled; when that cannot be read, it was not.
func (r *reindex) cancelled(ctx context.Context) bool {
	ctx = context.WithoutCancel(ctx)
	store, err := job.NewStore(ctx, r.js)
	if err != nil {
		return false
	}
	cur, err := store.Get(ctx, r.j.ID)
	return err == nil && cur.State == job.Cancelled
}

// swap makes idx, built in version's directory, the active index in place of old, with
// the live writer paused by the caller. CURRENT is written first, so that a crash at any
// point opens a complete index; then the alias swaps (waiting out the searches under way
// on the old index), and the swap is verified through the alias.
func (x *Index) swap(version string, idx, old bleve.Index) error {
	x.mu.RLock()
	from := x.version
	x.mu.RUnlock()
	want, err := idx.DocCount()
	if err != nil {
		return err
	}
	if err := writeCurrent(x.root, version); err != nil {
		return err
	}
	x.alias.Swap([]bleve.Index{idx}, []bleve.Index{old})
	x.mu.Lock()
	x.active, x.version = idx, version
	x.mu.Unlock()
	got, cerr := x.alias.DocCount()
	cur, rerr := readCurrent(x.root)
	if cerr == nil && rerr == nil && got == want && cur == version {
		return nil
	}
	// Not what was swapped in: put the old index back before anything is removed.
	x.alias.Swap([]bleve.Index{old}, []bleve.Index{idx})
	x.mu.Lock()
	x.active, x.version = old, from
	x.mu.Unlock()
	if err := writeCurrent(x.root, from); err != nil {
		return fmt.Errorf("swap not verified (%d documents, %s), and restoring %s: %w", got, cur, currentFile, err)
	}
	return fmt.Errorf("swap not verified: the alias answers %d documents (want %d), %s names %q: %v %v", got, want, currentFile, cur, cerr, rerr)
}
