package indexer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/services/indexer/schema"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/webtest"
)

// benchDocsEnv sizes BenchmarkSearchStack; unset, the benchmark is skipped so that CI's
// `go test -bench .` stays fast. scripts/bench-search sets it to 100000.
const benchDocsEnv = "DOCKETWATCH_BENCH_DOCS"

// BenchmarkSearchStack indexes the same generated documents (real docket entries and
// real filing text, see generateTexts) twice in one run — raw bleve batches, then the
// indexing pipeline (TEXTS → Service → index → INDEXED) — and then measures query
// latency for four kinds of query through the HTTP API (HTTP → NATS request/reply →
// Index.Search) and directly against bleve with the same request. It reports ratios,
// never asserts times.
func BenchmarkSearchStack(b *testing.B) {
	if os.Getenv(benchDocsEnv) == "" {
		b.Skipf("set %s to the number of documents (scripts/bench-search uses 100000)", benchDocsEnv)
	}
	texts := benchTexts(b, benchDocsEnv, 0)
	n := len(texts)
	for range b.N {
		bytes := textBytes(texts)
		b.Logf("%d documents, %.1f MB of text (%.0f bytes each), GOMAXPROCS %d", n, float64(bytes)/1e6, float64(bytes)/float64(n), runtime.GOMAXPROCS(0))
		cfg := Config{}.withDefaults()

		rawRate := rawIndexing(b, texts, cfg)
		b.Logf("raw bleve batches:  %8.0f docs/s", rawRate)
		x, pipeRate := pipelineIndexing(b, texts, cfg)
		b.Logf("indexing pipeline:  %8.0f docs/s (%.2f× raw bleve; target ≥ 0.8×)", pipeRate, pipeRate/rawRate)
		b.ReportMetric(rawRate, "raw-docs/s")
		b.ReportMetric(pipeRate, "pipeline-docs/s")
		b.ReportMetric(pipeRate/rawRate, "pipeline/raw")

		queryLatency(b, x, texts)
	}
}

// rawIndexing indexes texts with bleve alone, in batches cut like the Service cuts them.
func rawIndexing(b *testing.B, texts []filing.Text, cfg Config) float64 {
	idx, err := bleve.New(b.TempDir()+"/raw", schema.Mapping())
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	now := time.Now()
	start := time.Now()
	batch, size := idx.NewBatch(), 0
	flush := func() {
		if err := idx.Batch(batch); err != nil {
			b.Fatal(err)
		}
		batch, size = idx.NewBatch(), 0
	}
	for _, t := range texts {
		if err := batch.Index(string(t.Document.ID), schema.IndexDocument(t, now)); err != nil {
			b.Fatal(err)
		}
		for _, p := range t.Pages {
			size += len(p.Text)
		}
		if batch.Size() >= cfg.MaxDocs || size >= cfg.MaxBytes {
			flush()
		}
	}
	if batch.Size() > 0 {
		flush()
	}
	return float64(len(texts)) / time.Since(start).Seconds()
}

// pipelineIndexing publishes texts to TEXTS (not timed), then times the Service from
// start until every document is searchable.
func pipelineIndexing(b *testing.B, texts []filing.Text, cfg Config) (*Index, float64) {
	e := bustest.Server(b)
	_, js := bustest.JetStream(b, e)
	ctx := context.Background()
	// Synchronous publishes: a deep asynchronous window of 3 KB messages made the
	// publisher's acknowledgement inbox a slow consumer and dropped acks.
	for _, t := range texts {
		data, err := json.Marshal(t)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.Publish(ctx, bus.Subject(bus.Texts, filing.CourtToken(t.Document.Docket.Court)), data); err != nil {
			b.Fatal(err)
		}
	}
	x, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	_, ijs := bustest.Client(b, e, "indexer")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- stage(cfg, ijs, x, slog.New(slog.DiscardHandler)).Run(runCtx) }()
	for {
		c, err := x.DocCount()
		if err != nil {
			b.Fatal(err)
		}
		if c >= uint64(len(texts)) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cancel()
	<-done
	return x, float64(len(texts)) / elapsed.Seconds()
}

// benchQuery is one query of a kind, as the API takes it and as a search.Query.
type benchQuery struct {
	kind string
	q    search.Query
}

func queryLatency(b *testing.B, x *Index, texts []filing.Text) {
	srv := apiStack(b, x, nil)

	queries := benchQueries(b, texts)
	direct := map[string][]time.Duration{}
	viaAPI := map[string][]time.Duration{}
	ctx := context.Background()
	run := func(record bool) {
		for _, bq := range queries {
			t0 := time.Now()
			req, _, err := Request(bq.q)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := x.alias.SearchInContext(ctx, req); err != nil {
				b.Fatal(err)
			}
			d := time.Since(t0)
			t1 := time.Now()
			apiSearch(b, srv.URL, bq.q)
			a := time.Since(t1)
			if record {
				direct[bq.kind] = append(direct[bq.kind], d)
				viaAPI[bq.kind] = append(viaAPI[bq.kind], a)
			}
			if bq.kind == "phrase" {
				// The reference: the same request with bleve's own phrase searcher.
				req.Query = blevePhrases(req.Query)
				t0 := time.Now()
				if _, err := x.alias.SearchInContext(ctx, req); err != nil {
					b.Fatal(err)
				}
				if record {
					direct[blevePhraseKind] = append(direct[blevePhraseKind], time.Since(t0))
				}
			}
		}
	}
	run(false) // warm caches and connections
	run(true)
	b.Logf("%-22s %6s %10s %10s %10s %10s %8s", "query", "n", "bleve p50", "bleve p99", "API p50", "API p99", "p99 ×")
	for _, kind := range []string{"term", "phrase", "filtered+faceted", "highlighted"} {
		dp50, dp99 := percentiles(direct[kind])
		ap50, ap99 := percentiles(viaAPI[kind])
		b.Logf("%-22s %6d %10s %10s %10s %10s %8.2f", kind, len(direct[kind]), round(dp50), round(dp99), round(ap50), round(ap99), float64(ap99)/float64(dp99))
		b.ReportMetric(float64(ap99)/float64(dp99), kind+"-api/bleve-p99")
	}
	dp50, dp99 := percentiles(direct[blevePhraseKind])
	b.Logf("%-22s %6d %10s %10s", blevePhraseKind, len(direct[blevePhraseKind]), round(dp50), round(dp99))
}

