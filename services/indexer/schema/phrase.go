package schema

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/scorer"
	"github.com/blevesearch/bleve/v2/size"
	index "github.com/blevesearch/bleve_index_api"
)

// PhraseQuery is bleve's MatchPhraseQuery (the words of a phrase in order), answered
// with the same documents, scores and match locations by a cheaper searcher.
//
// bleve's phrase searcher runs a conjunction of term searchers that read the locations
// of every document they pass, turns them into maps, then looks for the words in a row:
// about 4 µs per document holding the words, most of a phrase query's time when its
// words are common (issue 21). phraseSearcher finds the documents holding every word
// from their document numbers alone, reads locations only for those (segment by
// segment, wordPositions), and scores only the documents where the words stand in a row.
//
// Measured and left out: fields of word pairs (two adjacent words as one term, no
// locations), from which a phrase would take its candidates. At 100,000 documents they
// brought the API's phrase p99 from about 110 ms to 23 ms, but cost 60-100% more CPU to
// build the index, 14% more disk, and half the indexing rate: the indexer already limits
// ingest as much as extraction does (scripts/bench ingest).
type PhraseQuery struct{ *query.MatchPhraseQuery }

// Searcher analyses the phrase as MatchPhraseQuery does; a phrase it cannot check
// itself (fuzzy, two words at one position, a gap left by a stop word, a reader not
// over scorch segments) goes to bleve's.
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
	segs, scorchIndex := r.(segmented)
	if len(tokens) == 0 || terms == nil || q.Fuzziness != 0 || !plainTermScores(ctx, field) || !scorchIndex {
		return q.MatchPhraseQuery.Searcher(ctx, r, m, options)
	}
	return newPhraseSearcher(ctx, r, segs.Segments(), terms, field, q.BoostVal.Value(), options)
}

// segmented is an index reader over scorch segments: a snapshot, or a reader that wraps
// one to answer other document counts and term statistics (the indexer's statsReader,
// for searches across shards), which the phrase searcher takes from the reader and the
// locations from the segments.
type segmented interface {
	index.IndexReader
	Segments() []*scorch.SegmentSnapshot
}

// plainTermScores reports whether bleve's term searchers on field score by tf-idf
// without synonyms: the scores phraseSearcher computes itself, as they do
// (searcher.NewTermSearcher).
func plainTermScores(ctx context.Context, field string) bool {
	if ctx == nil {
		return true
	}
	if model, ok := ctx.Value(search.GetScoringModelCallbackKey).(search.GetScoringModelCallbackFn); ok {
		if m := model(); m != "" && m != index.TFIDFScoring {
			return false
		}
	}
	synonyms, ok := ctx.Value(search.FieldTermSynonymMapKey).(search.FieldTermSynonymMap)
	return !ok || synonyms[field] == nil
}

// phraseSearcher returns the documents whose field holds the words of a phrase in a
// row, scored as bleve's phrase searcher scores them (the sum of one term searcher per
// word), each with the locations of its occurrences of the phrase. It reads each word's
// postings two ways, each only as far as it must:
//   - document numbers only, to find the documents holding every word, led by the
//     rarest word and advancing the others to its documents;
//   - locations, frequencies and norms, only for those documents, to see whether the
//     words stand in a row and, where they do, to score the document.
type phraseSearcher struct {
	// terms are the distinct words of the phrase, rarest first; words are the phrase's
	// words in order (a repeated word appears twice, as one term).
	terms []*phraseTerm
	words []*phraseTerm
	// scoring has one term scorer per word, in the order bleve's conjunction sorts its
	// term searchers, so that scores add up in the same order to the same bits.
	scoring byCount
	scorer  *scorer.ConjunctionQueryScorer
	// examined says the lead term is on a document already looked at.
	examined bool
	matches  []*search.DocumentMatch
	// found holds, per occurrence of the phrase in the current document, the location
	// of each word; cursor, per word, how far findPhrase has read its locations.
	found  []wordAt
	cursor []int
}

var _ search.Searcher = (*phraseSearcher)(nil)

// phraseTerm is one distinct word of a phrase and its two readers.
type phraseTerm struct {
	term  string
	count uint64 // documents holding the word
	// docs reads document numbers only; doc is its current document (ID nil before
	// the first, done after the last).
	docs index.TermFieldReader
	doc  index.TermFieldDoc
	done bool
	// positions reads locations, frequencies and norms, moved only to documents
	// holding every word.
	positions *wordPositions
}

