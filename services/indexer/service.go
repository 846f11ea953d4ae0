package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/telemetry"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config tunes batching. A batch is what waits when the indexer is ready to commit, up to
// MaxDocs documents or MaxBytes of message data (bleve's cost grows with batch bytes: a
// batch of 1,000 documents of 20 KB costs ~1 GB of RSS). Nothing waits for a batch to
// fill: an idle indexer commits a lone document at once, a busy one commits what arrived
// during its previous commit.
type Config struct {
	// Shard is the part of TEXTS this indexer indexes and serves; the zero value is all
	// of it. The composition root opens the index as this shard (OpenShard).
	Shard    search.Shard
	MaxDocs  int
	MaxBytes int
	// Observe, when set, is told how each message ended (ack, retry, parked, or
	// skipped: another shard's) and how long its batch took: the stage's metrics.
	Observe func(stage, outcome string, took time.Duration)
	// Holding, when set, says whether this indexer still surely holds its shard (its
	// lease): a batch is acknowledged only then. Once it does not, Run returns
	// ErrNotHolding and the batch is redelivered, to the shard's next holder.
	Holding func() bool
}

// ErrNotHolding says the indexer no longer surely holds its shard's lease.
var ErrNotHolding = errors.New("this indexer no longer holds its shard: stopped so that another can")

func (c Config) withDefaults() Config {
	c.MaxDocs = config.Default(c.MaxDocs, 500)
	c.MaxBytes = config.Default(c.MaxBytes, 8<<20)
	return c
}

// Service is the indexing stage.
type Service struct {
	cfg   Config
	js    jetstream.JetStream
	index *Index
	log   *slog.Logger
	now   func() time.Time
	// pending counts batches committed but not yet on disk, whose messages wait to be
	// acknowledged; Run waits for them before it returns.
	pending sync.WaitGroup
}

// RegisterFlags registers the stage's settings on fs (pkg/config binds them to the
// environment and the config file).
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(&c.Shard, "shard", "the part of the index this indexer holds and serves, i/n: 0/2 and 1/2 split it in two (default all of it)")
}

// Validate reports a setting that cannot work, naming its flag.
func (c Config) Validate() error {
	if err := c.Shard.Validate(); err != nil {
		return fmt.Errorf("--shard: %w", err)
	}
	return nil
}

// Deps are what the stage works with.
type Deps struct {
	JS jetstream.JetStream
	// Index is the open index this stage writes (OpenShard with Config.Shard).
	Index *Index
	Log   *slog.Logger
}

// New returns the stage over an open index, or why cfg cannot work; Run starts it.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &Service{cfg: cfg.withDefaults(), js: deps.JS, index: deps.Index, log: deps.Log, now: time.Now}, nil
}

// Durable names the live writer's consumer of TEXTS for one shard: every shard reads all
// of TEXTS through its own consumer and keeps its part (a subject cannot select by hash).
// A re-index reads its acknowledgement floor when no live writer runs in its process.
func Durable(shard search.Shard) string {
	if !shard.Sharded() {
		return "indexer"
	}
	return fmt.Sprintf("indexer-shard-%d-of-%d", shard.Index, shard.Count)
}

func (s *Service) consumer() bus.Consumer {
	return bus.Consumer{
		Stage: "indexer", Stream: bus.Texts, Durable: Durable(s.index.shard),
		AckWait: 30 * time.Second, MaxDeliver: 5, MaxAckPending: 2 * s.cfg.MaxDocs,
	}
}

