// Package ingest hands local files to a docketwatch pipeline and waits until each is
// indexed or parked. It talks to the pipeline only through NATS, so the same code serves
// a pipeline started in-process and a `docketwatch run` found serving the data directory.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
	"github.com/nats-io/nats.go/jetstream"
)

// Status is what became of one file.
type Status string

const (
	Indexed   Status = "indexed"
	Duplicate Status = "duplicate"
	Parked    Status = "parked"
	Failed    Status = "failed" // could not even be read or stored: nothing was published
	// Skipped is a file of a folder that is not a PDF: not read, nothing published.
	Skipped Status = "skipped"
)

// File is one file's outcome.
type File struct {
	Path   string       `json:"path"`
	ID     filing.DocID `json:"id,omitempty"`
	Status Status       `json:"status"`
	Reason string       `json:"reason,omitempty"`
	// Pages is the page count of a document indexed by this ingest.
	Pages int `json:"pages,omitempty"`
}

// Summary is the outcome of an ingest.
type Summary struct {
	Files []File         `json:"files"`
	Count map[Status]int `json:"count"`
}

// Deps are the pipeline's handles.
type Deps struct {
	JS       jetstream.JetStream
	Blobs    blob.Store
	Searcher search.Searcher
	Now      func() time.Time
	// Listed, when set, is told how many files will be ingested once the paths are
	// expanded, before any is; Progress, when set, is told about each file as its fate
	// is known (skipped files first).
	Listed   func(files int)
	Progress func(File)
	// Known is what the user states about every file (ingest --court, --docket,
	// --case-name); it wins over what the extractor reads.
	Known localdir.Known
	// Waiting, when set, is told each time a file waits because JetStream stores
	// nothing (fault.Unavailable: a full disk), before it is tried again.
	Waiting func(path string, err error)
	// Lost, when set, receives an error when the process doing the work is lost for
	// good (datadir.Closed): the files still pending will not be settled.
	Lost <-chan error
}

// Run ingests the files and folders in paths and waits until every file is indexed or
// parked, or ctx ends.
func Run(ctx context.Context, d Deps, paths []string) (*Summary, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	files, skipped, err := localdir.Files(paths)
	if err != nil {
		return nil, err
	}
	if d.Listed != nil {
		d.Listed(len(files) + len(skipped))
	}
	pub, err := fetcher.NewPublisher(ctx, d.JS)
	if err != nil {
		return nil, err
	}
	// Watch the outcomes before publishing, so none can slip past.
	w, err := watch(ctx, d.JS)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	t := &tally{d: d, sum: &Summary{Count: map[Status]int{}}, pending: map[filing.DocID][]int{}}
	for _, path := range skipped {
		t.sum.Files = append(t.sum.Files, File{Path: path})
		t.settle(len(t.sum.Files)-1, Skipped, "not a PDF: a folder contributes its *.pdf files", 0)
	}
	dups, own, err := t.publish(ctx, pub, files)
	if err != nil {
		return t.sum, err
	}
	if err := t.settleSeen(ctx, dups); err != nil {
		return t.sum, err
	}
	// own are settled as this ingest's (indexed, not duplicates): their events come
	// after the watch began, unless the seen record a retry found was an earlier
	// ingest's after all, so they are looked for in the index like the early ones.
	return t.sum, t.wait(ctx, w, append(dups, own...))
}

// tally is one ingest's files and what became of them.
type tally struct {
	d   Deps
	sum *Summary
	// pending holds the files published whose fate is unknown, by document.
	pending map[filing.DocID][]int
}

// settle records what became of file i.
func (t *tally) settle(i int, st Status, reason string, pages int) {
	f := &t.sum.Files[i]
	f.Status, f.Reason, f.Pages = st, reason, pages
	t.sum.Count[st]++
	if t.d.Progress != nil {
		t.d.Progress(*f)
	}
}

