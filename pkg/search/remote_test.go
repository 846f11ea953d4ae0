package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/nats-io/nats.go"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// facetIndex is an index that holds only facet values: each term of the court facet
// and how many documents have it. It answers as bleve does: the FacetSize most frequent
// terms (ties by term), Total over all values, Other for the values not listed. Each
// term is labelled (the court's name, here its id in capitals), which merging keeps.
type facetIndex struct {
	counts map[string]int
	asked  atomic.Int32
}

func (x *facetIndex) Search(_ context.Context, q Query) (*Result, error) {
	x.asked.Add(1)
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	f := Facet{}
	for term, n := range x.counts {
		f.Terms = append(f.Terms, FacetTerm{Term: term, Label: strings.ToUpper(term), Count: n})
		f.Total += n
	}
	sort.Slice(f.Terms, func(a, b int) bool {
		if f.Terms[a].Count != f.Terms[b].Count {
			return f.Terms[a].Count > f.Terms[b].Count
		}
		return f.Terms[a].Term < f.Terms[b].Term
	})
	f.Terms = f.Terms[:min(len(f.Terms), q.FacetSize)]
	f.Other = f.Total
	for _, t := range f.Terms {
		f.Other -= t.Count
	}
	return &Result{Total: uint64(f.Total), Hits: []Hit{}, Facets: map[string]Facet{FacetCourt: f}}, nil
}

// serveShards serves each index as one shard of len(parts) on subject.
func serveShards(t *testing.T, nc *nats.Conn, subject string, parts ...Searcher) {
	t.Helper()
	for i, x := range parts {
		shard := Shard{Index: i, Count: len(parts)}
		if len(parts) == 1 {
			shard = Shard{}
		}
		serveShard(t, nc, subject, x, shard)
	}
}

// serveShard serves x as shard on subject until the test ends.
func serveShard(t *testing.T, nc *nats.Conn, subject string, x Searcher, shard Shard) {
	t.Helper()
	sub, err := ServeShard(nc, subject, x, shard, 2, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
}

// TestRemoteFacetsExactFromTheFirstQuery splits facet counts over two shards so that
// each shard's own top term is not the collection's: asked for their top 1 only, the
// shards' answers sum to the wrong top term. Through Remote the merged facet equals the
// one-index answer on the very first query, on a client that believes the index is one
// shard (re-sharded since), and for one shard the facet is cut to the size asked.
func TestRemoteFacetsExactFromTheFirstQuery(t *testing.T) {
	nc, _ := bustest.JetStream(t, bustest.Server(t))
	ctx := context.Background()
	parts := []map[string]int{{"cand": 5, "nysd": 4, "dcd": 3}, {"nysd": 4, "dcd": 3, "cand": 1}}
	all := map[string]int{}
	shards := make([]Searcher, len(parts))
	for i, p := range parts {
		shards[i] = &facetIndex{counts: p}
		for term, n := range p {
			all[term] += n
		}
	}
	one := &facetIndex{counts: all}
	serveShards(t, nc, "test.two", shards...)
	serveShards(t, nc, "test.one", one)

	q := Query{Q: "x", Facets: []string{FacetCourt}, FacetSize: 1}
	want, _ := one.Search(ctx, q)
	check := func(name string, r *Remote) {
		t.Helper()
		got, err := r.Search(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := fmt.Sprint(got.Facets[FacetCourt]), fmt.Sprint(want.Facets[FacetCourt]); g != w || got.Partial {
			t.Errorf("%s: facet %s (partial %v); one index %s", name, g, got.Partial, w)
		}
	}
	check("first query on two shards", NewRemote(nc, "test.two"))
	known := NewRemote(nc, "test.two")
	check("learnt", known)
	check("known two shards", known)

	stale := NewRemote(nc, "test.two")
	stale.shards.Store(1) // it talked to a single index before the re-sharding
	check("count learnt as one", stale)
	if n := stale.shards.Load(); n != 2 {
		t.Errorf("the client counts %d shards after their answers; want 2", n)
	}

	single := NewRemote(nc, "test.one")
	before := one.asked.Load()
	check("first query on one index", single)
	check("known one index", single)
	if n := one.asked.Load() - before; n != 2 {
		t.Errorf("one index was asked %d times for two searches; want 2 (no second round trip)", n)
	}
}

// TestRemoteBoundsTheFirstAnswer: a subscriber that never answers (an index owner stuck
// before replying) and a ctx without deadline end in a clear error after Timeout, not a
// wait forever; with a deadline, the error says no shard answered before it.
func TestRemoteBoundsTheFirstAnswer(t *testing.T) {
	nc, _ := bustest.JetStream(t, bustest.Server(t))
	sub, err := nc.Subscribe("test.silent", func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	r := NewRemote(nc, "test.silent")
	r.Timeout = 300 * time.Millisecond

	ask := func(ctx context.Context, search bool) error {
		t.Helper()
		done := make(chan error, 1)
		go func() {
			var err error
			if search {
				_, err = r.Search(ctx, Query{Q: "x"})
			} else {
				_, err = r.Document(ctx, "x:1", false)
			}
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("still waiting for an answer after 20s")
			return nil
		}
	}
	for _, search := range []bool{true, false} {
		err := ask(context.Background(), search)
		if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "no shard answered within 300ms") {
			t.Errorf("search %v: got %v; want no shard answered within 300ms", search, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ask(ctx, true); !errors.Is(err, ErrNoAnswer) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with a deadline: got %v; want no shard answered before the deadline", err)
	}
	// A caller that gives up is told so, not that the shards were silent.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := ask(ctx, true); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoAnswer) {
		t.Errorf("cancelled: got %v; want context.Canceled", err)
	}
}