// Run consumes TEXTS until ctx ends; the batch under way is committed and acknowledged
// before it returns.
func (s *Service) Run(ctx context.Context) error {
	c := s.consumer()
	if s.index.created.CompareAndSwap(true, false) {
		// A new, empty index (a shard's new directory, a lost volume): the consumer may
		// have acknowledged what an earlier index holds, so it starts again from the
		// beginning of TEXTS, which keeps every text for this.
		switch err := s.js.DeleteConsumer(ctx, bus.Texts, c.Durable); {
		case err == nil:
			s.log.Warn("new index: reading TEXTS from the start", "consumer", c.Durable)
		case !errors.Is(err, jetstream.ErrConsumerNotFound):
			s.index.created.Store(true)
			return fmt.Errorf("restarting consumer %s for a new index: %w", c.Durable, err)
		}
	}
	cons, err := c.Ensure(ctx, s.js)
	if err != nil {
		return err
	}
	// A message whose deliveries ran out while its holders died is parked, not lost.
	wctx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); c.WatchExhausted(wctx, s.js, s.log) }()
	defer func() { stopWatch(); <-watched }()
	// Pulls are bounded by bytes as well as count: one TEXTS message can be megabytes
	// (a document's whole text: bus.MaxPayload), and the buffer holds up to one pull beyond the batch under way.
	it, err := cons.Messages(jetstream.PullMaxMessagesWithBytesLimit(s.cfg.MaxDocs, s.cfg.MaxBytes), jetstream.PullExpiry(bus.PullExpiry))
	if err != nil {
		return fmt.Errorf("pulling from TEXTS: %w", err)
	}
	// The reader never waits on the batch loop: the consumer delivers at most
	// MaxAckPending unacknowledged messages, so this buffer holds them all, and the
	// iterator's own buffer (MaxDocs messages, which the server's heartbeats share)
	// never fills while a batch commits. When it filled, the client dropped messages as
	// a slow consumer and they came back only after AckWait.
	msgs := make(chan jetstream.Msg, c.MaxAckPending)
	go func() {
		defer close(msgs)
		for {
			m, err := it.Next()
			if err != nil {
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				s.log.Warn("pulling texts", "err", err)
				continue
			}
			msgs <- m
		}
	}()
	go func() { <-ctx.Done(); it.Stop() }()

	defer s.pending.Wait()
	for {
		first, ok := <-msgs
		if !ok {
			return nil
		}
		batch := s.fill(first, msgs)
		if s.cfg.Holding != nil && !s.cfg.Holding() {
			for _, m := range batch {
				_ = m.Nak()
			}
			return ErrNotHolding
		}
		s.commit(ctx, batch)
	}
}

// fill returns first with the messages already waiting in msgs, up to a batch's bounds;
// it never waits for more.
func (s *Service) fill(first jetstream.Msg, msgs <-chan jetstream.Msg) []jetstream.Msg {
	batch, size := []jetstream.Msg{first}, len(first.Data())
	for len(batch) < s.cfg.MaxDocs && size < s.cfg.MaxBytes {
		select {
		case m, ok := <-msgs:
			if !ok {
				return batch
			}
			batch = append(batch, m)
			size += len(m.Data())
		default:
			return batch
		}
	}
	return batch
}

// commit writes a batch, then publishes INDEXED for every document in it, then
// acknowledges. INDEXED follows the commit, so a search after an alert always finds the
// document; a crash before the acknowledgement redelivers the batch, which rewrites
// nothing (same versions) and republishes INDEXED under the same message ids.
func (s *Service) commit(runCtx context.Context, msgs []jetstream.Msg) {
	b := s.newBatch(msgs)
	// A re-index pauses live writes for its last catch-up and swap by taking this lock:
	// a batch lands wholly before the swap (and is replayed into the new index) or
	// wholly after it (into the new index).
	s.index.live.Lock()
	locked := true
	unlock := func() {
		if locked {
			s.index.live.Unlock()
			locked = false
		}
	}
	defer unlock()
	b.decode()
	persisted, err := b.write()
	if err != nil {
		for _, it := range b.items {
			b.settleOne(it.msg, bus.Unavailable(err)) // a full disk is no fault of the documents'
		}
		return
	}
	s.index.markProcessed(lastSequence(msgs))
	unlock()
	b.announce(runCtx)
	if persisted == nil {
		b.settle(nil)
		return
	}
	// Acknowledge once the batch is on disk, without holding up the next batch.
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		select {
		case err := <-persisted:
			b.settle(err)
		case <-time.After(persistTimeout):
			b.settle(fmt.Errorf("not persisted after %s", persistTimeout))
		}
	}()
	s.log.Debug("batch committed", "docs", len(b.writes), "messages", len(msgs))
}

