package indexer

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// TestPruneBelowTopKeepsTheResults: a search whose searcher drops the hits that cannot
// place returns the same page (ids and scores, in order) and the same total as bleve
// over every hit, on documents sharing their text (so that scores tie at the edge of the
// page, where the id decides), for words, phrases, disjunctions and a negation, pages of
// 1, 5 and 50; and it did drop hits, or the comparison says nothing.
func TestPruneBelowTopKeepsTheResults(t *testing.T) {
	x := openTemp(t)
	// Every document three times, each copy indexed after the last under a smaller id:
	// every score ties, and the hit that comes last places first, though it only ties
	// with the page's last score when it comes (the page of one is full of its copies).
	texts := corpusTexts(t, 200)
	for _, prefix := range []string{"copy2-", "copy1-"} {
		for _, tx := range texts[:200] {
			tx.Document.ID = filing.DocID(prefix) + tx.Document.ID
			texts = append(texts, tx)
		}
	}
	indexTexts(t, x, texts)
	ctx := context.Background()
	var dropped uint64
	for _, tc := range []struct {
		q      string
		limits []int
	}{
		{"court", []int{1, 5, 50}},
		{`"of the"`, []int{1, 5, 50}},
		{`"united states" OR state`, []int{1, 5, 50}},
		{"state -court", []int{1, 5}}, // 10 hits
	} {
		qs := tc.q
		for _, limit := range tc.limits {
			t.Run(fmt.Sprintf("%s/%d", qs, limit), func(t *testing.T) {
				q := search.Query{Q: qs, Limit: limit, NoHighlight: true}
				got, err := x.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				req, _, err := Request(q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := x.alias.SearchInContext(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				var gotHits, wantHits []string
				for _, h := range got.Hits {
					gotHits = append(gotHits, fmt.Sprintf("%s %.9f", h.ID, h.Score))
				}
				for _, h := range want.Hits[:min(limit, len(want.Hits))] {
					wantHits = append(wantHits, fmt.Sprintf("%s %.9f", h.ID, h.Score))
				}
				if !reflect.DeepEqual(gotHits, wantHits) || got.Total != want.Total {
					t.Errorf("got %d hits of %v;\nwant %d of %v", got.Total, gotHits, want.Total, wantHits)
				}
				if want.Total <= uint64(limit) {
					t.Errorf("%d hits: want more than a page", want.Total)
				}
				pruned, _, _ := Request(q)
				n := pruneBelowTop(pruned)
				res, err := x.alias.SearchInContext(ctx, pruned)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total+n.Load() != want.Total {
					t.Errorf("%d passed on and %d dropped; want %d in all", res.Total, n.Load(), want.Total)
				}
				dropped += n.Load()
			})
		}
	}
	if dropped == 0 {
		t.Error("no hit was dropped: the comparison says nothing")
	}
}
