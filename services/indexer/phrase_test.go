package indexer

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// TestPhraseQueryMatchesBleve: schema.PhraseQuery finds the same documents as bleve's
// MatchPhraseQuery, with the same scores and the same match locations, for phrases drawn
// from the indexed text on every text field: common words, a word repeated, words that
// never stand together, one word, a rare word beside a common one, common words that
// share documents but never stand in a row, the first and last words of a field.
func TestPhraseQueryMatchesBleve(t *testing.T) {
	texts := corpusTexts(t, 400)
	idx := phraseIndex(t, texts)
	phrases := []string{"of the", "the court", "the the", "the the the", "court of the court", "motion to dismiss",
		"united states", "scheme exclusivity", "the", "Secretary of Labor", "order granting"}
	for i, tx := range texts[:40] {
		words := strings.Fields(tx.Pages[len(tx.Pages)-1].Text)
		if n := len(words); n > 8 {
			phrases = append(phrases, strings.Join(words[i%(n-4):i%(n-4)+2+i%3], " "))
		}
	}
	c := countWords(texts)
	rareCommon, commonRare, apart := c.pairs()
	if rareCommon == "" || commonRare == "" || apart == "" {
		t.Fatalf("picked %q, %q, %q: want a rare word then a common one, a common then a rare, two common never in a row", rareCommon, commonRare, apart)
	}
	phrases = append(phrases, rareCommon, commonRare, apart)
	if n := hitCount(t, idx, schemaPhrase(schema.FieldText, apart).MatchPhraseQuery); n != 0 {
		t.Fatalf("%q: %d hits; the words were picked never to stand in a row", apart, n)
	}
	a, b, _ := strings.Cut(apart, " ")
	both := bleve.NewConjunctionQuery(schemaPhrase(schema.FieldText, a), schemaPhrase(schema.FieldText, b))
	if n := hitCount(t, idx, both); n < 10 {
		t.Fatalf("%q: %d documents hold both words; want documents that hold them apart", apart, n)
	}
	phrases = append(phrases, fieldEnds(texts[:20])...)

	matched := 0
	for _, field := range []string{schema.FieldText, schema.FieldCaseName, schema.FieldDescription} {
		for _, p := range phrases {
			t.Run(fmt.Sprintf("%s/%s", field, p), func(t *testing.T) {
				ours := schemaPhrase(field, p)
				ref := ours.MatchPhraseQuery
				got, want := phraseHits(t, idx, ours), phraseHits(t, idx, ref)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %v;\nwant %v", got, want)
				}
				if len(want) > 1 { // a hit and the total
					matched++
				}
			})
		}
	}
	if matched < len(phrases) {
		t.Errorf("%d phrase searches found documents; want at least %d: the comparison says little", matched, len(phrases))
	}
}

// TestPhraseQueryInSearchesMatchesBleve: phrases inside the queries the API builds (each
// text field, boosted, sorted by score then id, the first page only) and inside a
// conjunction (which advances the phrase searcher rather than stepping it) give the
// same hits as with bleve's phrase searcher.
func TestPhraseQueryInSearchesMatchesBleve(t *testing.T) {
	texts := corpusTexts(t, 400)
	idx := phraseIndex(t, texts)
	for _, q := range []string{`"of the"`, `"the court"`, `"the the"`, `"united states" court`, `"motion to dismiss" OR "order granting"`, `"of the" -"the court"`} {
		for _, limit := range []int{1, 5, 50} {
			t.Run(fmt.Sprintf("%s/%d", q, limit), func(t *testing.T) {
				req, _, err := Request(search.Query{Q: q, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				req.IncludeLocations = true
				got := requestHits(t, idx, req)
				req.Query = blevePhrases(req.Query)
				want := requestHits(t, idx, req)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %v;\nwant %v", got, want)
				}
				if len(want) < 3 {
					t.Errorf("%v: want a page of several hits to compare the order", want)
				}
			})
		}
	}
	some := countWords(texts).some()
	for _, p := range []string{"of the", "in the", "the court"} {
		t.Run("conjunction/"+p, func(t *testing.T) {
			rare := bleve.NewTermQuery(some)
			rare.SetField(schema.FieldTextExact)
			ours := bleve.NewConjunctionQuery(rare, schemaPhrase(schema.FieldText, p))
			ref := bleve.NewConjunctionQuery(rare, schemaPhrase(schema.FieldText, p).MatchPhraseQuery)
			got, want := phraseHits(t, idx, ours), phraseHits(t, idx, ref)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %d hits %v;\nwant %d hits %v", len(got), got, len(want), want)
			}
			if len(want) < 2 {
				t.Errorf("%v: no hits, the comparison says little", want)
			}
		})
	}
}

// TestPhraseSearcherIsOurs: a phrase is searched by schema's own searcher on a snapshot
// and on the reader of searches across shards (statsReader): the tests above compare it
// with bleve's, which they would also do, and pass, if the query fell back to bleve's.
func TestPhraseSearcherIsOurs(t *testing.T) {
	idx := phraseIndex(t, corpusTexts(t, 50))
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	snap := r.(*scorch.IndexSnapshot)
	for _, reader := range []index.IndexReader{snap, &statsReader{IndexSnapshot: snap, collection: &search.TermStats{Docs: 1000}}} {
		s, err := schemaPhrase(schema.FieldText, "of the").Searcher(context.Background(), reader, idx.Mapping(), bsearch.SearcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", s); got != "*schema.phraseSearcher" {
			t.Errorf("on a %T the phrase is searched by a %s; want schema's phraseSearcher", reader, got)
		}
		s.Close()
	}
}

