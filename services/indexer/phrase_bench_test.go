package indexer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// phraseIndexEnv names the folder BenchmarkPhrases keeps its index in.
const phraseIndexEnv = "DOCKETWATCH_BENCH_PHRASE_INDEX"

// BenchmarkPhrases runs BenchmarkSearchStack's phrase queries (benchQueries) on an index
// of its generated documents that is built once into a folder and kept, so that two
// builds of the phrase searcher compare on the same index without a rebuild:
// p50/p99 through Index.Search and through the HTTP API, and, as the reference in the
// same run, the same requests with bleve's own phrase searcher.
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
	var ours, api, bleves []time.Duration
	for b.Loop() {
		for _, q := range phrases {
			t0 := time.Now()
			if _, err := x.Search(ctx, q.q); err != nil {
				b.Fatal(err)
			}
			ours = append(ours, time.Since(t0))
			t0 = time.Now()
			apiSearch(b, srv.URL, q.q)
			api = append(api, time.Since(t0))
			req, _, err := Request(q.q)
			if err != nil {
				b.Fatal(err)
			}
			req.Query = blevePhrases(req.Query)
			t0 = time.Now()
			if _, err := x.alias.SearchInContext(ctx, req); err != nil {
				b.Fatal(err)
			}
			bleves = append(bleves, time.Since(t0))
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"search", ours}, {"api", api}, {"bleve-plan", bleves}} {
		p50, p99 := percentiles(m.ds)
		b.ReportMetric(ms(p50), m.name+"-p50-ms")
		b.ReportMetric(ms(p99), m.name+"-p99-ms")
	}
	_, p99 := percentiles(ours)
	_, ref := percentiles(bleves)
	b.ReportMetric(float64(p99)/float64(ref), "p99/bleve-plan")
}