// batch is one commit's messages through its phases: decoded into items, the newest
// version of each written, announced, settled.
type batch struct {
	s     *Service
	c     bus.Consumer
	start time.Time
	msgs  []jetstream.Msg
	items []batchItem
	// stored holds the versions the index had of the items; newest the index in items of
	// each document's newest version; writes what is written.
	stored map[string]string
	newest map[filing.DocID]int
	writes []entry
	// errs holds each item's announcement error.
	errs []error
}

type batchItem struct {
	msg  jetstream.Msg
	text filing.Text
}

func (s *Service) newBatch(msgs []jetstream.Msg) *batch {
	c := s.consumer()
	c.Observe = s.cfg.Observe
	if c.Observe == nil {
		c.Observe = func(string, string, time.Duration) {}
	}
	return &batch{s: s, c: c, start: s.now(), msgs: msgs}
}

// settleOne acknowledges, retries or parks m by err, and counts it.
func (b *batch) settleOne(m jetstream.Msg, err error) {
	b.c.Observe(b.c.Stage, b.c.Settle(context.Background(), b.s.js, b.s.log, m, err), b.s.now().Sub(b.start))
}

// lastSequence is the highest stream sequence of msgs.
func lastSequence(msgs []jetstream.Msg) uint64 {
	var last uint64
	for _, m := range msgs {
		if md, err := m.Metadata(); err == nil && md.Sequence.Stream > last {
			last = md.Sequence.Stream
		}
	}
	return last
}

// decode keeps the messages of this shard's documents as items; another shard's are
// acknowledged, undecodable ones parked.
func (b *batch) decode() {
	shard := b.s.index.shard
	skip := func(m jetstream.Msg) {
		// Another shard's document: its indexer has it.
		b.c.Settle(context.Background(), b.s.js, b.s.log, m, nil)
		b.c.Observe(b.c.Stage, telemetry.OutcomeSkipped, 0)
	}
	for _, m := range b.msgs {
		// Every shard reads all of TEXTS: the Doc-Id header spares it decoding the others'.
		if id := m.Headers().Get(bus.HeaderDocID); id != "" && !shard.Owns(filing.DocID(id)) {
			skip(m)
			continue
		}
		var t filing.Text
		err := json.Unmarshal(m.Data(), &t)
		if err == nil {
			err = filing.CheckSchema(t.Schema)
		}
		if err == nil {
			err = t.Document.ID.Validate()
		}
		if err != nil {
			b.settleOne(m, fault.Permanentf("decoding text: %v", err))
			continue
		}
		if !shard.Owns(t.Document.ID) {
			skip(m)
			continue
		}
		b.items = append(b.items, batchItem{m, t})
	}
}

// write commits the newest version of each document, in the index and within the batch;
// persisted reports when the write is on disk (nil: nothing was written).
func (b *batch) write() (persisted <-chan error, err error) {
	ids := make([]string, 0, len(b.items))
	for _, it := range b.items {
		ids = append(ids, string(it.text.Document.ID))
	}
	if b.stored, err = b.s.index.versions(context.Background(), ids); err != nil {
		return nil, err
	}
	b.newest = map[filing.DocID]int{}
	for i, it := range b.items {
		id := it.text.Document.ID
		if j, ok := b.newest[id]; ok && b.items[j].text.Version >= it.text.Version {
			continue
		}
		b.newest[id] = i
	}
	for _, i := range b.newest {
		t := b.items[i].text
		prev := b.stored[string(t.Document.ID)]
		if prev > schema.VersionKey(t.Version) {
			continue // an older version redelivered or replayed late: never replaces a newer one
		}
		// A redelivered document the index already holds at this version is written again:
		// the first write may be visible without being on disk (its persist failed on a
		// full disk), and acknowledging it on the strength of the copy in memory would lose
		// it in a crash. Writing it again waits for the disk like any new write.
		if prev != schema.VersionKey(t.Version) || redelivered(b.items[i].msg) {
			b.writes = append(b.writes, entry{text: t, previous: prev})
		}
	}
	if len(b.writes) == 0 {
		return nil, nil
	}
	if persisted, err = b.s.index.writeDurable(b.writes, b.s.now()); err != nil {
		b.s.log.Error("committing batch", "docs", len(b.writes), "err", err)
		return nil, err
	}
	return persisted, nil
}

