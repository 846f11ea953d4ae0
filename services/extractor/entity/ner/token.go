package ner

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is a word or a punctuation sign of a text: its byte range, and the number of
// the line it stands on (a sentence, for annotated data: the unit whose capitalisation
// tells a heading from prose).
type Token struct {
	Start, End int
	Line       int
}

// Tokenize splits text the way the annotated data is split: words (with their inner
// hyphens and apostrophes, "U.S." and abbreviations with their dot), numbers, a
// possessive "'s" apart from its word, and every other sign on its own. It appends to
// out, which it returns.
func Tokenize(out []Token, text string) []Token {
	line := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c == '\n' {
			line++
			i++
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		r, w := rune(c), 1
		if c >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case isDigitByte(c):
			e := numberEnd(text, i)
			out = append(out, Token{i, e, line})
			i = e
		case c < utf8.RuneSelf && isLetterByte(c) || c >= utf8.RuneSelf && unicode.IsLetter(r):
			e := wordEnd(text, i)
			if p := possessive(text[i:e]); p > 0 {
				out = append(out, Token{i, e - p, line}, Token{e - p, e, line})
			} else {
				out = append(out, Token{i, e, line})
			}
			i = e
		default:
			if unicode.IsSpace(r) {
				i += w
				continue
			}
			out = append(out, Token{i, i + w, line})
			i += w
		}
	}
	return out
}

func isDigitByte(c byte) bool  { return c >= '0' && c <= '9' }
func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// numberEnd ends a number: digits, with "," and "." between digits, then letters ("3d").
func numberEnd(text string, i int) int {
	j := i + 1
	for j < len(text) {
		if isDigitByte(text[j]) {
			j++
		} else if (text[j] == ',' || text[j] == '.' || text[j] == '-') && j+1 < len(text) && isDigitByte(text[j+1]) {
			j += 2
		} else {
			break
		}
	}
	for j < len(text) && isLetterByte(text[j]) {
		j++
	}
	return j
}

// wordEnd ends a word: letters and digits, with "-", "'", "’" and "&" between them
// ("AT&T", "O'Neil"), and "." inside initials ("U.S."); a final "." stays with an
// initial, an abbreviation or a word with inner dots.
func wordEnd(text string, i int) int {
	j := i
	letters := 0
	for j < len(text) {
		c := text[j]
		if c < utf8.RuneSelf {
			if isLetterByte(c) || isDigitByte(c) {
				j++
				letters++
				continue
			}
			if (c == '-' || c == '\'' || c == '&') && j+1 < len(text) && isAlnumAt(text, j+1) {
				j++
				continue
			}
			if c == '.' && letters == 1 && j+2 < len(text) && isLetterByte(text[j+1]) && text[j+2] == '.' {
				j++
				letters = 0
				continue
			}
			break
		}
		r, w := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			j += w
			letters++
			continue
		}
		if r == '’' && isAlnumAt(text, j+w) {
			j += w
			continue
		}
		break
	}
	if j < len(text) && text[j] == '.' {
		wd := text[i:j]
		var buf [16]byte
		lw, ascii := lowerASCII(buf[:0], wd)
		if j-i == 1 || strings.IndexByte(wd, '.') >= 0 || ascii && abbrevs[string(lw)] {
			j++
		}
	}
	return j
}

func isAlnumAt(text string, j int) bool {
	if j >= len(text) {
		return false
	}
	if c := text[j]; c < utf8.RuneSelf {
		return isLetterByte(c) || isDigitByte(c)
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// possessive returns the length of a word's possessive ending ("'s", "’s"), or 0.
func possessive(w string) int {
	if c := w[len(w)-1]; c != 's' && c != 'S' || len(w) < 3 {
		return 0
	}
	for _, p := range []string{"'s", "’s", "'S", "’S"} {
		if len(w) > len(p) && strings.HasSuffix(w, p) {
			return len(p)
		}
	}
	return 0
}

// abbrevs are the words whose final dot belongs to them.
var abbrevs = setOf("inc", "corp", "co", "ltd", "jr", "sr", "mr", "mrs", "ms", "dr", "st", "no", "nos", "v", "vs",
	"bros", "hon", "esq", "prof", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "mt", "ft", "ave", "blvd",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "dept", "assn", "intl", "cir",
	"supp", "ex", "etc", "al", "cf", "id")

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
