package search

import (
	"sort"
)

// merge combines the answers of several shards to one query: hits in the query's order
// (by their cursors), totals and facet counts summed.
func merge(q Query, results []*Result) *Result {
	q, _ = q.Normalize()
	out := &Result{Hits: []Hit{}}
	var hits []Hit
	more := false
	for _, r := range results {
		out.Total += r.Total
		out.Took = max(out.Took, r.Took)
		hits = append(hits, r.Hits...)
		more = more || r.Next != ""
	}
	cursors := make([]Cursor, len(hits))
	for i, h := range hits {
		cursors[i], _ = DecodeCursor(h.Cursor)
	}
	idx := make([]int, len(hits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return CompareCursors(cursors[idx[a]], cursors[idx[b]]) < 0 })
	for _, i := range idx[:min(len(idx), q.Limit)] {
		out.Hits = append(out.Hits, hits[i])
	}
	if len(out.Hits) > 0 && (more || len(hits) > len(out.Hits)) {
		out.Next = out.Hits[len(out.Hits)-1].Cursor
	}
	out.Facets = mergeFacets(q, results)
	if out.Total == 0 {
		parts := make([][]Suggestion, len(results))
		for i, r := range results {
			parts[i] = r.Suggestions
		}
		out.Suggestions, out.DidYouMean = MergeSuggestions(q.Q, parts...)
	}
	return out
}

func mergeFacets(q Query, results []*Result) map[string]Facet {
	if len(q.Facets) == 0 {
		return nil
	}
	size := q.FacetSize // Normalize gave it its default
	out := map[string]Facet{}
	for _, name := range q.Facets {
		counts := map[string]int{}
		labels := map[string]string{}
		var f Facet
		for _, r := range results {
			rf, ok := r.Facets[name]
			if !ok {
				continue
			}
			f.Total += rf.Total
			f.Missing += rf.Missing
			for _, t := range rf.Terms {
				counts[t.Term] += t.Count
				labels[t.Term] = t.Label
			}
		}
		for term, n := range counts {
			f.Terms = append(f.Terms, FacetTerm{Term: term, Label: labels[term], Count: n})
		}
		sort.Slice(f.Terms, func(a, b int) bool {
			if f.Terms[a].Count != f.Terms[b].Count {
				return f.Terms[a].Count > f.Terms[b].Count
			}
			return f.Terms[a].Term < f.Terms[b].Term
		})
		f.Terms = f.Terms[:min(len(f.Terms), size)]
		kept := 0
		for _, t := range f.Terms {
			kept += t.Count
		}
		// bleve's Total counts values (not hits without one), so what is not kept is Other.
		f.Other = max(f.Total-kept, 0)
		out[name] = f
	}
	return out
}
