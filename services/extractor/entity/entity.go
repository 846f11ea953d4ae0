// Package entity finds the named entities of court filings — parties, people, places,
// products, money, dates, docket numbers, case citations, statutes, courts and exhibit
// references — places each mention on its page, and merges the mentions of one entity
// under one canonical name.
//
// The legal types are found by patterns (reporter abbreviations from reporters-db looked
// up at word starts, then small regular expressions around each hit; docket, statute,
// money, date, court and exhibit expressions). Organisations, people and places are
// found by a statistical tagger (package ner: an averaged perceptron over BIO tags,
// trained by scripts/train-ner on annotated text nobody here wrote and on the filing
// gold set), then made consistent over the document: one name keeps one type (a vote
// over its mentions, where a corporate suffix decides), surnames, defined terms
// ("(the “Panel”)") and acronyms resolve to their antecedents, and the names the source
// gives for the document keep the type it gives. A few rules that the cross-validation
// in ner/EVAL.md measured to help stay around the tagger (names.go): a name ends with a
// short line, "X and Y" is two names, a suffix joins a company's name, the city and
// state of an address line are places, a role alone is no name. Products are a few
// rules (a system named before "account", "filer", "API"). Nothing lists the names of
// particular parties: it must find names it has never seen.
//
// The stage must keep up with PDF text extraction, so no expression runs over a whole
// page: each is triggered by literal words found in one pass and runs anchored near them
// (scan.go), and the address rules are written out by hand. reference_test.go checks
// them against the whole-page expressions they replace.
package entity

import (
	"context"
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// Known is a name the source gives for a document (a docket party, attorney, firm or
// judge); the recogniser uses it as a per-document lexicon.
type Known struct {
	Type filing.EntityType
	Name string
}

// Options configures a Recognizer.
type Options struct {
	// Aliases maps a canonical name to other names of the same entity ("Acme Holdings":
	// ["Acme", "AHI"]), as loaded by LoadAliases from the user's alias file. Mentions
	// of an alias are merged under the canonical name.
	Aliases map[string][]string
	// Known is a lexicon applied to every document, in addition to Recognize's known.
	Known []Known
	// Model is the tagger of names; nil is the embedded model (data/ner.model).
	Model *ner.Model
}

// Recognizer finds entities. It is built once by New and is safe for concurrent use.
// New is cheap: the model and the pattern tables load on the first Recognize, once per
// process, so that a process that never extracts never pays for them.
type Recognizer struct {
	model   func() (*ner.Model, error)
	aliases map[string]string // folded alias → canonical
	known   []Known
	taggers sync.Pool // *ner.Tagger: a tagger's buffers serve one document at a time
}

// The embedded model, trained by scripts/train-ner; see data/SOURCES.md.
var (
	//go:embed data/ner.model
	nerModel []byte

	defaultModel = sync.OnceValues(func() (*ner.Model, error) { return ner.Load(nerModel) })
)

// New returns a Recognizer.
func New(opt Options) (*Recognizer, error) {
	r := &Recognizer{
		model:   defaultModel,
		aliases: map[string]string{},
		known:   append([]Known(nil), opt.Known...),
	}
	if m := opt.Model; m != nil {
		r.model = func() (*ner.Model, error) { return m, nil }
	}
	for canon, als := range opt.Aliases {
		r.aliases[fold(canon)] = canon
		for _, a := range als {
			r.aliases[fold(a)] = canon
		}
	}
	return r, nil
}

// Version names what finds the entities, for a document's extractor version: the
// tagger's model ("ner-1a2b3c4d5e6f"), so that re-extraction can bring documents
// recognised by an older model up to date.
func (r *Recognizer) Version() string {
	m, err := r.model()
	if err != nil {
		return "ner-invalid"
	}
	return m.Version()
}

// takenBufs are resolveOver's masks, a byte per byte of a page.
var takenBufs = sync.Pool{New: func() any { return new([]bool) }}

// tokenBufs keeps the buffers of documents' words from one document to the next: they
// are the recogniser's largest allocation (24 bytes a word).
var tokenBufs = sync.Pool{New: func() any { return new([]ner.Token) }}

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
// for this document. It stops early, returning what it has, when ctx is done. Should the
// embedded model not load (a build error), it finds the pattern types only.
func (r *Recognizer) Recognize(ctx context.Context, pages []filing.Page, known []Known) []filing.Entity {
	doc := newDocState(r, append(append([]Known(nil), r.known...), known...))
	// The pages' words, tokenized once: the document's context is read from all of
	// them before the first page is tagged.
	starts := make([]int, len(pages)+1)
	if m, err := r.model(); err == nil {
		tg, _ := r.taggers.Get().(*ner.Tagger)
		if tg == nil || tg.Model() != m {
			tg = m.NewTagger()
		}
		defer r.taggers.Put(tg)
		doc.tagger = tg
		buf := tokenBufs.Get().(*[]ner.Token)
		defer func() { *buf = doc.toks[:0]; tokenBufs.Put(buf) }()
		doc.toks = (*buf)[:0]
		for i, p := range pages {
			from := len(doc.toks)
			doc.toks = ner.Tokenize(doc.toks, p.Text)
			doc.context.AddText(p.Text, doc.toks[from:])
			starts[i+1] = len(doc.toks)
		}
	}
	perPage := make([][]span, len(pages))
	for i, p := range pages {
		if ctx.Err() != nil {
			break
		}
		perPage[i] = r.page(p.Text, doc.toks[starts[i]:starts[i+1]], doc)
	}
	// One name keeps one type within the document, and a name the document mostly
	// leaves untagged is none.
	doc.vote(pages, perPage)
	doc.forgetRare(pages, perPage)
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

// page runs every recogniser over one page's text, whose words are toks.
func (r *Recognizer) page(text string, toks []ner.Token, doc *docState) []span {
	masked := stampRanges(text)
	h := pageHits(triggerOnce().scan(text))
	var out []span
	out = append(out, patternSpans(text, h)...)
	out = append(out, reportersOnce().find(text, h)...)
	out = append(out, courtSpans(text, h)...)
	out = resolve(dropMasked(out, masked))
	// The names are guesses of a lower priority than every pattern: they fit around the
	// patterns, which stand as they are.
	return resolveOver(out, dropMasked(r.names(text, toks, out, doc), masked))
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
	tb := takenBufs.Get().(*[]bool)
	defer takenBufs.Put(tb)
	if cap(*tb) < n {
		*tb = make([]bool, n)
	}
	taken := (*tb)[:n]
	clear(taken)
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
	return trimCorpSuffixes(strings.TrimPrefix(string(b), "the "))
}

// trimCorpSuffixes drops the folded legal-form suffixes ending f: "acme widgets co inc"
// becomes "acme widgets".
func trimCorpSuffixes(f string) string {
	for {
		i := strings.LastIndexByte(f, ' ')
		if i < 0 || !corpSuffix[f[i+1:]] {
			return f
		}
		f = f[:i]
	}
}

// corpSuffix lists the folded legal-form suffixes that do not distinguish entities.
var corpSuffix = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "corp": true, "corporation": true,
	"co": true, "lp": true, "llp": true, "pllc": true, "pa": true, "pc": true, "ltd": true,
	"limited": true, "ab": true, "ag": true, "gmbh": true, "sa": true, "plc": true, "nv": true,
	"bv": true, "lllp": true,
}
