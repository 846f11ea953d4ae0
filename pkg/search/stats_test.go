package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go"
)

// statsIndex is a shard holding docs documents, freq of them with the term "x" in
// field "text". Its one hit scores by the figures it is given, as TF-IDF does, so a
// score says which figures the shard scored with.
type statsIndex struct {
	shard      int
	docs, freq uint64
	delay      time.Duration // before each search's answer

	mu    sync.Mutex
	given []*TermStats // the figures of each SearchWithStats
}

func (x *statsIndex) Search(ctx context.Context, q Query) (*Result, error) {
	return x.SearchWithStats(ctx, q, &TermStats{})
}

func (x *statsIndex) TermStats(_ context.Context, q Query) (*TermStats, error) {
	return &TermStats{Docs: x.docs, DocFreq: map[string]map[string]uint64{"text": {"x": x.freq}}}, nil
}

func (x *statsIndex) SearchWithStats(_ context.Context, q Query, st *TermStats) (*Result, error) {
	time.Sleep(x.delay)
	x.mu.Lock()
	x.given = append(x.given, st)
	x.mu.Unlock()
	docs, freq := st.Docs, st.DocFreq["text"]["x"]
	if len(st.Shards) == 0 {
		docs, freq = x.docs, x.freq
	}
	return scoredResult(x.shard, float64(docs)/float64(freq)), nil
}

func scoredResult(shard int, score float64) *Result {
	id := filing.DocID(fmt.Sprintf("doc-%d", shard))
	c := Cursor{Sort: SortRelevance, Values: [][]byte{[]byte(strconv.FormatFloat(score, 'g', -1, 64)), []byte(id)}}
	return &Result{Total: 1, Hits: []Hit{{ID: id, Score: score, Cursor: c.Encode()}}}
}

// TestRemoteScoresWithTheCollectionsStats: a query with words is scored on every shard
// with the sum of the shards' figures, so scores compare across shards; a shard that
// misses the statistics round adds its own figures and is not waited for twice; a
// shard of an older release, which cannot, makes every shard score with its own.
func TestRemoteScoresWithTheCollectionsStats(t *testing.T) {
	nc, _ := bustest.JetStream(t, bustest.Server(t))
	ctx := context.Background()
	a, b := &statsIndex{shard: 0, docs: 100, freq: 10}, &statsIndex{shard: 1, docs: 300, freq: 10}
	serveShards(t, nc, "test.scored", a, b)
	res, err := NewRemote(nc, "test.scored").Search(ctx, Query{Q: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Both score 400/20: with their own figures they would score 10 and 30.
	if len(res.Hits) != 2 || res.Hits[0].Score != 20 || res.Hits[1].Score != 20 || res.Partial {
		t.Errorf("hits %+v (partial %v); want two, each scoring 20", res.Hits, res.Partial)
	}
	for _, x := range []*statsIndex{a, b} {
		if len(x.given) != 1 || x.given[0].Docs != 400 || len(x.given[0].Shards) != 2 {
			t.Errorf("shard %d scored with %+v; want once, 400 documents of shards 0 and 1", x.shard, x.given)
		}
	}
	// A query without words needs no statistics: one round.
	if _, err := NewRemote(nc, "test.scored").Search(ctx, Query{}); err != nil {
		t.Fatal(err)
	}
	if len(a.given) != 2 || a.given[1].Docs != 0 {
		t.Errorf("a query without words sent statistics %+v", a.given[len(a.given)-1])
	}

	// Shard 1 ignores the statistics round but answers the search (before shard 0 does):
	// both score with shard 0's figures, and the answer comes after one ShardWait, not two.
	late := &statsIndex{shard: 1, docs: 300, freq: 10}
	serveShard(t, nc, "test.late", &statsIndex{shard: 0, docs: 100, freq: 10, delay: 300 * time.Millisecond}, Shard{Index: 0, Count: 2})
	sub, err := nc.QueueSubscribe("test.late", "search-1-of-2", func(m *nats.Msg) {
		if m.Header.Get(headerOp) == opStats {
			return
		}
		var req scoredRequest
		json.Unmarshal(m.Data, &req)
		res, _ := late.SearchWithStats(ctx, req.Query, req.Stats)
		data, _ := json.Marshal(response{Shard: 1, Shards: 2, Result: res})
		m.Respond(data)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	r := NewRemote(nc, "test.late")
	r.ShardWait = time.Second
	start := time.Now()
	res, err = r.Search(ctx, Query{Q: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 || res.Hits[0].Score != 10 || res.Hits[1].Score != 10 || res.Partial {
		t.Errorf("with a shard late for the statistics: hits %+v (partial %v); want two, each scoring 10", res.Hits, res.Partial)
	}
	if len(late.given) != 1 || !slices.Equal(late.given[0].Shards, []int{0}) {
		t.Errorf("the late shard was given %+v; want the figures of shard 0", late.given)
	}
	// One ShardWait for the statistics round; the search round does not wait again.
	// (A bound of two waits leaves room for a slow machine without passing a double wait.)
	if took := time.Since(start); took >= 2*r.ShardWait {
		t.Errorf("the search took %v: the late shard was waited for twice", took)
	}

	// Under a deadline, a shard that never answers is waited for in the first round
	// for half the time only: the second round still has time to answer, partially.
	serveShard(t, nc, "test.silent-shard", &statsIndex{shard: 0, docs: 100, freq: 10}, Shard{Index: 0, Count: 2})
	silent, err := nc.QueueSubscribe("test.silent-shard", "search-1-of-2", func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Unsubscribe()
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	res, err = NewRemote(nc, "test.silent-shard").Search(dctx, Query{Q: "x"})
	if err != nil || !res.Partial || !slices.Equal(res.MissingShards, []int{1}) || len(res.Hits) != 1 {
		t.Errorf("with shard 1 silent under a deadline: %+v, %v; want shard 0's hit, partial, [1] missing", res, err)
	}

	// An older shard answers the statistics request as a search, without figures.
	serveShards(t, nc, "test.mixed", &statsIndex{shard: 0, docs: 100, freq: 10}, &facetIndex{counts: map[string]int{"cand": 1}})
	res, err = NewRemote(nc, "test.mixed").Search(ctx, Query{Q: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Score != 10 || res.Total != 2 {
		t.Errorf("with a shard of an older release: %+v; want shard 0 scoring with its own figures (10)", res)
	}
}
