package indexer

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// TestPhraseQueryMatchesBleve: schema.PhraseQuery finds the same documents as bleve's
// MatchPhraseQuery, with the same scores and the same match locations, for phrases drawn
// from the indexed text (common words, rare words, a word repeated, words that never
// stand together, one word) on every text field.
func TestPhraseQueryMatchesBleve(t *testing.T) {
	texts := corpusTexts(t, 400)
	idx, err := bleve.NewUsing("", schema.Mapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	b := idx.NewBatch()
	for _, tx := range texts {
		if err := b.Index(string(tx.Document.ID), schema.IndexDocument(tx, time.Unix(0, 0))); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	phrases := []string{"of the", "the court", "the the", "court of the court", "motion to dismiss",
		"united states", "scheme exclusivity", "the", "Secretary of Labor", "order granting"}
	for i, tx := range texts[:40] {
		words := strings.Fields(tx.Pages[len(tx.Pages)-1].Text)
		if n := len(words); n > 8 {
			phrases = append(phrases, strings.Join(words[i%(n-4):i%(n-4)+2+i%3], " "))
		}
	}
	matched := 0
	for _, field := range []string{schema.FieldText, schema.FieldCaseName, schema.FieldDescription} {
		for _, p := range phrases {
			t.Run(fmt.Sprintf("%s/%s", field, p), func(t *testing.T) {
				ours := schemaPhrase(field, p)
				ref := ours.MatchPhraseQuery
				got, want := phraseHits(t, idx, ours), phraseHits(t, idx, ref)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %d hits %v;\nwant %d hits %v", len(got), got, len(want), want)
				}
				if len(want) > 0 {
					matched++
				}
			})
		}
	}
	if matched < len(phrases) {
		t.Errorf("%d phrase searches found documents; want at least %d: the comparison says little", matched, len(phrases))
	}
}

// schemaPhrase is the phrase query the query language builds for p on field.
func schemaPhrase(field, p string) *schema.PhraseQuery {
	q := bleve.NewMatchPhraseQuery(p)
	q.SetField(field + schema.ExactSuffix)
	q.Analyzer = schema.AnalyzerExact
	q.SetBoost(1.5)
	return &schema.PhraseQuery{MatchPhraseQuery: q}
}

// phraseHits lists every hit of q as its id, score and sorted match offsets.
func phraseHits(t *testing.T, idx bleve.Index, q query.Query) []string {
	t.Helper()
	req := bleve.NewSearchRequestOptions(q, 1000, 0, false)
	req.IncludeLocations = true
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		var locs [][2]int
		for _, terms := range h.Locations {
			locs = append(locs, schema.MatchOffsets(terms)...)
		}
		out = append(out, fmt.Sprintf("%s %.9f %v", h.ID, h.Score, locs))
	}
	return out
}
