package indexer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/facet"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// Scoring with the collection's figures (search.TermStats) on a shard.
//
// bleve's TF-IDF score of a hit reads two figures of the collection: the number of
// documents and, for each term, the number holding it. A shard knows only its own, so
// the same document scores differently on a shard than in one index of everything, and
// hits merged by score would come in another order. bleve has no hook for those figures
// (its global scoring of index aliases carries only BM25's document count and field
// lengths), so the shard's reader is wrapped: TermStats records the figures while the
// query's searchers are built; SearchWithStats runs the query on a reader that answers
// the summed ones.

var _ search.CollectionScorer = (*Index)(nil)

// TermStats returns this index's figures for the terms q searches: those of every term
// searcher its query builds, wildcard and fuzzy expansions included.
func (x *Index) TermStats(ctx context.Context, q search.Query) (*search.TermStats, error) {
	req, q, err := Request(q)
	if err != nil {
		return nil, err
	}
	st := &search.TermStats{DocFreq: map[string]map[string]uint64{}}
	err = x.withSnapshot(func(idx bleve.Index, snap *scorch.IndexSnapshot) error {
		r := &statsReader{IndexSnapshot: snap, recorded: st}
		n, err := snap.DocCount()
		if err != nil {
			return err
		}
		st.Docs = n
		s, err := req.Query.Searcher(bsearch.ContextWithTermSearchersCounter(ctx), r, idx.Mapping(), bsearch.SearcherOptions{})
		if err != nil {
			return err
		}
		return s.Close()
	})
	if err != nil {
		return nil, searchError(err, q)
	}
	return st, nil
}

// SearchWithStats runs q scoring with st: with every shard's figures, its hits score
// as they would in one index holding every shard's documents. Figures of no shard
// (or of no document) leave it its own.
func (x *Index) SearchWithStats(ctx context.Context, q search.Query, st *search.TermStats) (*search.Result, error) {
	if len(st.Shards) == 0 || st.Docs == 0 {
		return x.Search(ctx, q)
	}
	return x.searchWith(ctx, q, func(req *bleve.SearchRequest) (res *bleve.SearchResult, err error) {
		err = x.withSnapshot(func(idx bleve.Index, snap *scorch.IndexSnapshot) error {
			res, err = searchReader(ctx, idx.Mapping(), req, &statsReader{IndexSnapshot: snap, collection: st}, snap)
			return err
		})
		return res, err
	})
}

// withSnapshot calls fn with the active index and a snapshot of it. The read lock is
// held throughout: a swap (or Close) waits for fn before the old index is closed, as the
// alias makes it wait for the searches that go through it.
func (x *Index) withSnapshot(fn func(bleve.Index, *scorch.IndexSnapshot) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.active == nil {
		return bleve.ErrorIndexClosed
	}
	adv, err := x.active.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return fmt.Errorf("scoring with the collection's figures needs a scorch index, not %T", r)
	}
	return fn(x.active, snap)
}

// searchReader runs req on r as bleve's own search does for the requests this package
// makes (Request): top-N collection by req's sort (after req.SearchAfter), terms facets,
// stored fields and term locations, no highlighter. docs reads the stored fields.
func searchReader(ctx context.Context, m mapping.IndexMapping, req *bleve.SearchRequest, r index.IndexReader, docs index.IndexReader) (*bleve.SearchResult, error) {
	start := time.Now()
	ctx = bsearch.ContextWithTermSearchersCounter(ctx)
	coll := collector.NewTopNCollector(req.Size, req.From, req.Sort)
	if req.SearchAfter != nil {
		coll = collector.NewTopNCollectorAfter(req.Size, req.Sort, req.SearchAfter)
	}
	s, err := req.Query.Searcher(ctx, r, m, bsearch.SearcherOptions{IncludeTermVectors: req.IncludeLocations})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if len(req.Facets) > 0 {
		fb := bsearch.NewFacetsBuilder(r)
		for name, f := range req.Facets {
			if f.NumericRanges != nil || f.DateTimeRanges != nil {
				return nil, errors.New("range facets are not supported with collection statistics")
			}
			fb.Add(name, facet.NewTermsFacetBuilder(f.Field, f.Size))
		}
		coll.SetFacetsBuilder(fb)
	}
	if err := coll.Collect(ctx, s, r); err != nil {
		return nil, err
	}
	hits := coll.Results()
	for _, h := range hits {
		if err, _ := bleve.LoadAndHighlightFields(h, req, "", docs, nil); err != nil {
			return nil, err
		}
	}
	return &bleve.SearchResult{
		Status:   &bleve.SearchStatus{Total: 1, Successful: 1},
		Hits:     hits,
		Total:    coll.Total(),
		MaxScore: coll.MaxScore(),
		Took:     time.Since(start),
		Facets:   coll.FacetResults(),
	}, nil
}

// statsReader is a snapshot that either records the figures of the terms searched
// (recorded set) or answers the collection's (collection set).
type statsReader struct {
	*scorch.IndexSnapshot
	collection *search.TermStats

	mu       sync.Mutex
	recorded *search.TermStats
}

func (r *statsReader) DocCount() (uint64, error) {
	own, err := r.IndexSnapshot.DocCount()
	if err != nil || r.collection == nil {
		return own, err
	}
	return r.collection.Docs, nil
}