// phraseIndex is an in-memory index of texts in several segments, some documents
// deleted and some replaced (a replaced document's text is another's), so that
// searchers step over segments and deleted documents.
func phraseIndex(t *testing.T, texts []filing.Text) bleve.Index {
	t.Helper()
	idx, err := bleve.NewUsing("", schema.Mapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	b := idx.NewBatch()
	for _, tx := range texts {
		if err := b.Index(string(tx.Document.ID), schema.IndexDocument(tx, time.Unix(0, 0))); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(texts); i += 40 {
		b := idx.NewBatch()
		b.Delete(string(texts[i].Document.ID))
		replaced := texts[i+1]
		replaced.Pages = texts[(i+7)%len(texts)].Pages
		if err := b.Index(string(replaced.Document.ID), schema.IndexDocument(replaced, time.Unix(0, 0))); err != nil {
			t.Fatal(err)
		}
		if err := idx.Batch(b); err != nil {
			t.Fatal(err)
		}
	}
	return idx
}

// wordCounts are the texts' words as the exact analyser cuts them, the documents holding each, and the pairs of words
// that stand in a row somewhere.
type wordCounts struct {
	texts    int
	docs     map[string]int
	adjacent map[[2]string]bool
	order    [][2]string // adjacent pairs in the order first met
}

func countWords(texts []filing.Text) wordCounts {
	c := wordCounts{texts: len(texts), docs: map[string]int{}, adjacent: map[[2]string]bool{}}
	for _, tx := range texts {
		words := exactWords(schema.IndexDocument(tx, time.Unix(0, 0))[schema.FieldText].(string))
		seen := map[string]bool{}
		for i, w := range words {
			if !seen[w] {
				seen[w] = true
				c.docs[w]++
			}
			if i > 0 {
				pair := [2]string{words[i-1], w}
				if !c.adjacent[pair] {
					c.adjacent[pair] = true
					c.order = append(c.order, pair)
				}
			}
		}
	}
	return c
}

// pairs picks three phrases: a rare word then a common one, a common word then a rare
// one, and two common words that never stand in a row.
func (c wordCounts) pairs() (rareCommon, commonRare, apart string) {
	common := func(w string) bool { return c.docs[w] >= 100 }
	rare := func(w string) bool { return c.docs[w] <= 3 && len(w) > 3 }
	for _, p := range c.order {
		if rareCommon == "" && rare(p[0]) && common(p[1]) {
			rareCommon = p[0] + " " + p[1]
		}
		if commonRare == "" && common(p[0]) && rare(p[1]) {
			commonRare = p[0] + " " + p[1]
		}
	}
	var commons []string
	for w, n := range c.docs {
		if n >= 100 && len(w) > 3 {
			commons = append(commons, w)
		}
	}
	sort.Strings(commons)
	for _, a := range commons {
		for _, b := range commons {
			if a != b && apart == "" && !c.adjacent[[2]string{a, b}] {
				apart = a + " " + b
			}
		}
	}
	return rareCommon, commonRare, apart
}

// some is a word held by a few documents in ten.
func (c wordCounts) some() string {
	var words []string
	for w, n := range c.docs {
		if n*10 >= c.texts && n*5 <= c.texts && len(w) > 3 {
			words = append(words, w)
		}
	}
	sort.Strings(words)
	return words[0]
}

// fieldEnds are the first and last two words of each text field of texts.
func fieldEnds(texts []filing.Text) []string {
	var out []string
	for _, tx := range texts {
		doc := schema.IndexDocument(tx, time.Unix(0, 0))
		for _, f := range []string{schema.FieldText, schema.FieldCaseName, schema.FieldDescription} {
			v, _ := doc[f].(string)
			if w := exactWords(v); len(w) >= 3 {
				out = append(out, w[0]+" "+w[1], w[len(w)-2]+" "+w[len(w)-1])
			}
		}
	}
	return out
}

// exactWords are the words of s as the exact analyser cuts them.
func exactWords(s string) []string {
	tokens := exactAnalyzer.Analyze([]byte(s))
	out := make([]string, len(tokens))
	for i, tk := range tokens {
		out[i] = string(tk.Term)
	}
	return out
}

var exactAnalyzer = schema.Mapping().AnalyzerNamed(schema.AnalyzerExact)

// schemaPhrase is the phrase query the query language builds for p on field.
func schemaPhrase(field, p string) *schema.PhraseQuery {
	q := bleve.NewMatchPhraseQuery(p)
	q.SetField(field + schema.ExactSuffix)
	q.Analyzer = schema.AnalyzerExact
	q.SetBoost(1.5)
	return &schema.PhraseQuery{MatchPhraseQuery: q}
}

// hitCount is how many documents q finds.
func hitCount(t *testing.T, idx bleve.Index, q query.Query) uint64 {
	t.Helper()
	res, err := idx.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// phraseHits lists every hit of q as requestHits does.
func phraseHits(t *testing.T, idx bleve.Index, q query.Query) []string {
	t.Helper()
	req := bleve.NewSearchRequestOptions(q, 1000, 0, false)
	req.IncludeLocations = true
	return requestHits(t, idx, req)
}

// requestHits lists the hits of req, in order, each as its id, score, and every match
// location by field and term (position, offsets, array positions), then the total.
func requestHits(t *testing.T, idx bleve.Index, req *bleve.SearchRequest) []string {
	t.Helper()
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		var locs []string
		for field, terms := range h.Locations {
			for term, ls := range terms {
				for _, l := range ls {
					locs = append(locs, fmt.Sprintf("%s:%s@%d[%d,%d]%v", field, term, l.Pos, l.Start, l.End, l.ArrayPositions))
				}
			}
		}
		sort.Strings(locs)
		out = append(out, fmt.Sprintf("%s %.9f %v", h.ID, h.Score, locs))
	}
	return append(out, fmt.Sprintf("total %d", res.Total))
}
