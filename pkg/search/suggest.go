package search

import (
	"sort"
	"strings"
)

// MergeSuggestions adds up the suggestions of several shards (or one) by word and term,
// keeps the best few of each word (fewest edits, then most documents) and returns them
// with the query q rewritten with each word's best: its "did you mean". A suggestion of
// no edits says a shard holds the word as typed: that word is left as it is, whatever
// other shards suggest, and stays in the list alone so that a later merge knows it too.
func MergeSuggestions(q string, parts ...[]Suggestion) ([]Suggestion, string) {
	type key struct {
		pos  int
		term string
	}
	sum := map[key]*Suggestion{}
	var all []*Suggestion
	for _, p := range parts {
		for _, s := range p {
			k := key{s.Pos, s.Term}
			if have := sum[k]; have != nil {
				have.Docs += s.Docs
				continue
			}
			c := s
			sum[k] = &c
			all = append(all, &c)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Pos != b.Pos {
			return a.Pos < b.Pos
		}
		if a.Edits != b.Edits {
			return a.Edits < b.Edits
		}
		if a.Docs != b.Docs {
			return a.Docs > b.Docs
		}
		return a.Term < b.Term
	})
	const perWord = 3
	var out []Suggestion
	var b strings.Builder
	at, n := 0, 0
	for i, s := range all {
		if i > 0 && all[i-1].Pos == s.Pos {
			if n++; n >= perWord || all[i-1].Edits == 0 {
				continue
			}
		} else {
			n = 0
			if s.Edits > 0 && s.Pos >= at && s.Pos+len(s.Word) <= len(q) && q[s.Pos:s.Pos+len(s.Word)] == s.Word {
				b.WriteString(q[at:s.Pos])
				b.WriteString(s.Term)
				at = s.Pos + len(s.Word)
			}
		}
		out = append(out, *s)
		if s.Edits == 0 {
			n = perWord // known: nothing else of this word
		}
	}
	if at == 0 {
		return out, ""
	}
	b.WriteString(q[at:])
	return out, b.String()
}
