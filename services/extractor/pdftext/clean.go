package pdftext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"golang.org/x/text/unicode/norm"
)

// finishPage turns a laid-out page into a filing.Page: text normalised (NFKC, no soft
// hyphens or control characters), words hyphenated at a line end rejoined, and the ECF
// stamp moved from the text into Stamp.
func finishPage(number int, lines []string, vocab map[string]bool) filing.Page {
	lines = dehyphenate(lines, vocab)
	text := strings.Join(lines, "\n")
	p := filing.Page{Number: number}
	if _, start, end, ok := filing.ParseStamp(text); ok {
		p.Stamp = strings.Join(strings.Fields(text[start:end]), " ")
		text = text[:start] + text[end:]
	}
	p.Text = strings.TrimSpace(collapseBlankLines(text))
	return p
}

// normalise applies NFKC (ligatures, full-width forms), turns the no-break space into a
// space, keeps a soft hyphen only at the end of a line (where it marks a break that
// dehyphenate rejoins) and drops control characters.
func normalise(s string) string {
	if plainASCII(s) {
		return s
	}
	s = norm.NFKC.String(s)
	trailingSoft := strings.HasSuffix(s, "\u00ad")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u00ad', r == '\uFFFD', r == '\u200b', r == '\ufeff':
			continue
		case r == '\t', r == '\u00a0', r == '\u2002', r == '\u2003', r == '\u2009':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			continue
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimRight(b.String(), " ")
	if trailingSoft {
		out += "\u00ad"
	}
	return out
}

// plainASCII reports whether s is printable ASCII not ending in a space, which
// normalise returns as it is.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return len(s) == 0 || s[len(s)-1] != ' '
}

// normaliseLines normalises each line of a laid-out page.
func normaliseLines(pl pageLayout) []string {
	lines := make([]string, 0, len(pl.lines))
	for _, l := range pl.lines {
		lines = append(lines, normalise(l))
	}
	return lines
}

// addVocabulary adds the lowercased words of lines to vocab, for dehyphenate to tell a
// compound ("cross-border") from a word broken across lines ("Okla-homa").
// Fragments around a line-end hyphen are left out: they are what is being judged.
func addVocabulary(vocab map[string]bool, lines []string) {
	afterHyphen := false
	for _, l := range lines {
		first, prev := true, ""
		add := func(w string, last bool) {
			if (first && afterHyphen) || (last && (strings.HasSuffix(w, "-") || strings.HasSuffix(w, "\u00ad"))) {
				return
			}
			w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
			if w != "" && len(w) < 64 {
				vocab[strings.ToLower(w)] = true
			}
		}
		// Each word is added once the next is seen, to know the line's last word.
		for w := range strings.FieldsSeq(l) {
			if prev != "" {
				add(prev, false)
				first = false
			}
			prev = w
		}
		if prev != "" {
			add(prev, true)
		}
		afterHyphen = strings.HasSuffix(l, "-") || strings.HasSuffix(l, "\u00ad")
	}
}

// dehyphenate rejoins a word split at a line end. It joins only a letters-only fragment
// followed by a lowercase continuation, so docket numbers ("3:21-cv-" + "03977") and
// hyphenated names ("Smith-" + "Jones") keep their line break and hyphen. The hyphen
// stays, with the halves joined on one line, when the document uses both halves as
// words of their own and never the closed form ("contract-law", "cross-border").
func dehyphenate(lines []string, vocab map[string]bool) []string {
	for i := 0; i+1 < len(lines); i++ {
		cur := lines[i]
		soft := strings.HasSuffix(cur, "\u00ad")
		if !soft && !strings.HasSuffix(cur, "-") {
			continue
		}
		body := strings.TrimSuffix(strings.TrimSuffix(cur, "\u00ad"), "-")
		frag := body[strings.LastIndexByte(body, ' ')+1:]
		next := strings.TrimLeft(lines[i+1], " ")
		head, rest, _ := strings.Cut(next, " ")
		if !isLetters(frag) || head == "" {
			if soft {
				lines[i] = body
			}
			continue
		}
		r, _ := utf8.DecodeRuneInString(head)
		if !unicode.IsLower(r) {
			if soft {
				lines[i] = body
			}
			continue
		}
		joined := frag + head
		if !soft {
			bare := strings.ToLower(strings.TrimRightFunc(head, func(r rune) bool { return !unicode.IsLetter(r) }))
			f := strings.ToLower(frag)
			if len(f) >= 3 && len(bare) >= 3 && vocab[f] && vocab[bare] && !vocab[f+bare] {
				joined = frag + "-" + head
			}
		}
		lines[i] = body[:len(body)-len(frag)] + joined
		lines[i+1] = rest
	}
	return lines
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func collapseBlankLines(s string) string {
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s
}