// announce publishes INDEXED for every document of the batch at once and waits for the
// stream's acknowledgements together: one round trip per batch rather than per document.
func (b *batch) announce(runCtx context.Context) {
	first := map[filing.DocID]bool{}
	for _, w := range b.writes {
		first[w.text.Document.ID] = w.previous == ""
	}
	pending := make([]jetstream.PubAckFuture, len(b.items))
	b.errs = make([]error, len(b.items))
	for i, it := range b.items {
		t := it.text
		if b.newest[t.Document.ID] == i && b.stored[string(t.Document.ID)] <= schema.VersionKey(t.Version) {
			// INDEXED continues the trace the document's TEXTS message carried.
			dctx, span := tracing.StartConsume(context.Background(), b.c.Stage, it.msg.Headers(), tracing.AttrDocID.String(string(t.Document.ID)))
			pending[i], b.errs[i] = b.s.announce(dctx, t, first[t.Document.ID], it.msg)
			tracing.End(span, "", b.errs[i])
		}
	}
	// NATS gone between a publish and its acknowledgement leaves the future waiting: the
	// wait is bounded, and shortened when the service stops. Unacknowledged, the batch is
	// redelivered and announced again under the same message ids, which the stream
	// deduplicates.
	wait, stop := context.WithTimeout(context.Background(), publishAckWait)
	defer stop()
	defer context.AfterFunc(runCtx, func() { time.AfterFunc(stoppingAckWait, stop) })()
	for i, f := range pending {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.errs[i] = fmt.Errorf("publishing indexed %s: %w", b.items[i].text.Document.ID, err)
		case <-wait.Done():
			b.errs[i] = fmt.Errorf("publishing indexed %s: not acknowledged: %w", b.items[i].text.Document.ID, context.Cause(wait))
		}
	}
}

// settle settles every item: by its announcement's error, else by perr, the outcome of
// persisting the batch.
func (b *batch) settle(perr error) {
	for i, it := range b.items {
		err := b.errs[i]
		if err == nil && perr != nil {
			err = fmt.Errorf("persisting index batch: %w", perr)
		}
		// The batch's errors are the index's disk's or JetStream's: on a full disk they
		// are retried without end, never parked.
		b.settleOne(it.msg, bus.Unavailable(err))
	}
}

// publishAckWait bounds the wait for the stream to acknowledge a batch's INDEXED
// announcements; stoppingAckWait once the service is stopping.
const (
	publishAckWait  = 10 * time.Second
	stoppingAckWait = 2 * time.Second
)

// persistTimeout bounds the wait for a batch to reach the disk; past it the messages are
// redelivered, which rewrites nothing that was persisted meanwhile.
const persistTimeout = 2 * time.Minute

// announce publishes INDEXED for t without waiting for the stream's acknowledgement.
func (s *Service) announce(ctx context.Context, t filing.Text, first bool, from jetstream.Msg) (jetstream.PubAckFuture, error) {
	d := t.Document
	ix := filing.Indexed{
		Schema: filing.Schema, ID: d.ID, Court: d.Docket.Court, Version: t.Version, First: first,
		Exhibit: d.Exhibit, Pages: len(t.Pages), IndexedAt: s.now().UTC(),
	}
	if md, err := from.Metadata(); err == nil {
		ix.TextSeq = md.Sequence.Stream
	}
	data, err := json.Marshal(ix)
	if err != nil {
		return nil, fmt.Errorf("encoding indexed %s: %w", d.ID, err)
	}
	msg := &nats.Msg{Subject: bus.Subject(bus.Indexed, filing.CourtToken(d.Docket.Court)), Data: data, Header: nats.Header{}}
	msg.Header.Set(bus.HeaderDocID, string(d.ID))
	tracing.Inject(ctx, msg.Header)
	f, err := s.js.PublishMsgAsync(msg, jetstream.WithMsgID(bus.MsgID("indexer", d.ID, schema.VersionKey(t.Version))))
	if err != nil {
		return nil, fmt.Errorf("publishing indexed %s: %w", d.ID, err)
	}
	return f, nil
}

// redelivered reports whether m was delivered before, to a batch that was not
// acknowledged.
func redelivered(m jetstream.Msg) bool {
	md, err := m.Metadata()
	return err == nil && md.NumDelivered > 1
}