// resolve records what became of a document: the first of its files has its status,
// the others are duplicates when it was indexed (the same bytes under a second name).
func (t *tally) resolve(id filing.DocID, st Status, reason string, pages int) {
	for n, i := range t.pending[id] {
		if n > 0 && st == Indexed {
			t.settle(i, Duplicate, "", 0)
			continue
		}
		t.settle(i, st, reason, pages)
	}
	delete(t.pending, id)
}

// publish stores and announces each file, and returns the documents seen before, and
// those a failed attempt of this ingest may have published already (see ingestFile).
func (t *tally) publish(ctx context.Context, pub *fetcher.Publisher, files []string) (dups, own []filing.DocID, err error) {
	for _, path := range files {
		out, retried, err := t.d.ingestFile(ctx, pub, path)
		t.sum.Files = append(t.sum.Files, File{Path: path, ID: out.ID})
		i := len(t.sum.Files) - 1
		if err != nil {
			return dups, own, err
		}
		if out.Err != nil {
			t.settle(i, Failed, out.Err.Error(), 0)
			continue
		}
		switch {
		case out.Duplicate && retried:
			own = append(own, out.ID)
		case out.Duplicate:
			dups = append(dups, out.ID)
		}
		t.pending[out.ID] = append(t.pending[out.ID], i)
	}
	return dups, own, nil
}

// ingestFile stores and publishes one file, waiting while JetStream stores nothing (a
// full disk on the serving side): the file is not failed for the pipeline's trouble.
// It returns an error only when ctx ends or the serving process is lost. retried says
// an attempt failed first: one that failed after its message was stored (recording the
// blob, services/fetcher publisher.go) makes the next find the document seen, which is
// then no duplicate of an earlier ingest but this one's own.
func (d Deps) ingestFile(ctx context.Context, pub *fetcher.Publisher, path string) (out localdir.Outcome, retried bool, err error) {
	var lost error
	err = bus.Retry(ctx, bus.ExponentialBackoff(time.Second, 30*time.Second), func(time.Duration) bool {
		select {
		case lost = <-d.Lost:
			return true
		default:
		}
		out = localdir.Ingest(ctx, d.Blobs, pub, path, d.Known, d.Now)
		if !fault.IsUnavailable(out.Err) {
			return true
		}
		if d.Waiting != nil {
			d.Waiting(path, out.Err)
		}
		retried = true
		return false
	})
	if err == nil {
		err = lost
	}
	if err != nil {
		return out, retried, fmt.Errorf("storing %s: %w", path, err)
	}
	return out, retried, nil
}

// settleSeen settles the documents seen before: done if the index holds them or DEAD
// does; otherwise an ingest that died before it finished published them, and they are
// still on their way.
func (t *tally) settleSeen(ctx context.Context, dups []filing.DocID) error {
	if len(dups) == 0 {
		return nil
	}
	known, err := indexedAmong(ctx, t.d.Searcher, dups)
	if err != nil {
		return err
	}
	parked, err := parkedReasons(ctx, t.d.JS)
	if err != nil {
		return err
	}
	for _, id := range dups {
		if _, ok := known[id]; ok {
			for _, i := range t.pending[id] {
				t.settle(i, Duplicate, "", 0)
			}
			delete(t.pending, id)
		} else if reason, ok := parked[id]; ok {
			for _, i := range t.pending[id] {
				t.settle(i, Parked, reason, 0)
			}
			delete(t.pending, id)
		}
	}
	return nil
}

// recheckEvery is how often a wait looks in the index for the documents published
// before its watch of INDEXED began, the only ones whose event it can miss for good. The
// first INDEXED of such a document may have come before the watch; the indexer
// announces a batch once it is visible, before it is on disk (services/indexer
// service.go, commit), so a crash can lose the write after the announcement; the
// restarted indexer writes it again, and that INDEXED is dropped as a duplicate of the
// first (same Nats-Msg-Id). No event marks the second write. A document published after
// the watch began has its first INDEXED (or DEAD) after it, and the watch, an ordered
// consumer, resumes after a reconnect from the last message it saw: events alone settle
// it, with no look at the index.
const recheckEvery = 3 * time.Second

