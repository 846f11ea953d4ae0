package indexer

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// TestPruneBelowTopKeepsTheResults: a search whose searcher drops the hits that cannot
// place returns the same page (ids and scores, in order), the same next-page hit and the
// same total as bleve over every hit, for words, phrases, disjunctions and a negation,
// pages of 1, 5 and 50, on two indexes: documents of their own (scores seldom tie, so a
// page one hit too short shows), and every document three times (scores tie at the edge
// of the page, where the id decides); and it did drop hits, or the comparison says
// nothing.
func TestPruneBelowTopKeepsTheResults(t *testing.T) {
	texts := corpusTexts(t, 200)
	t.Run("distinct", func(t *testing.T) {
		x := openTemp(t)
		indexTexts(t, x, texts)
		checkPruning(t, x)
	})
	t.Run("copies", func(t *testing.T) {
		// Each copy indexed after the last under a smaller id: every score ties, and the
		// hit that comes last places first, though it only ties with the page's last
		// score when it comes (the page of one is full of its copies).
		all := slices.Clone(texts)
		for _, prefix := range []string{"copy2-", "copy1-"} {
			for _, tx := range texts {
				tx.Document.ID = filing.DocID(prefix) + tx.Document.ID
				all = append(all, tx)
			}
		}
		x := openTemp(t)
		indexTexts(t, x, all)
		checkPruning(t, x)
	})
}

func checkPruning(t *testing.T, x *Index) {
	ctx := context.Background()
	var dropped uint64
	for _, tc := range []struct {
		q      string
		limits []int
	}{
		{"court", []int{1, 5, 50}},
		{`"of the"`, []int{1, 5, 50}},
		{`"united states" OR state`, []int{1, 5, 50}},
		{"state -court", []int{1, 3}}, // 4 hits, 12 with the copies
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
				var gotHits []string
				for _, h := range got.Hits {
					gotHits = append(gotHits, fmt.Sprintf("%s %.9f", h.ID, h.Score))
				}
				wantHits := hitList(want.Hits[:min(limit, len(want.Hits))])
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
				// The request asks for one hit more than the page, which says there is
				// a next page: that hit must survive too.
				if a, b := hitList(res.Hits), hitList(want.Hits); !reflect.DeepEqual(a, b) {
					t.Errorf("pruned request's hits %v;\nwant %v", a, b)
				}
				dropped += n.Load()
			})
		}
	}
	if dropped == 0 {
		t.Error("no hit was dropped: the comparison says nothing")
	}
}

// hitList is each hit's id and score.
func hitList(hits bsearch.DocumentMatchCollection) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = fmt.Sprintf("%s %.9f", h.ID, h.Score)
	}
	return out
}

// TestPruneStopsWhenTheSearchIsCancelled: bleve's collector looks at its context every
// 1,024 hits it receives, which a pruning searcher may never hand it; the searcher looks
// itself, so a search of a million hits that all fall below the page ends when its
// context does.
func TestPruneStopsWhenTheSearchIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inner := &fallingScores{left: 1_000_000}
	s := &topScoredSearcher{Searcher: inner, ctx: ctx, k: 1, dropped: new(atomic.Uint64)}
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(10, 0)}
	if d, err := s.Next(sctx); err != nil || d == nil {
		t.Fatalf("first hit: %v, %v; want the hit (the page is not full yet)", d, err)
	}
	if _, err := s.Next(sctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("next hit after cancel: %v; want context.Canceled", err)
	}
	if read := 1_000_000 - inner.left; read > 1+1024 {
		t.Errorf("%d hits read; want the first and at most 1,024 after the context ended", read)
	}
}

// fallingScores is a searcher whose hits score less and less.
type fallingScores struct {
	bsearch.Searcher
	left int
}

func (f *fallingScores) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	if f.left == 0 {
		return nil, nil
	}
	f.left--
	d := ctx.DocumentMatchPool.Get()
	d.Score = float64(f.left)
	return d, nil
}
