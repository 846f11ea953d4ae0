package docmeta

import (
	"slices"

	"github.com/docketwatch/docketwatch/services/extractor/internal/ahocorasick"
)

// literalFilter picks the patterns worth running on a caption: those whose literals all
// occur in it. A strings.Contains per pattern (5,500 a caption) was 80% of docmeta's
// caption reading in an ingest's profile (issue #21); instead one pass of an automaton
// over the caption finds which of the table's 5,100 distinct literals it holds, and a
// pattern is looked at only when its key literal, the one fewest patterns share, is among
// them. Indexing patterns by whole words or word prefixes left hundreds to look at,
// since most patterns' only whole word is "court" or "district".
type literalFilter struct {
	literals *ahocorasick.Automaton
	// keyed[keyStart[l]:keyStart[l+1]] are the patterns keyed by literal l, ascending.
	keyStart []int32
	keyed    []int32
	always   []int32 // the patterns without literals
}

// newLiteralFilter indexes patterns by their literals, indices into literals (distinct).
func newLiteralFilter(literals []string, patterns []pattern) (literalFilter, error) {
	a, err := ahocorasick.New(literals)
	if err != nil {
		return literalFilter{}, err
	}
	f := literalFilter{literals: a, keyStart: make([]int32, len(literals)+1)}
	uses := make([]int32, len(literals))
	for i := range patterns {
		for _, l := range patterns[i].literals {
			uses[l]++
		}
	}
	keys := make([]int32, len(patterns))
	for i := range patterns {
		keys[i] = -1
		for _, l := range patterns[i].literals {
			if keys[i] < 0 || uses[l] < uses[keys[i]] {
				keys[i] = l
			}
		}
		if keys[i] < 0 {
			f.always = append(f.always, int32(i))
			continue
		}
		f.keyStart[keys[i]+1]++
	}
	for l := range literals {
		f.keyStart[l+1] += f.keyStart[l]
	}
	f.keyed = make([]int32, f.keyStart[len(literals)])
	next := slices.Clone(f.keyStart[:len(literals)])
	for i, k := range keys {
		if k >= 0 {
			f.keyed[next[k]] = int32(i)
			next[k]++
		}
	}
	return f, nil
}

// appendCandidates appends to dst, ascending, the index of every pattern whose literals
// all occur in lower.
func (f *literalFilter) appendCandidates(dst []int32, patterns []pattern, lower string) []int32 {
	var buf [64]int32
	found := f.literals.AppendFound(buf[:0], lower)
	slices.Sort(found)
	found = slices.Compact(found)
	start := len(dst)
	dst = append(dst, f.always...)
	for _, k := range found {
	next:
		for _, i := range f.keyed[f.keyStart[k]:f.keyStart[k+1]] {
			for _, l := range patterns[i].literals {
				if _, ok := slices.BinarySearch(found, l); !ok {
					continue next
				}
			}
			dst = append(dst, i)
		}
	}
	slices.Sort(dst[start:])
	return dst
}
