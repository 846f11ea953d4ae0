package schema

import (
	"html"
	"sort"
	"strings"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// SnippetWidth is the length in bytes of the text around the densest matches.
const SnippetWidth = 240

// MatchOffsets flattens term locations into sorted, distinct [start,end) byte ranges.
func MatchOffsets(maps ...bsearch.TermLocationMap) [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	for _, terms := range maps {
		for _, locs := range terms {
			for _, l := range locs {
				r := [2]int{int(l.Start), int(l.End)}
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Densest returns the index of the match that starts the window of width bytes holding
// the most matches, and how many it holds: where a snippet is cut.
func Densest(locs [][2]int, width int) (int, int) {
	best, bestN, j := 0, 0, 0
	for i := range locs {
		for j < len(locs) && locs[j][0] < locs[i][0]+width {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	return best, bestN
}

// Snippet cuts up to SnippetWidth bytes of text around the match at index at, within span
// (the [start, end) bytes of the match's page: a hit on page 2 never quotes page 1), marks
// every match in it with <mark>, and escapes the rest as HTML. Search hits and alerts both
// show these.
func Snippet(text string, span [2]int, locs [][2]int, at int) string {
	span = [2]int{max(0, span[0]), min(len(text), span[1])}
	if len(locs) == 0 || span[0] >= span[1] {
		return html.EscapeString(Trim(text[span[0]:max(span[0], span[1])], SnippetWidth))
	}
	from := max(span[0], locs[at][0]-SnippetWidth/4)
	to := min(span[1], from+SnippetWidth)
	from, to = max(span[0], RuneStart(text, from)), RuneStart(text, to)
	var b strings.Builder
	if from > span[0] {
		b.WriteString("…")
	}
	pos := from
	for _, l := range locs[at:] {
		if l[0] >= to {
			break
		}
		if l[0] < pos {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:l[0]]))
		b.WriteString("<mark>" + html.EscapeString(text[l[0]:min(l[1], to)]) + "</mark>")
		pos = min(l[1], to)
	}
	if pos < to {
		b.WriteString(html.EscapeString(text[pos:to]))
	}
	if to < span[1] {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func RuneStart(s string, i int) int {
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i--
	}
	return i
}

func Trim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:RuneStart(s, n)] + "…"
}