// backstopEvery is how often a wait looks in the index and DEAD for every document still
// pending, events or not: the watch is an ordered consumer, and one can go silent with no
// error once the server it read from is lost (pkg/job's WatchBackstop says where that
// was seen). Half a minute costs nothing beside an ingest and bounds such a wait.
const backstopEvery = 30 * time.Second

// wait settles the pending documents as their outcomes come. early are the documents
// published before the watch began (seen before this ingest): those still pending are
// also looked for in the index every recheckEvery.
func (t *tally) wait(ctx context.Context, w *watcher, early []filing.DocID) error {
	recheck, stop := t.earlyRecheck(early)
	defer stop()
	backstop := time.NewTicker(backstopEvery)
	defer backstop.Stop()
	for len(t.pending) > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d documents: %w", len(t.pending), ctx.Err())
		case err := <-t.d.Lost:
			return fmt.Errorf("waiting for %d documents: %w", len(t.pending), err)
		case ev := <-w.events:
			if _, ok := t.pending[ev.id]; ok {
				t.resolve(ev.id, ev.status, ev.reason, ev.pages)
			}
		case <-recheck:
			t.recheck(ctx, early)
		case <-backstop.C:
			t.lookAgain(ctx)
		}
	}
	return nil
}

// lookAgain settles whichever pending documents the index or DEAD holds.
func (t *tally) lookAgain(ctx context.Context) {
	t.recheck(ctx, slices.Collect(maps.Keys(t.pending)))
	parked, err := parkedReasons(ctx, t.d.JS)
	if err != nil {
		return // look again at the next tick
	}
	for id, reason := range parked {
		if _, ok := t.pending[id]; ok {
			t.resolve(id, Parked, reason, 0)
		}
	}
}

// earlyRecheck returns the ticks of the look at the index for the early documents still
// pending, none when there are none, and the function that stops them.
func (t *tally) earlyRecheck(early []filing.DocID) (<-chan time.Time, func()) {
	for _, id := range early {
		if _, ok := t.pending[id]; ok {
			tick := time.NewTicker(recheckEvery)
			return tick.C, tick.Stop
		}
	}
	return nil, func() {}
}

// recheck resolves those of ids still pending that the index holds.
func (t *tally) recheck(ctx context.Context, ids []filing.DocID) {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id filing.DocID) bool {
		_, ok := t.pending[id]
		return !ok
	})
	if len(ids) == 0 {
		return
	}
	indexed, err := indexedAmong(ctx, t.d.Searcher, ids)
	if err != nil {
		return // the index is busy or restarting: look again at the next tick
	}
	for id, pages := range indexed {
		t.resolve(id, Indexed, "", pages)
	}
}

// Await waits until each of ids is indexed or parked, or ctx ends, and returns those
// parked with their reasons. The documents may have been published before it was
// called (a backfill's): the index and DEAD are read once the watch has begun, then
// events settle them, and the index is looked at again every recheckEvery for the
// event a crash can lose (recheckEvery says how).
func Await(ctx context.Context, d Deps, ids []filing.DocID) (map[filing.DocID]string, error) {
	w, err := watch(ctx, d.JS)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	pending := map[filing.DocID]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	out := map[filing.DocID]string{}
	indexed := func() {
		if found, err := indexedAmong(ctx, d.Searcher, slices.Collect(maps.Keys(pending))); err == nil {
			for id := range found {
				delete(pending, id)
			}
		}
	}
	parkedNow := func() {
		if parked, err := parkedReasons(ctx, d.JS); err == nil {
			for id, reason := range parked {
				if pending[id] {
					out[id] = reason
					delete(pending, id)
				}
			}
		}
	}
	indexed()
	parkedNow()
	recheck := time.NewTicker(recheckEvery)
	defer recheck.Stop()
	backstop := time.NewTicker(backstopEvery)
	defer backstop.Stop()
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("waiting for %d documents: %w", len(pending), ctx.Err())
		case ev := <-w.events:
			if pending[ev.id] {
				if ev.status == Parked {
					out[ev.id] = ev.reason
				}
				delete(pending, ev.id)
			}
		case <-recheck.C:
			indexed()
		case <-backstop.C:
			parkedNow()
		}
	}
	return out, nil
}

