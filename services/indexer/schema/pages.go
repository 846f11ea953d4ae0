package schema

import (
	"strconv"
	"strings"
)

// PageStart is where a page begins in a document's joined text, and its number.
type PageStart struct{ Offset, Number int }

// PageStarts are a document's pages in text order, read back from FieldPageStarts.
type PageStarts []PageStart

// ParsePageStarts reads FieldPageStarts ("0,1834,4120@7"); a malformed value gives none,
// so that matches are reported without a page rather than on a wrong one.
func ParsePageStarts(s string) PageStarts {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make(PageStarts, 0, len(parts))
	for i, p := range parts {
		off, num, hasNum := strings.Cut(p, "@")
		n, err := strconv.Atoi(off)
		if err != nil {
			return nil
		}
		ps := PageStart{Offset: n, Number: i + 1}
		if hasNum {
			if ps.Number, err = strconv.Atoi(num); err != nil {
				return nil
			}
		}
		out = append(out, ps)
	}
	return out
}

// At returns the number of the page holding byte offset off (0 if none) and that page's
// [start, end) bytes in a text of length textLen, the separator after it excluded: the
// span a snippet of a match on that page must stay within.
func (ps PageStarts) At(off, textLen int) (int, [2]int) {
	i := -1
	for j, s := range ps {
		if s.Offset > off {
			break
		}
		i = j
	}
	if i < 0 {
		return 0, [2]int{0, textLen}
	}
	end := textLen
	if i+1 < len(ps) {
		end = ps[i+1].Offset - len(PageSeparator)
	}
	start := ps[i].Offset
	end = min(max(end, start), textLen)
	return ps[i].Number, [2]int{min(start, end), end}
}
