package indexer

import (
	"container/heap"
	"context"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// Hits ranked by score are ordered by id where scores tie, so bleve's collector reads
// the id of every hit (a read of its stored document) before it knows whether the hit
// can place: with tens of thousands of hits, a third of a search's time (issue 21, a
// profile of the 100,000-document bench). A hit scoring below k hits already seen can
// never be among the best k, whatever its id: pruneBelowTop drops such hits before the
// collector sees them, and counts them for the total.

// pruneBelowTop wraps req's query so that its searcher drops the hits that cannot be
// among the req.Size+req.From best by score, and returns the count of hits dropped, to
// add to the result's total once the search is done. It leaves req as it is (and the
// count at 0) unless the hits are ranked by score and nothing else reads every hit:
// facets count every hit, and after a cursor the best hits seen may lie before it.
//
// The wrapper hides the query from bleve's own look at it (pre-search for an alias of
// several indexes, BM25's collection statistics, synonyms, nested fields, Validate):
// none of those is used here (one index per alias, the default scoring, no synonyms),
// and turning one on means unwrapping the query first.
func pruneBelowTop(req *bleve.SearchRequest) *atomic.Uint64 {
	dropped := new(atomic.Uint64)
	if req.Size+req.From < 1 || len(req.Sort) == 0 || len(req.Facets) > 0 || req.SearchAfter != nil || req.Explain {
		return dropped
	}
	if s, ok := req.Sort[0].(*bsearch.SortScore); !ok || !s.Desc {
		return dropped
	}
	req.Query = &topScored{Query: req.Query, k: req.Size + req.From, dropped: dropped}
	return dropped
}

// topScored is a query whose searcher passes on only the hits that may be among the best
// k by score.
type topScored struct {
	query.Query
	k       int
	dropped *atomic.Uint64
}

func (q *topScored) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.Query.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	return &topScoredSearcher{Searcher: s, ctx: ctx, k: q.k, dropped: q.dropped}, nil
}

// topScoredSearcher drops the hits scoring below the k best it has passed on.
type topScoredSearcher struct {
	bsearch.Searcher
	// ctx is the search's: bleve's collector looks at it every 1,024 hits it receives,
	// which may be never once this searcher drops most of them, so pass looks itself.
	ctx     context.Context
	k       int
	best    scoreHeap
	dropped *atomic.Uint64
	n       int // hits dropped, for the look at ctx
}

func (s *topScoredSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Next(ctx)
	return s.pass(ctx, d, err)
}

func (s *topScoredSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Advance(ctx, id)
	return s.pass(ctx, d, err)
}

// pass returns d, or the first hit after it that may place.
func (s *topScoredSearcher) pass(ctx *bsearch.SearchContext, d *bsearch.DocumentMatch, err error) (*bsearch.DocumentMatch, error) {
	for err == nil && d != nil {
		switch {
		case len(s.best) < s.k:
			heap.Push(&s.best, d.Score)
			return d, nil
		case d.Score > s.best[0]:
			s.best[0] = d.Score
			heap.Fix(&s.best, 0)
			return d, nil
		case d.Score == s.best[0]:
			return d, nil // it may place by its id
		}
		s.dropped.Add(1)
		ctx.DocumentMatchPool.Put(d)
		if s.n++; s.n%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return nil, err
			}
		}
		d, err = s.Searcher.Next(ctx)
	}
	return d, err
}

// scoreHeap is a min-heap of scores.
type scoreHeap []float64

func (h scoreHeap) Len() int           { return len(h) }
func (h scoreHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h scoreHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scoreHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *scoreHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
