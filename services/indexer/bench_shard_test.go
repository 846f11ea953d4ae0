package indexer

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// shardDocsEnv sizes BenchmarkShards (default 20,000 documents).
const shardDocsEnv = "DOCKETWATCH_BENCH_SHARD_DOCS"

// benchDeepPage is the page a deep-paging query asks for, reached by following the
// cursors of the pages before it (page 11 of 20 hits: the hits after the 200th).
const benchDeepPage = 10

// BenchmarkShards measures search latency with the same generated documents (real
// docket entries and real filing text, see generateTexts) in one index and in two
// shards, both served over one NATS server with search.ServeShard and asked through
// search.NewRemote: the same request path (JSON over NATS request/reply) for both, the
// sharded one fanning out and merging, in two rounds (the term statistics, then the
// search scored with their sums) where the one index answers in one. The queries alternate between the two so that
// a change of the machine's load affects both alike. It reports, per kind of query, the
// p50 and p99 of two shards divided by those of one index (below 1: the shards are
// faster), and the throughput ratio with several clients at once.
//
// Both shards run in this process, on the same cores: this measures what splitting an
// index costs or gains on one machine, not what a second machine adds.
//
//	DOCKETWATCH_BENCH_SHARD_DOCS=20000 scripts/bench shards
func BenchmarkShards(b *testing.B) {
	if testing.Short() {
		b.Skip("indexes 20,000 documents twice")
	}
	texts := benchTexts(b, shardDocsEnv, 20000)

	// One index holding everything, and two shards splitting the same documents by the
	// hash the indexer shards TEXTS with.
	const shards = 2
	one := benchShardIndex(b, search.Shard{Index: 0, Count: 1}, texts)
	e := bustest.Server(b)
	quiet := slog.New(slog.DiscardHandler)
	serve := func(subject string, x *Index, shard search.Shard) {
		// A connection per index, as separate indexer processes would have.
		nc, err := e.Connect("bench-" + subject + "-" + shard.String())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(nc.Close)
		sub, err := search.ServeShard(nc, subject, x, shard, runtime.NumCPU()*2, quiet)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sub.Unsubscribe() })
	}
	serve("bench.one", one, search.Shard{Index: 0, Count: 1})
	var sizes []string
	for s := range shards {
		shard := search.Shard{Index: s, Count: shards}
		var part []filing.Text
		for _, t := range texts {
			if shard.Owns(t.Document.ID) {
				part = append(part, t)
			}
		}
		sizes = append(sizes, fmt.Sprintf("shard %s: %d", shard, len(part)))
		serve("bench.sharded", benchShardIndex(b, shard, part), shard)
	}
	clientNC, err := e.Connect("bench-client")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(clientNC.Close)
	layouts := [2]*search.Remote{search.NewRemote(clientNC, "bench.one"), search.NewRemote(clientNC, "bench.sharded")}

	queries := benchShardQueries(b, texts, layouts)
	kinds := []string{"term", "phrase", "filtered+faceted", "highlighted", "deep-page"}
	ctx := context.Background()

	for b.Loop() {
		var lat [2]map[string][]time.Duration
		for l := range lat {
			lat[l] = map[string][]time.Duration{}
		}
		pass := func(record bool) {
			for i, bq := range queries {
				// Alternate which layout goes first: neither always finds the caches the
				// other just warmed.
				for k := range 2 {
					l := (i + k) % 2
					start := time.Now()
					res, err := layouts[l].Search(ctx, bq.q[l])
					d := time.Since(start)
					if err != nil {
						b.Fatalf("%s %q (%d shards): %v", bq.kind, bq.q[l].Q, l+1, err)
					}
					if res.Partial {
						b.Fatalf("%s %q: shards %v did not answer", bq.kind, bq.q[l].Q, res.MissingShards)
					}
					if record {
						lat[l][bq.kind] = append(lat[l][bq.kind], d)
					}
				}
			}
		}
		pass(false) // warm caches and connections
		pass(true)

		b.Logf("%d documents (%s), GOMAXPROCS %d, load average %s", len(texts), strings.Join(sizes, ", "), runtime.GOMAXPROCS(0), benchLoadAvg())
		b.Logf("%-18s %5s %10s %10s %10s %10s %8s %8s", "query", "n", "1 p50", "1 p99", "2 p50", "2 p99", "p50 2/1", "p99 2/1")
		for _, kind := range kinds {
			p50a, p99a := percentiles(lat[0][kind])
			p50b, p99b := percentiles(lat[1][kind])
			r50, r99 := float64(p50b)/float64(p50a), float64(p99b)/float64(p99a)
			b.Logf("%-18s %5d %10s %10s %10s %10s %8.2f %8.2f", kind, len(lat[0][kind]), round(p50a), round(p99a), round(p50b), round(p99b), r50, r99)
			b.ReportMetric(r50, kind+"-p50-x2/1")
			b.ReportMetric(r99, kind+"-p99-x2/1")
		}

		// Throughput with clients at once: what the shards do when the cores are busy.
		const clients = 4
		var qps [2]float64
		for _, l := range []int{0, 1, 1, 0} { // in turn, both first once
			qps[l] += benchThroughput(b, layouts[l], queries, l, clients) / 2
		}
		b.Logf("%d clients at once: one index %.0f queries/s, two shards %.0f queries/s", clients, qps[0], qps[1])
		b.ReportMetric(qps[1]/qps[0], "qps-x2/1")
	}
}

