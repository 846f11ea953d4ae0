// Package ingest hands local files to a docketwatch pipeline and waits until each is
// indexed or parked. It talks to the pipeline only through NATS, so the same code serves
// a pipeline started in-process and a `docketwatch run` found serving the data directory.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
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
	// Progress, when set, is told about each file as its fate is known.
	Progress func(File)
}

// Run ingests the files and folders in paths and waits until every file is indexed or
// parked, or ctx ends.
func Run(ctx context.Context, d Deps, paths []string) (*Summary, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	files, err := localdir.Files(paths)
	if err != nil {
		return nil, err
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

	sum := &Summary{Count: map[Status]int{}}
	pending := map[filing.DocID][]int{} // published, fate unknown
	var dups []filing.DocID
	settle := func(i int, st Status, reason string, pages int) {
		f := &sum.Files[i]
		f.Status, f.Reason, f.Pages = st, reason, pages
		sum.Count[st]++
		if d.Progress != nil {
			d.Progress(*f)
		}
	}
	for _, path := range files {
		out := localdir.Ingest(ctx, d.Blobs, pub, path, d.Now)
		sum.Files = append(sum.Files, File{Path: path, ID: out.ID})
		i := len(sum.Files) - 1
		switch {
		case out.Err != nil:
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			settle(i, Failed, out.Err.Error(), 0)
		default:
			if out.Duplicate {
				dups = append(dups, out.ID)
			}
			pending[out.ID] = append(pending[out.ID], i)
		}
	}

	// A document seen before is done if the index holds it or DEAD does; otherwise it
	// was published by an ingest that died before it finished, and is still on its way.
	if len(dups) > 0 {
		known, err := indexedAmong(ctx, d.Searcher, dups)
		if err != nil {
			return sum, err
		}
		parked, err := parkedReasons(ctx, d.JS)
		if err != nil {
			return sum, err
		}
		for _, id := range dups {
			if _, ok := known[id]; ok {
				for _, i := range pending[id] {
					settle(i, Duplicate, "", 0)
				}
				delete(pending, id)
			} else if reason, ok := parked[id]; ok {
				for _, i := range pending[id] {
					settle(i, Parked, reason, 0)
				}
				delete(pending, id)
			}
		}
	}
	// Events are the fast path; a look at the index and DEAD every few seconds is the
	// sure one. An event can be missed for good: after a crash the indexer writes a
	// document again and its INDEXED message is dropped as a duplicate of the one the
	// crashed process had sent.
	recheck := time.NewTicker(3 * time.Second)
	defer recheck.Stop()
	resolve := func(id filing.DocID, st Status, reason string, pages int) {
		for n, i := range pending[id] {
			if n > 0 && st == Indexed {
				settle(i, Duplicate, "", 0) // the same bytes under a second name
				continue
			}
			settle(i, st, reason, pages)
		}
		delete(pending, id)
	}
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			return sum, fmt.Errorf("waiting for %d documents: %w", len(pending), ctx.Err())
		case ev := <-w.events:
			if _, ok := pending[ev.id]; ok {
				resolve(ev.id, ev.status, ev.reason, ev.pages)
			}
		case <-recheck.C:
			ids := make([]filing.DocID, 0, len(pending))
			for id := range pending {
				ids = append(ids, id)
			}
			indexed, err := indexedAmong(ctx, d.Searcher, ids)
			if err != nil {
				continue // the index is busy or restarting: the events still come
			}
			for id, pages := range indexed {
				resolve(id, Indexed, "", pages)
			}
			if parked, err := parkedReasons(ctx, d.JS); err == nil {
				for id, reason := range parked {
					if _, ok := pending[id]; ok {
						resolve(id, Parked, reason, 0)
					}
				}
			}
		}
	}
	return sum, nil
}

// Await waits until each of ids is indexed or parked, or ctx ends, and returns those
// parked with their reasons. The documents may have been published before it was
// called (a backfill's): the index and DEAD are read at once, then on events and every
// few seconds.
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
	check := func() {
		ids := make([]filing.DocID, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		if indexed, err := indexedAmong(ctx, d.Searcher, ids); err == nil {
			for id := range indexed {
				delete(pending, id)
			}
		}
		if parked, err := parkedReasons(ctx, d.JS); err == nil {
			for id, reason := range parked {
				if pending[id] {
					out[id] = reason
					delete(pending, id)
				}
			}
		}
	}
	check()
	recheck := time.NewTicker(3 * time.Second)
	defer recheck.Stop()
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
			check()
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

// watch follows INDEXED and DEAD from now on.
func watch(ctx context.Context, js jetstream.JetStream) (*watcher, error) {
	w := &watcher{events: make(chan event, 1024)}
	for _, s := range []struct {
		stream string
		status Status
	}{{bus.Indexed, Indexed}, {bus.Dead, Parked}} {
		cons, err := js.OrderedConsumer(ctx, s.stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
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
		w.stops = append(w.stops, cc.Stop)
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
