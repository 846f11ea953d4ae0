// Package entity finds the named entities of court filings — parties, people, places,
// products, money, dates, docket numbers, case citations, statutes, courts and exhibit
// references — places each mention on its page, and merges the mentions of one entity
// under one canonical name.
//
// The legal types are found by patterns (reporter abbreviations from reporters-db through
// Aho-Corasick, then small regular expressions around each hit; docket, statute, money,
// date, court and exhibit expressions). Organisations, people, places and products are
// found by a rule-based recogniser over runs of capitalised words: corporate suffixes and
// head nouns, a first-names lexicon, titles, captions ("X v. Y"), addresses and their
// firm lines, defined terms ("(the “Panel”)") and the names the source gives for the
// document. Nothing in it lists the names of particular parties: it must find names it
// has never seen.
//
// The stage must keep up with PDF text extraction, so no expression runs over a whole
// page: each is triggered by literal words found in one pass and runs anchored near them
// (scan.go), and the tokenizer and the address rules are written out by hand.
// reference_test.go checks both against the whole-page expressions they replace.
package entity

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Known is a name the source gives for a document (a docket party, attorney, firm or
// judge); the recogniser uses it as a per-document lexicon.
type Known struct {
	Type filing.EntityType
	Name string
}

// Options configures a Recognizer.
type Options struct {
	// Aliases maps a canonical name to other names of the same entity ("Meta Platforms":
	// ["Facebook", "Meta"]), as loaded by LoadAliases from the user's alias file. Mentions
	// of an alias are merged under the canonical name.
	Aliases map[string][]string
	// Known is a lexicon applied to every document, in addition to Recognize's known.
	Known []Known
}

// Recognizer finds entities. It is built once by New and is safe for concurrent use.
type Recognizer struct {
	cites   *citationFinder
	first   map[string]bool
	aliases map[string]string // folded alias → canonical
	known   []Known
}

// New builds a Recognizer, loading the embedded lexicons.
func New(opt Options) (*Recognizer, error) {
	r := &Recognizer{
		first:   firstNames(),
		aliases: map[string]string{},
		known:   append([]Known(nil), opt.Known...),
	}
	c, err := newCitationFinder()
	if err != nil {
		return nil, err
	}
	r.cites = c
	triggerOnce()
	for canon, als := range opt.Aliases {
		r.aliases[fold(canon)] = canon
		for _, a := range als {
			r.aliases[fold(a)] = canon
		}
	}
	return r, nil
}

// span is one candidate mention on one page.
type span struct {
	typ        filing.EntityType
	start, end int
	prio       int
}

// Priorities settle overlaps: a pattern match beats a capitalisation guess.
const (
	prioName    = 1
	prioCourt   = 2
	prioPattern = 3
)

// Recognize finds the entities in a document's pages, merged per canonical name, with
// mentions (page, byte offsets into that page's Text). known are names the source gives
// for this document. It stops early, returning what it has, when ctx is done.
func (r *Recognizer) Recognize(ctx context.Context, pages []filing.Page, known []Known) []filing.Entity {
	doc := newDocState(r, append(append([]Known(nil), r.known...), known...))
	perPage := make([][]span, len(pages))
	for i, p := range pages {
		if ctx.Err() != nil {
			break
		}
		perPage[i] = r.page(p.Text, doc)
	}
	// Second pass: names learnt anywhere in the document (a party in the caption, a
	// defined term) are found again wherever they recur.
	rf := doc.recurFinder()
	for i, p := range pages {
		if ctx.Err() != nil {
			break
		}
		perPage[i] = resolveOver(perPage[i], doc.recur(rf, p.Text, perPage[i]))
	}
	return doc.merge(pages, perPage)
}

// page runs every recogniser over one page's text.
func (r *Recognizer) page(text string, doc *docState) []span {
	masked := stampRanges(text)
	h := pageHits(triggerOnce().scan(text))
	var out []span
	out = append(out, patternSpans(text, h)...)
	out = append(out, r.cites.find(text, h)...)
	out = append(out, courtSpans(text, h)...)
	out = resolve(dropMasked(out, masked))
	// The names are guesses of a lower priority than every pattern: they fit around the
	// patterns, which stand as they are.
	return resolveOver(out, dropMasked(r.names(text, out, doc), masked))
}

func dropMasked(ss []span, masked [][2]int) []span {
	if len(masked) == 0 {
		return ss
	}
	out := ss[:0]
	for _, s := range ss {
		hit := false
		for _, m := range masked {
			if s.start < m[1] && s.end > m[0] {
				hit = true
				break
			}
		}
		if !hit {
			out = append(out, s)
		}
	}
	return out
}

// resolve keeps, of overlapping spans, the one with the highest priority, then the
// longest, then the earliest.
func resolve(ss []span) []span { return resolveOver(nil, ss) }

// resolveOver is resolve of kept and ss together, where kept are already resolved and
// outrank every span of ss (or do not overlap them): kept stand, and each span of ss is
// kept if it overlaps none of them, in resolve's order.
func resolveOver(kept, ss []span) []span {
	if len(ss) == 0 {
		return kept
	}
	slices.SortStableFunc(ss, func(a, b span) int {
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return lb - la
		}
		return a.start - b.start
	})
	// taken marks the bytes of the kept spans, so that each overlap test costs the
	// span's length rather than the number of spans kept.
	n := 0
	for _, s := range ss {
		n = max(n, s.end)
	}
	taken := make([]bool, n)
	for _, s := range kept {
		for k := max(0, s.start); k < min(n, s.end); k++ {
			taken[k] = true
		}
	}
	out := append(make([]span, 0, len(kept)+len(ss)), kept...)
next:
	for _, s := range ss {
		if s.end <= s.start || s.start < 0 {
			continue
		}
		for k := s.start; k < s.end; k++ {
			if taken[k] {
				continue next
			}
		}
		for k := s.start; k < s.end; k++ {
			taken[k] = true
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return out
}

// fold is the comparison form of a name: lower case, punctuation and spacing folded,
// corporate suffixes and a leading "the" dropped, so that "Meta Platforms, Inc." and
// "META PLATFORMS INC" compare equal.
func fold(s string) string {
	b := make([]byte, 0, len(s)+4)
	space := false
	word := func() {
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'A' && c <= 'Z':
				word()
				b = append(b, c+'a'-'A')
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				word()
				b = append(b, c)
			case c == '&':
				if len(b) > 0 {
					b = append(b, ' ')
				}
				b = append(b, "and"...)
				space = true
			case c == '.' || c == '\'':
				// "C.R." = "C. R." = "CR"; "O'Brien" = "OBrien".
			default:
				space = true
			}
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		switch r {
		case '’':
		case '“', '”':
			space = true
		default:
			word()
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
	}
	f := strings.TrimPrefix(string(b), "the ")
	for {
		i := strings.LastIndexByte(f, ' ')
		if i < 0 || !corpSuffix[f[i+1:]] {
			break
		}
		f = f[:i]
	}
	return f
}

// corpSuffix lists the folded legal-form suffixes that do not distinguish entities.
var corpSuffix = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "corp": true, "corporation": true,
	"co": true, "lp": true, "llp": true, "pllc": true, "pa": true, "pc": true, "ltd": true,
	"limited": true, "ab": true, "ag": true, "gmbh": true, "sa": true, "plc": true, "nv": true,
	"bv": true, "lllp": true,
}
