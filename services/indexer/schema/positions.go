package schema

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/size"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// wordPositions reads one word's postings in one field with their frequencies, norms and
// locations, segment by segment of an index snapshot, moved only forward, to the
// documents a phrase searcher checks. It reads the postings bleve's term field reader
// reads, without copying every location of every document into a TermFieldVector first:
// at 100,000 documents that copy was a quarter of a phrase's check (schema.PhraseQuery).
type wordPositions struct {
	iters []segment.PostingsIterator // one per segment
	// starts holds the first document number of each segment, as the snapshot numbers
	// documents: each segment's count (deleted documents too) after the last.
	starts []uint64
	// The current document (moved is false before the first) and its figures: set by at.
	num   uint64
	moved bool
	freq  uint64
	norm  float64
	locs  []wordAt
}

// wordAt is one location of the word, with its place read out once: a phrase compares
// places many times.
type wordAt struct {
	array []uint64 // the field value it is in (ArrayPositions)
	pos   uint64
	loc   segment.Location
}

// newWordPositions opens term's postings in field in every segment of a snapshot (segs),
// its deleted documents left out.
func newWordPositions(segs []*scorch.SegmentSnapshot, field, term string) (*wordPositions, error) {
	w := &wordPositions{iters: make([]segment.PostingsIterator, len(segs)), starts: make([]uint64, len(segs))}
	var next uint64
	for i, s := range segs {
		w.starts[i] = next
		next += uint64(s.FullSize())
		dict, err := s.Segment().Dictionary(field)
		if err != nil {
			return nil, err
		}
		pl, err := dict.PostingsList([]byte(term), s.Deleted(), nil)
		if err != nil {
			return nil, err
		}
		w.iters[i] = pl.Iterator(true, true, true, nil)
	}
	return w, nil
}

// at moves to document num, which must hold the word and come after the document it was
// last moved to.
func (w *wordPositions) at(num uint64) error {
	if w.moved && num <= w.num {
		return fmt.Errorf("document %d is not after %d: the locations are read forward only", num, w.num)
	}
	w.num, w.moved = num, true
	seg := sort.Search(len(w.starts), func(i int) bool { return w.starts[i] > num }) - 1
	if seg < 0 {
		return fmt.Errorf("document %d is in no segment", num)
	}
	local := num - w.starts[seg]
	p, err := w.iters[seg].Advance(local)
	if err != nil {
		return err
	}
	if p == nil || p.Number() != local {
		return fmt.Errorf("no locations in document %d, which holds the word", num)
	}
	w.freq, w.norm = p.Frequency(), p.Norm()
	w.locs = w.locs[:0]
	for _, l := range p.Locations() {
		w.locs = append(w.locs, wordAt{array: l.ArrayPositions(), pos: l.Pos(), loc: l})
	}
	if !slices.IsSortedFunc(w.locs, compareAt) {
		slices.SortFunc(w.locs, compareAt)
	}
	return nil
}

func (w *wordPositions) size() int {
	n := size.SizeOfSlice*3 + len(w.starts)*size.SizeOfUint64
	for _, it := range w.iters {
		n += it.Size()
	}
	return n
}

// compareAt orders locations by the field value they are in, then by position.
func compareAt(a, b wordAt) int { return comparePlace(a, b.array, b.pos) }

// comparePlace compares location a with position pos in the field value at array.
func comparePlace(a wordAt, array []uint64, pos uint64) int {
	if c := search.ArrayPositions(a.array).Compare(array); c != 0 {
		return c
	}
	return cmp.Compare(a.pos, pos)
}
