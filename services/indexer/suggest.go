package indexer

import (
	"context"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// suggestFrom is the shortest word a "did you mean" corrects: shorter ones are too
// close to too many terms.
const suggestFrom = 4

// suggest fills res's suggestions when the first page of q found nothing: for each plain
// word the index does not hold (in the unstemmed text, so that suggestions are words as
// filings write them), the terms within one typing mistake of it (two for words of eight
// letters and more), from the index's own dictionary. A sharded search adds up each
// shard's (search.MergeSuggestions).
func (x *Index) suggest(ctx context.Context, q search.Query, res *search.Result) {
	if res.Total > 0 || q.After != "" {
		return
	}
	words := schema.PlainWords(q.Q)
	if len(words) == 0 {
		return
	}
	var found []search.Suggestion
	err := x.withSnapshot(func(_ bleve.Index, snap *scorch.IndexSnapshot) error {
		for _, w := range words {
			s, err := wordSuggestions(ctx, snap, w)
			if err != nil {
				return err
			}
			found = append(found, s...)
		}
		return nil
	})
	if err != nil {
		return // suggestions are a courtesy: a search that worked is not failed for them
	}
	res.Suggestions, res.DidYouMean = search.MergeSuggestions(q.Q, found)
}

// wordSuggestions returns the terms of the text near word w, or w itself with no edits
// when the text holds it.
func wordSuggestions(ctx context.Context, snap *scorch.IndexSnapshot, w schema.Word) ([]search.Suggestion, error) {
	term := strings.ToLower(w.Raw)
	if len([]rune(term)) < suggestFrom {
		return nil, nil
	}
	edits := 1
	if len([]rune(term)) >= 8 {
		edits = 2
	}
	d, auto, err := snap.FieldDictFuzzyAutomaton(schema.FieldTextExact, term, edits, "")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []search.Suggestion
	for e, err := range schema.DictEntries(d) {
		if err != nil {
			return nil, err
		}
		ok, dist := auto.MatchAndDistance(e.Term)
		if !ok {
			continue
		}
		if dist == 0 { // the index holds the word as typed: nothing to correct
			out = []search.Suggestion{{Word: w.Raw, Pos: w.Pos, Term: e.Term}}
			break
		}
		out = append(out, search.Suggestion{Word: w.Raw, Pos: w.Pos, Term: e.Term, Edits: int(dist)})
	}
	// A fuzzy dictionary does not count documents: each candidate's postings do.
	for i := range out {
		r, err := snap.TermFieldReader(ctx, []byte(out[i].Term), schema.FieldTextExact, false, false, false)
		if err != nil {
			return nil, err
		}
		out[i].Docs = r.Count()
		r.Close()
	}
	return out, nil
}