type event struct {
	id     filing.DocID
	status Status
	reason string
	pages  int
}

type watcher struct {
	events chan event
	stops  []func()
}

func (w *watcher) stop() {
	for _, s := range w.stops {
		s()
	}
}

// watch follows INDEXED and DEAD from now on, across reconnections.
func watch(ctx context.Context, js jetstream.JetStream) (*watcher, error) {
	w := &watcher{events: make(chan event, 1024)}
	for _, s := range []struct {
		stream string
		status Status
	}{{bus.Indexed, Indexed}, {bus.Dead, Parked}} {
		// From the sequence after the stream's last, not DeliverNew: an ordered consumer
		// made again before it delivered anything (its server restarted: a `run` killed
		// and started again) applies its deliver policy again, and DeliverNew would skip
		// every outcome published in between (TestIngestFollowsARestartedRun).
		str, err := js.Stream(ctx, s.stream)
		if err != nil {
			w.stop()
			return nil, fmt.Errorf("watching %s: %w", s.stream, err)
		}
		cons, err := js.OrderedConsumer(ctx, s.stream, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: str.CachedInfo().State.LastSeq + 1,
		})
		if err != nil {
			w.stop()
			return nil, fmt.Errorf("watching %s: %w", s.stream, err)
		}
		status := s.status
		cc, err := cons.Consume(func(m jetstream.Msg) {
			ev := event{id: filing.DocID(m.Headers().Get(bus.HeaderDocID)), status: status}
			if status == Parked {
				var p filing.Parked
				if json.Unmarshal(m.Data(), &p) == nil {
					ev.reason = p.Stage + ": " + p.Reason
				}
			} else {
				var ix filing.Indexed
				if json.Unmarshal(m.Data(), &ix) == nil {
					ev.pages = ix.Pages
				}
			}
			w.events <- ev
		})
		if err != nil {
			w.stop()
			return nil, fmt.Errorf("watching %s: %w", s.stream, err)
		}
		stream := s.stream
		w.stops = append(w.stops, func() {
			cc.Stop()
			// Stopping leaves the server's consumer for its inactive threshold (minutes),
			// its last pull still answered into an inbox nobody reads: one per ingest.
			if info := cons.CachedInfo(); info != nil {
				dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = js.DeleteConsumer(dctx, stream, info.Name)
			}
		})
	}
	return w, nil
}

// indexedAmong returns which of ids the index holds, with their page counts.
func indexedAmong(ctx context.Context, s search.Searcher, ids []filing.DocID) (map[filing.DocID]int, error) {
	out := map[filing.DocID]int{}
	for start := 0; start < len(ids); start += search.MaxLimit {
		chunk := ids[start:min(start+search.MaxLimit, len(ids))]
		res, err := s.Search(ctx, search.Query{IDs: chunk, Limit: len(chunk), NoHighlight: true})
		if err != nil {
			return nil, fmt.Errorf("checking the index for documents seen before: %w", err)
		}
		for _, h := range res.Hits {
			out[h.ID] = h.Pages
		}
	}
	return out, nil
}

// parkedReasons reads DEAD for the documents parked so far and why.
func parkedReasons(ctx context.Context, js jetstream.JetStream) (map[filing.DocID]string, error) {
	parked, err := bus.ListParked(ctx, js, 0)
	if err != nil {
		return nil, err
	}
	out := map[filing.DocID]string{}
	for _, p := range parked {
		if p.ID != "" {
			out[p.ID] = p.Stage + ": " + p.Reason
		}
	}
	return out, nil
}