// blevePhraseKind is the phrase queries run with bleve's phrase searcher.
const blevePhraseKind = "phrase (bleve's plan)"

// blevePhrases is q with bleve's MatchPhraseQuery in place of each schema.PhraseQuery.
func blevePhrases(q query.Query) query.Query {
	each := func(qs []query.Query) []query.Query {
		out := make([]query.Query, len(qs))
		for i, q := range qs {
			out[i] = blevePhrases(q)
		}
		return out
	}
	switch q := q.(type) {
	case *schema.PhraseQuery:
		return q.MatchPhraseQuery
	case *query.DisjunctionQuery:
		c := *q
		c.Disjuncts = each(q.Disjuncts)
		return &c
	case *query.ConjunctionQuery:
		c := *q
		c.Conjuncts = each(q.Conjuncts)
		return &c
	case *query.BooleanQuery:
		c := *q
		if q.Must != nil {
			c.Must = blevePhrases(q.Must)
		}
		if q.Should != nil {
			c.Should = blevePhrases(q.Should)
		}
		if q.MustNot != nil {
			c.MustNot = blevePhrases(q.MustNot)
		}
		return &c
	}
	return q
}

func apiSearch(b *testing.B, base string, q search.Query) {
	v := url.Values{"q": {q.Q}, "limit": {strconv.Itoa(q.Limit)}}
	if len(q.Court) > 0 {
		v.Set("court", strings.Join(q.Court, ","))
	}
	if !q.FiledFrom.IsZero() {
		v.Set("filed_from", q.FiledFrom.Format("2006-01-02"))
	}
	if !q.FiledTo.IsZero() {
		v.Set("filed_to", q.FiledTo.Format("2006-01-02"))
	}
	if len(q.Facets) > 0 {
		v.Set("facets", strings.Join(q.Facets, ","))
	}
	if q.NoHighlight {
		v.Set("highlight", "false")
	}
	if r := webtest.Get(b, base+"/api/v1/search?"+v.Encode()); r.Status != http.StatusOK {
		b.Fatalf("%s: %d %s", v.Encode(), r.Status, r.Body)
	}
}

var benchWord = regexp.MustCompile(`[a-z]{5,}`)

// benchQueries draws terms and phrases from the generated documents' text: mid-frequency
// words (neither stop-like nor unique), and word pairs that occur in it.
func benchQueries(b *testing.B, texts []filing.Text) []benchQuery {
	freq := map[string]int{}
	var pairs []string
	for i, t := range texts[:min(len(texts), 2000)] {
		words := benchWord.FindAllString(strings.ToLower(t.Pages[len(t.Pages)-1].Text), -1)
		for j, w := range words {
			freq[w]++
			if i%20 == 0 && j > 0 && j%9 == 0 {
				pairs = append(pairs, words[j-1]+" "+words[j])
			}
		}
	}
	var words []string
	for w, c := range freq {
		if c >= 5 {
			words = append(words, w)
		}
	}
	sort.Slice(words, func(i, j int) bool {
		return freq[words[i]] > freq[words[j]] || freq[words[i]] == freq[words[j]] && words[i] < words[j]
	})
	words = words[min(len(words), 20):] // skip the commonest
	const perKind = 200
	courts := []string{"cand", "nysd", "txed", "ilnd", "cacd"}
	var out []benchQuery
	for i := range perKind {
		w := words[(i*7)%len(words)]
		out = append(out,
			benchQuery{"term", search.Query{Q: w, Limit: 20, NoHighlight: true}},
			benchQuery{"phrase", search.Query{Q: `"` + pairs[i%len(pairs)] + `"`, Limit: 20, NoHighlight: true}},
			benchQuery{"filtered+faceted", search.Query{
				Q: w, Limit: 20, NoHighlight: true, Court: []string{courts[i%len(courts)]},
				FiledFrom: time.Date(2000+i%10, 1, 1, 0, 0, 0, 0, time.UTC), FiledTo: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC),
				Facets: []string{search.FacetCourt, search.FacetDocType, search.FacetYear},
			}},
			benchQuery{"highlighted", search.Query{Q: words[(i*13+5)%len(words)], Limit: 20}},
		)
	}
	return out
}

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)*50/100], s[min(len(s)-1, len(s)*99/100)]
}

func round(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