// wordScorer scores one word of the phrase as bleve's term searcher for it would.
type wordScorer struct {
	*scorer.TermQueryScorer
	term *phraseTerm
}

// byCount orders word scorers as searcher.OrderedSearcherList orders term searchers (by
// the number of documents holding the word), for sort.Sort to permute them alike.
type byCount []wordScorer

func (b byCount) Len() int           { return len(b) }
func (b byCount) Less(i, j int) bool { return b[i].term.count < b[j].term.count }
func (b byCount) Swap(i, j int)      { b[i], b[j] = b[j], b[i] }

func newPhraseSearcher(ctx context.Context, r index.IndexReader, segs []*scorch.SegmentSnapshot, terms []string, field string, boost float64, options search.SearcherOptions) (_ *phraseSearcher, err error) {
	s := &phraseSearcher{scorer: scorer.NewConjunctionQueryScorer(options)}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	distinct := map[string]*phraseTerm{}
	for _, t := range terms {
		pt := distinct[t]
		if pt == nil {
			pt = &phraseTerm{term: t}
			if pt.docs, err = r.TermFieldReader(ctx, []byte(t), field, false, false, false); err != nil {
				return nil, fmt.Errorf("phrase searcher: term %q: %w", t, err)
			}
			if pt.positions, err = newWordPositions(segs, field, t); err != nil {
				_ = pt.docs.Close()
				return nil, fmt.Errorf("phrase searcher: term %q: %w", t, err)
			}
			pt.count = pt.docs.Count()
			distinct[t] = pt
			s.terms = append(s.terms, pt)
		}
		s.words = append(s.words, pt)
	}
	slices.SortStableFunc(s.terms, func(a, b *phraseTerm) int { return cmp.Compare(a.count, b.count) })

	docs, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	for _, w := range s.words {
		// Each word counts against bleve's limit on term searchers, as its own would.
		if err := search.RecordTermSearcher(ctx); err != nil {
			return nil, err
		}
		sc := scorer.NewTermQueryScorer([]byte(w.term), field, boost, docs, w.count, 0, options)
		s.scoring = append(s.scoring, wordScorer{sc, w})
	}
	sort.Sort(s.scoring) // as NewConjunctionSearcher sorts its term searchers
	// bleve's phrase searcher normalises its conjunction's weight before anything else
	// does: the same here, for the same scores.
	s.SetQueryNorm(1 / math.Sqrt(s.Weight()))
	s.matches = make([]*search.DocumentMatch, len(s.scoring))
	s.cursor = make([]int, len(s.words))
	return s, nil
}

// Next returns the next document holding the phrase.
func (s *phraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	return s.next(ctx, nil)
}

// Advance returns the first document at or after id holding the phrase.
func (s *phraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	return s.next(ctx, id)
}

// next returns the first document holding the phrase after the last one examined and at
// or after id (when not nil).
func (s *phraseSearcher) next(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	lead := s.terms[0]
	if s.examined || lead.doc.ID == nil {
		if err := lead.step(); err != nil {
			return nil, err
		}
		s.examined = false
	}
	if id != nil {
		if err := lead.seek(id); err != nil {
			return nil, err
		}
	}
	for !lead.done {
		candidate := lead.doc.ID
		agreed := true
		for _, t := range s.terms[1:] {
			if err := t.seek(candidate); err != nil {
				return nil, err
			}
			if t.done {
				return nil, nil
			}
			if t.doc.ID.Compare(candidate) > 0 {
				if err := lead.seek(t.doc.ID); err != nil {
					return nil, err
				}
				agreed = false
				break
			}
		}
		if !agreed {
			continue
		}
		s.examined = true
		hit, err := s.check(ctx, candidate)
		if err != nil || hit != nil {
			return hit, err
		}
		if err := lead.step(); err != nil {
			return nil, err
		}
		s.examined = false
	}
	return nil, nil
}

// step moves t's document reader to its next document.
func (t *phraseTerm) step() error {
	d, err := t.docs.Next(&t.doc)
	if err != nil {
		return fmt.Errorf("phrase searcher: term %q: %w", t.term, err)
	}
	t.done = d == nil
	return nil
}

