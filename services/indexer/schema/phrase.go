package schema

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	"github.com/blevesearch/bleve/v2/size"
	index "github.com/blevesearch/bleve_index_api"
)

// PhraseQuery is bleve's MatchPhraseQuery (the words of a phrase in order), answered
// with the same documents, scores and match locations by a cheaper searcher.
//
// bleve's phrase searcher finds the documents holding every word of the phrase (a
// conjunction led by the rarest word), then, for each of them, turns every location of
// every word into maps (DocumentMatch.Complete) before looking for the words in a row:
// about 4 µs per document holding the words, most of a phrase query's time when its
// words are common (issue 21). phraseSearcher keeps the conjunction and checks the
// positions on the locations as the conjunction returns them, without maps.
type PhraseQuery struct{ *query.MatchPhraseQuery }

// Searcher analyses the phrase as MatchPhraseQuery does; a phrase it cannot check
// itself (fuzzy, two words at one position, a gap left by a stop word) goes to bleve's.
func (q *PhraseQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	field := q.FieldVal
	if field == "" {
		field = m.DefaultSearchField()
	}
	name := q.Analyzer
	if name == "" {
		name = m.AnalyzerNameForPath(field)
	}
	analyzer := m.AnalyzerNamed(name)
	if analyzer == nil {
		return nil, fmt.Errorf("no analyzer named %q registered", name)
	}
	tokens := analyzer.Analyze([]byte(q.MatchPhrase))
	terms := make([]string, len(tokens))
	for i, t := range tokens {
		if t.Position != tokens[0].Position+i {
			terms = nil // a gap, or two words at one position
			break
		}
		terms[i] = string(t.Term)
	}
	if len(tokens) == 0 || terms == nil || q.Fuzziness != 0 {
		return q.MatchPhraseQuery.Searcher(ctx, r, m, options)
	}
	return newPhraseSearcher(ctx, r, terms, field, q.BoostVal.Value(), options)
}

// phraseSearcher returns the documents of a conjunction of term searchers (one per word
// of the phrase, with their locations, exactly as bleve's phrase searcher builds it)
// whose words stand in a row, each with the locations of its occurrences of the phrase.
type phraseSearcher struct {
	must    search.Searcher
	terms   []string
	current *search.DocumentMatch
	started bool
	// at holds, per word, the indices in the current match's FieldTermLocations of its
	// locations: reused from one document to the next.
	at [][]int
}

var _ search.Searcher = (*phraseSearcher)(nil)

func newPhraseSearcher(ctx context.Context, r index.IndexReader, terms []string, field string, boost float64, options search.SearcherOptions) (*phraseSearcher, error) {
	options.IncludeTermVectors = true
	words := make([]search.Searcher, 0, len(terms))
	closeAll := func() {
		for _, s := range words {
			_ = s.Close()
		}
	}
	for _, t := range terms {
		s, err := searcher.NewTermSearcher(ctx, r, t, field, boost, options)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("phrase searcher: term %q: %w", t, err)
		}
		words = append(words, s)
	}
	must, err := searcher.NewConjunctionSearcher(ctx, r, words, options)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	// bleve's phrase searcher normalises its conjunction's weight before anything else
	// does: the same here, for the same scores.
	must.SetQueryNorm(1 / math.Sqrt(must.Weight()))
	return &phraseSearcher{must: must, terms: terms, at: make([][]int, len(terms))}, nil
}

// Next returns the next document holding the phrase.
func (s *phraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if !s.started {
		if err := s.advance(ctx); err != nil {
			return nil, err
		}
		s.started = true
	}
	for s.current != nil {
		hit := s.check()
		if err := s.advance(ctx); err != nil {
			return nil, err
		}
		if hit != nil {
			return hit, nil
		}
	}
	return nil, nil
}

