// Package entity finds the named entities of court filings — parties, people, places,
// products, money, dates, docket numbers, case citations, statutes, courts and exhibit
// references — places each mention on its page, and merges the mentions of one entity
// under one canonical name.
//
// The legal types are found by patterns (reporter abbreviations from reporters-db through
// Aho-Corasick, then small regular expressions around each hit; docket, statute, money,
// date, court and exhibit expressions). Organisations, people, places and products are
// found by a rule-based recogniser over runs of capitalised words: corporate suffixes and
// head nouns, a first-names lexicon, titles, captions ("X v. Y"), addresses, defined terms
// ("(the “Panel”)") and the names the source gives for the document. Nothing in it lists
// the names of particular parties: it must find names it has never seen.
package entity

import (
	"context"
	"sort"
	"strings"

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
	// canon, when set, names the entity this mention belongs to (an alias's antecedent).
	canon string
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
	for i, p := range pages {
		if ctx.Err() != nil {
			break
		}
		perPage[i] = resolve(append(perPage[i], doc.recur(p.Text, perPage[i])...))
	}
	return doc.merge(pages, perPage)
}

// page runs every recogniser over one page's text.
func (r *Recognizer) page(text string, doc *docState) []span {
	masked := stampRanges(text)
	var out []span
	out = append(out, patternSpans(text)...)
	out = append(out, r.cites.find(text)...)
	out = append(out, courtSpans(text)...)
	out = resolve(dropMasked(out, masked))
	out = append(out, r.names(text, out, doc)...)
	return resolve(dropMasked(out, masked))
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
func resolve(ss []span) []span {
	sort.SliceStable(ss, func(i, j int) bool {
		a, b := ss[i], ss[j]
		if a.prio != b.prio {
			return a.prio > b.prio
		}
		if a.end-a.start != b.end-b.start {
			return a.end-a.start > b.end-b.start
		}
		return a.start < b.start
	})
	var kept []span
	for _, s := range ss {
		if s.end <= s.start {
			continue
		}
		ok := true
		for _, k := range kept {
			if s.start < k.end && s.end > k.start {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, s)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	return kept
}

// fold is the comparison form of a name: lower case, punctuation and spacing folded,
// corporate suffixes and a leading "the" dropped, so that "Meta Platforms, Inc." and
// "META PLATFORMS INC" compare equal.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c > 127 && c != '’' && c != '“' && c != '”':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(c)
		case c == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = true
		case c == '.' || c == '\'' || c == '’':
			// "C.R." = "C. R." = "CR"; "O'Brien" = "OBrien".
		default:
			space = true
		}
	}
	f := strings.TrimPrefix(b.String(), "the ")
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