func (r *statsReader) TermFieldReader(ctx context.Context, term []byte, field string,
	includeFreq, includeNorm, includeTermVectors bool) (index.TermFieldReader, error) {
	tfr, err := r.IndexSnapshot.TermFieldReader(ctx, term, field, includeFreq, includeNorm, includeTermVectors)
	if err != nil {
		return nil, err
	}
	own := tfr.Count()
	if r.recorded != nil {
		r.mu.Lock()
		if r.recorded.DocFreq[field] == nil {
			r.recorded.DocFreq[field] = map[string]uint64{}
		}
		r.recorded.DocFreq[field][string(term)] = own
		r.mu.Unlock()
	}
	if r.collection == nil {
		return tfr, nil
	}
	n, ok := r.collection.DocFreq[field][string(term)]
	if !ok {
		// A term no shard reported: the index changed between the two rounds (a
		// wildcard now expands further). Its own figure is the best known.
		n = own
	}
	return &countedReader{TermFieldReader: tfr, count: n}, nil
}

// Wildcard, regexp, fuzzy and range queries expand to the terms of the dictionary that
// match; a shard's dictionary lacks the other shards' terms, and an expansion with fewer
// terms scores differently (a TF-IDF disjunction is normalised over all its terms). So
// the collection's terms that match (those every shard expanded to in the first round,
// with documents somewhere) join the shard's own, in dictionary order: the expansion
// is that of one index of the whole collection. These are the dictionaries the query
// syntax's expansions read (schema.ParseQueryString makes no prefix or term-range queries;
// bleve reads FieldDictPrefix and FieldDictRange for those).

func (r *statsReader) FieldDictRegexpAutomaton(field, pattern string) (index.FieldDict, index.RegexAutomaton, error) {
	d, a, err := r.IndexSnapshot.FieldDictRegexpAutomaton(field, pattern)
	if err != nil || r.collection == nil {
		return d, a, err
	}
	d, err = r.withCollectionTerms(d, field, func(t string) (bool, uint8) { return a.MatchesRegex(t), 0 })
	return d, a, err
}

func (r *statsReader) FieldDictFuzzyAutomaton(field, term string, fuzziness int, prefix string) (index.FieldDict, index.FuzzyAutomaton, error) {
	d, a, err := r.IndexSnapshot.FieldDictFuzzyAutomaton(field, term, fuzziness, prefix)
	if err != nil || r.collection == nil {
		return d, a, err
	}
	d, err = r.withCollectionTerms(d, field, func(t string) (bool, uint8) {
		if !strings.HasPrefix(t, prefix) {
			return false, 0
		}
		return a.MatchAndDistance(t)
	})
	return d, a, err
}

// FieldDictContains serves numeric and date ranges, which enumerate their candidate
// terms and keep those some document holds.
func (r *statsReader) FieldDictContains(field string) (index.FieldDictContains, error) {
	d, err := r.IndexSnapshot.FieldDictContains(field)
	if err != nil || r.collection == nil {
		return d, err
	}
	return &collectionContains{FieldDictContains: d, terms: r.collection.DocFreq[field]}, nil
}

// collectionContains holds a term when the shard or the collection does.
type collectionContains struct {
	index.FieldDictContains
	terms map[string]uint64
}

func (c *collectionContains) Contains(term []byte) (bool, error) {
	if c.terms[string(term)] > 0 {
		return true, nil
	}
	return c.FieldDictContains.Contains(term)
}

// Next, Cardinality and Close make it the index.FieldDict the shard's dictionary is:
// the range searcher closes the dictionary when it is one.
func (c *collectionContains) Next() (*index.DictEntry, error) { return c.dict().Next() }
func (c *collectionContains) Cardinality() int                { return c.dict().Cardinality() }
func (c *collectionContains) Close() error                    { return c.dict().Close() }

func (c *collectionContains) dict() index.FieldDict {
	if d, ok := c.FieldDictContains.(index.FieldDict); ok {
		return d
	}
	return &sliceDict{}
}

// withCollectionTerms reads d and adds the collection's terms of field that match.
func (r *statsReader) withCollectionTerms(d index.FieldDict, field string, match func(string) (bool, uint8)) (index.FieldDict, error) {
	defer d.Close()
	var entries []index.DictEntry
	own := map[string]bool{}
	for e, err := range schema.DictEntries(d) {
		if err != nil {
			return nil, err
		}
		entries = append(entries, *e)
		own[e.Term] = true
	}
	added := false
	for t, n := range r.collection.DocFreq[field] {
		if n == 0 || own[t] {
			continue
		}
		if ok, dist := match(t); ok {
			entries = append(entries, index.DictEntry{Term: t, EditDistance: dist})
			added = true
		}
	}
	if added {
		sort.Slice(entries, func(i, j int) bool { return entries[i].Term < entries[j].Term })
	}
	return &sliceDict{entries: entries, bytesRead: d.BytesRead()}, nil
}

// sliceDict is a field dictionary read from memory.
type sliceDict struct {
	entries   []index.DictEntry
	next      int
	bytesRead uint64
}

func (d *sliceDict) Next() (*index.DictEntry, error) {
	if d.next == len(d.entries) {
		return nil, nil
	}
	d.next++
	return &d.entries[d.next-1], nil
}

func (d *sliceDict) Close() error      { return nil }
func (d *sliceDict) Cardinality() int  { return len(d.entries) }
func (d *sliceDict) BytesRead() uint64 { return d.bytesRead }

// countedReader is a term's postings whose Count is the collection's.
type countedReader struct {
	index.TermFieldReader
	count uint64
}

func (c *countedReader) Count() uint64 { return c.count }

// Optimize lets scorch merge the postings of a conjunction as it does without the
// wrapper: the merge changes which documents are read, not their scores.
func (c *countedReader) Optimize(kind string, octx index.OptimizableContext) (index.OptimizableContext, error) {
	if o, ok := c.TermFieldReader.(index.Optimizable); ok {
		return o.Optimize(kind, octx)
	}
	return nil, nil
}