// Advance returns the first document at or after id holding the phrase.
func (s *phraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if !s.started {
		if err := s.advance(ctx); err != nil {
			return nil, err
		}
		s.started = true
	}
	if s.current == nil {
		return nil, nil
	}
	if s.current.IndexInternalID.Compare(id) >= 0 {
		return s.Next(ctx)
	}
	ctx.DocumentMatchPool.Put(s.current)
	var err error
	if s.current, err = s.must.Advance(ctx, id); err != nil {
		return nil, err
	}
	return s.Next(ctx)
}

// advance moves to the conjunction's next document.
func (s *phraseSearcher) advance(ctx *search.SearchContext) error {
	if s.current != nil {
		ctx.DocumentMatchPool.Put(s.current)
	}
	var err error
	s.current, err = s.must.Next(ctx)
	return err
}

// check returns the current document if its words stand in a row somewhere, its
// locations cut down to those of the phrase (each occurrence, word by word, as
// bleve's phrase searcher lists them); nil otherwise.
func (s *phraseSearcher) check() *search.DocumentMatch {
	ftls := s.current.FieldTermLocations
	for i := range s.at {
		s.at[i] = s.at[i][:0]
	}
	for j, l := range ftls {
		for i, t := range s.terms {
			if l.Term == t {
				s.at[i] = append(s.at[i], j)
			}
		}
	}
	byPosition := func(a, b int) int { return comparePositions(ftls[a].Location, ftls[b].Location) }
	for i := range s.at {
		if !slices.IsSortedFunc(s.at[i], byPosition) {
			slices.SortFunc(s.at[i], byPosition)
		}
	}
	var found []search.FieldTermLocation
	for k, first := range s.at[0] {
		// A word the phrase repeats was searched twice: its locations come twice.
		duplicate := k > 0 && comparePositions(ftls[s.at[0][k-1]].Location, ftls[first].Location) == 0
		if !duplicate && s.inRow(ftls, first) {
			for i := range s.terms {
				j := s.find(ftls, i, ftls[first].Location, uint64(i))
				found = append(found, ftls[j])
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	hit := s.current
	s.current = nil
	hit.FieldTermLocations = found
	return hit
}

// inRow reports whether every word of the phrase follows the first at location first.
func (s *phraseSearcher) inRow(ftls []search.FieldTermLocation, first int) bool {
	for i := 1; i < len(s.terms); i++ {
		if s.find(ftls, i, ftls[first].Location, uint64(i)) < 0 {
			return false
		}
	}
	return true
}

// find returns the index in ftls of word i's location off positions after start, in
// the same value of the field (array positions); -1 if it has none.
func (s *phraseSearcher) find(ftls []search.FieldTermLocation, i int, start search.Location, off uint64) int {
	want := search.Location{Pos: start.Pos + off, ArrayPositions: start.ArrayPositions}
	locs := s.at[i]
	k, _ := slices.BinarySearchFunc(locs, want, func(j int, w search.Location) int { return comparePositions(ftls[j].Location, w) })
	if k < len(locs) && comparePositions(ftls[locs[k]].Location, want) == 0 {
		return locs[k]
	}
	return -1
}

// comparePositions orders locations by the value of the field they are in, then by
// position.
func comparePositions(a, b search.Location) int {
	if c := a.ArrayPositions.Compare(b.ArrayPositions); c != 0 {
		return c
	}
	return cmp.Compare(a.Pos, b.Pos)
}

func (s *phraseSearcher) Weight() float64            { return s.must.Weight() }
func (s *phraseSearcher) SetQueryNorm(qn float64)    { s.must.SetQueryNorm(qn) }
func (s *phraseSearcher) Count() uint64              { return s.must.Count() }
func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) Close() error               { return s.must.Close() }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return s.must.DocumentMatchPoolSize() + 1 }

func (s *phraseSearcher) Size() int {
	n := size.SizeOfPtr*3 + s.must.Size()
	if s.current != nil {
		n += s.current.Size()
	}
	for _, t := range s.terms {
		n += size.SizeOfString + len(t)
	}
	return n
}