// seek moves t's document reader to its first document at or after id. A reader only
// moves forward: bleve's readers reopen to move back.
func (t *phraseTerm) seek(id index.IndexInternalID) error {
	if t.done || t.doc.ID != nil && t.doc.ID.Compare(id) >= 0 {
		return nil
	}
	d, err := t.docs.Advance(id, &t.doc)
	if err != nil {
		return fmt.Errorf("phrase searcher: term %q: %w", t.term, err)
	}
	t.done = d == nil
	return nil
}

// check returns document id, which holds every word, scored with the locations of its
// occurrences of the phrase (each occurrence, word by word, as bleve's phrase searcher
// lists them) if the words stand in a row somewhere; nil otherwise.
func (s *phraseSearcher) check(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	num := id.Value()
	for _, t := range s.terms {
		if err := t.positions.at(num); err != nil {
			return nil, fmt.Errorf("phrase searcher: term %q: %w", t.term, err)
		}
	}
	if !s.findPhrase() {
		return nil, nil
	}
	for i, w := range s.scoring {
		// Without the locations, which the hit gets cut down to the phrase's below.
		at := index.TermFieldDoc{ID: id, Freq: w.term.positions.freq, Norm: w.term.positions.norm}
		s.matches[i] = w.Score(ctx, &at)
	}
	hit := s.scorer.Score(ctx, s.matches)
	for _, m := range s.matches {
		if m != hit {
			ctx.DocumentMatchPool.Put(m)
		}
	}
	locs := hit.FieldTermLocations[:0]
	for k, v := range s.found {
		var ap search.ArrayPositions
		if len(v.array) > 0 {
			ap = slices.Clone(v.array)
		}
		locs = append(locs, search.FieldTermLocation{
			Field: v.loc.Field(), Term: s.words[k%len(s.words)].term,
			Location: search.Location{Pos: v.pos, Start: v.loc.Start(), End: v.loc.End(), ArrayPositions: ap},
		})
	}
	hit.FieldTermLocations = locs
	return hit, nil
}

// findPhrase reports whether the words, whose locations in the current document
// check read, stand in a row somewhere, and collects in found the location of each word
// of each occurrence of the phrase. The locations of each word are in order, so one
// pass over each finds them.
func (s *phraseSearcher) findPhrase() bool {
	s.found = s.found[:0]
	for i := range s.cursor {
		s.cursor[i] = 0
	}
	for _, first := range s.words[0].positions.locs {
		n := len(s.found)
		s.found = append(s.found, first)
		for i := 1; i < len(s.words); i++ {
			locs := s.words[i].positions.locs
			for s.cursor[i] < len(locs) && comparePlace(locs[s.cursor[i]], first.array, first.pos+uint64(i)) < 0 {
				s.cursor[i]++
			}
			if s.cursor[i] == len(locs) {
				s.found = s.found[:n]
				return len(s.found) > 0
			}
			if comparePlace(locs[s.cursor[i]], first.array, first.pos+uint64(i)) > 0 {
				s.found = s.found[:n]
				break
			}
			s.found = append(s.found, locs[s.cursor[i]])
		}
	}
	return len(s.found) > 0
}

// Weight and SetQueryNorm are those of bleve's conjunction of the term searchers.
func (s *phraseSearcher) Weight() float64 {
	var w float64
	for _, ws := range s.scoring {
		w += ws.Weight()
	}
	return w
}

func (s *phraseSearcher) SetQueryNorm(qn float64) {
	for _, ws := range s.scoring {
		ws.SetQueryNorm(qn)
	}
}

// Count is, as bleve's conjunction counts, the sum of the words' counts.
func (s *phraseSearcher) Count() uint64 {
	var n uint64
	for _, ws := range s.scoring {
		n += ws.term.count
	}
	return n
}

func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return len(s.scoring) + 1 }

func (s *phraseSearcher) Close() error {
	var errs []error
	for _, t := range s.terms {
		errs = append(errs, t.docs.Close())
	}
	return errors.Join(errs...)
}

func (s *phraseSearcher) Size() int {
	n := size.SizeOfPtr*6 + size.SizeOfBool
	for _, t := range s.terms {
		n += size.SizeOfString + len(t.term) + t.docs.Size() + t.positions.size() + t.doc.Size()
	}
	for _, ws := range s.scoring {
		n += ws.TermQueryScorer.Size() + size.SizeOfPtr
	}
	return n
}