// benchShardIndex opens an index for shard and writes texts into it in batches.
func benchShardIndex(b *testing.B, shard search.Shard, texts []filing.Text) *Index {
	b.Helper()
	x, err := OpenShard(b.TempDir(), shard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	now := time.Now()
	for len(texts) > 0 {
		chunk := texts[:min(len(texts), 1000)]
		texts = texts[len(chunk):]
		entries := make([]entry, len(chunk))
		for i, t := range chunk {
			entries[i] = entry{text: t}
		}
		if err := x.write(entries, now); err != nil {
			b.Fatal(err)
		}
	}
	return x
}

// shardQuery is one query of a kind as each layout is asked it: the same, but for a
// deep page, whose cursor each layout gave.
type shardQuery struct {
	kind string
	q    [2]search.Query
}

// benchShardQueries are benchQueries' four kinds plus deep pages: a term query's page
// benchDeepPage+1, reached by following each layout's own cursors. It checks on the way
// that both layouts find as many hits for every query: a benchmark of a broken fan-out
// would measure nothing.
func benchShardQueries(b *testing.B, texts []filing.Text, layouts [2]*search.Remote) []shardQuery {
	b.Helper()
	ctx := context.Background()
	var out []shardQuery
	deep := 0
	for i, bq := range benchQueries(b, texts) {
		var totals [2]uint64
		for l, r := range layouts {
			res, err := r.Search(ctx, bq.q)
			if err != nil {
				b.Fatalf("%s %q: %v", bq.kind, bq.q.Q, err)
			}
			totals[l] = res.Total
		}
		if totals[0] != totals[1] {
			b.Fatalf("%s %q: one index finds %d, two shards %d", bq.kind, bq.q.Q, totals[0], totals[1])
		}
		out = append(out, shardQuery{kind: bq.kind, q: [2]search.Query{bq.q, bq.q}})
		if bq.kind != "term" || totals[0] <= (benchDeepPage+1)*uint64(bq.q.Limit) {
			continue
		}
		// A deep page, in relevance order and by date in turn.
		sq := shardQuery{kind: "deep-page"}
		for l, r := range layouts {
			q := bq.q
			if i%2 == 1 {
				q.Sort = search.SortNewest
			}
			for page := range benchDeepPage {
				res, err := r.Search(ctx, q)
				if err != nil {
					b.Fatalf("paging %q: %v", q.Q, err)
				}
				if res.Next == "" {
					b.Fatalf("paging %q (%d shards): no page %d of %d hits", q.Q, l+1, page+2, res.Total)
				}
				q.After = res.Next
			}
			sq.q[l] = q
		}
		out = append(out, sq)
		deep++
	}
	if deep == 0 {
		b.Fatalf("no term query has more than %d hits to page through: too few documents", (benchDeepPage+1)*20)
	}
	return out
}

// benchThroughput runs every query once from clients goroutines at once against r and
// returns queries per second.
func benchThroughput(b *testing.B, r *search.Remote, queries []shardQuery, layout, clients int) float64 {
	b.Helper()
	work := make(chan search.Query)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range work {
				if _, err := r.Search(context.Background(), q); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, sq := range queries {
		work <- sq.q[layout]
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatalf("searching from %d clients: %v", clients, firstErr)
	}
	return float64(len(queries)) / time.Since(start).Seconds()
}

// benchLoadAvg is the machine's 1-, 5- and 15-minute load averages: the machine is
// shared, and a figure means little without them.
func benchLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	var l1, l5, l15 string
	fmt.Sscan(string(b), &l1, &l5, &l15)
	return l1 + " " + l5 + " " + l15
}
