package schema

import "strings"

// Word is a plain word of a query string: typed as a word, not an operator, a field's
// value, a phrase, a wildcard, a /regexp/ or a fuzzy~ term. Pos is its byte offset and
// Raw its text as typed, so that a correction can replace it in place.
type Word struct {
	Pos int
	Raw string
}

// PlainWords returns the plain words of query string s, the words a "did you mean" may
// correct; a query that does not lex has none.
func PlainWords(s string) []Word {
	toks, err := lex(s)
	if err != nil {
		return nil
	}
	var out []Word
	for i, t := range toks {
		if t.kind != tokWord || (i > 0 && toks[i-1].kind == tokField) {
			continue
		}
		if strings.ContainsAny(t.raw, `*?~^/\:`) {
			continue
		}
		out = append(out, Word{Pos: t.pos, Raw: t.raw})
	}
	return out
}
