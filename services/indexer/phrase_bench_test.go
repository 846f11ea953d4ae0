package indexer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// phraseIndexEnv names the folder BenchmarkPhrases keeps its index in.
const phraseIndexEnv = "DOCKETWATCH_BENCH_PHRASE_INDEX"

// BenchmarkPhrases runs BenchmarkSearchStack's phrase queries (benchQueries) on an index
// of its generated documents that is built once into a folder and kept, so that two
// builds of the phrase searcher compare on the same index without a rebuild:
// p50/p99 of the request Index.Search sends, straight to the index and through the HTTP
// API, and, as the reference in the same run, the same request with bleve's own phrase
// searcher. With -benchtime 1x each of the 200 phrases runs once: p99 is about the
// second slowest; more rounds repeat them.
//
//	DOCKETWATCH_BENCH_PHRASE_INDEX=/tmp/phrases scripts/bench phrase
//
// DOCKETWATCH_BENCH_DOCS sets the documents (100,000); without a folder, the index is
// built in a temporary one each run (about two minutes at 100,000).
func BenchmarkPhrases(b *testing.B) {
	texts := benchTexts(b, benchDocsEnv, 100000)
	root := os.Getenv(phraseIndexEnv)
	if root == "" {
		root = b.TempDir()
	}
	_, statErr := os.Stat(filepath.Join(root, currentFile))
	x, err := Open(root)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	if errors.Is(statErr, os.ErrNotExist) {
		indexTexts(b, x, texts)
	}
	if n, err := x.DocCount(); err != nil || n != uint64(len(texts)) {
		b.Fatalf("the index in %s holds %d documents (%v); want %d: remove it to build it again", root, n, err, len(texts))
	}
	srv := apiStack(b, x, nil)
	var phrases []benchQuery
	for _, q := range benchQueries(b, texts) {
		if q.kind == "phrase" {
			phrases = append(phrases, q)
		}
	}
	ctx := context.Background()
	// Both plans are timed on the same path: the request Index.Search sends (pruned to
	// the best hits, pruneBelowTop), straight to the index.
	request := func(q benchQuery, plan func(query.Query) query.Query) *bleve.SearchRequest {
		req, _, err := Request(q.q)
		if err != nil {
			b.Fatal(err)
		}
		req.Query = plan(req.Query)
		pruneBelowTop(req)
		return req
	}
	ours := func(q query.Query) query.Query { return q }
	var direct, api, bleves []time.Duration
	for b.Loop() {
		for _, q := range phrases {
			for _, m := range []struct {
				plan func(query.Query) query.Query
				ds   *[]time.Duration
			}{{ours, &direct}, {blevePhrases, &bleves}} {
				req := request(q, m.plan)
				t0 := time.Now()
				if _, err := x.alias.SearchInContext(ctx, req); err != nil {
					b.Fatal(err)
				}
				*m.ds = append(*m.ds, time.Since(t0))
			}
			t0 := time.Now()
			apiSearch(b, srv.URL, q.q)
			api = append(api, time.Since(t0))
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"direct", direct}, {"api", api}, {"bleve-plan", bleves}} {
		p50, p99 := percentiles(m.ds)
		b.ReportMetric(ms(p50), m.name+"-p50-ms")
		b.ReportMetric(ms(p99), m.name+"-p99-ms")
	}
	_, p99 := percentiles(direct)
	_, ref := percentiles(bleves)
	b.ReportMetric(float64(p99)/float64(ref), "p99/bleve-plan")
}
