package entity

import (
	"regexp/syntax"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Speed. Running each expression of the pattern recognisers over a whole page costs
// 1–30 MB/s per expression, and a page needs about thirty of them, while the PDF engine
// produces ~1.7 MB/s of text per core (870 pages/s of ~2 KB) and the entity stage must
// stay well clear of it. So every expression is a rule that names literal words one of
// which any of its matches must contain (its keys): one pass over the page's word starts
// finds all keys at once, and each expression then runs anchored at the few places near
// a key where a match could start. reference_test.go checks the result against the
// whole-page expressions.

// rule is one expression and the words that trigger it.
type rule struct {
	re *lazyRE
	// keys are the literal words; fold matches them without regard to ASCII case.
	keys []string
	fold bool
	// startWord and endWord drop a key with a word character just before or after it,
	// when the expression has \b there.
	startWord, endWord bool
	// digitBefore lists bytes that trigger the rule when a digit precedes them ("3:20-cv",
	// "04/15/24"), for expressions with no literal word.
	digitBefore string
	// accept, when set, filters those hits by what stands around them.
	accept func(text string, at int) bool
	// can, when set, rules out a place a match cannot start at, more cheaply than the
	// expression; it must never rule out a place where one can.
	can func(text string, p int) bool
	// back and fwd bound how far a match may reach before a key's start and after its end.
	back, fwd int

	id       int
	anchored *lazyRE // ^(?:re), compiled when the rule first triggers
	// midLine is anchored for a start inside a line, when re asserts a line start
	// ((?m:^)): on its own input, a match would see a line start at its first byte.
	midLine *lazyRE
	first   [256]bool // the bytes a match can start with
}

// keyRef ties a key to the rule it triggers.
type keyRef struct {
	rule *rule
	key  string
}

// trigger is the compiled set of all rules' keys. Every key stands at a word start in
// any match (the expressions open with \b and their words are apart) or opens with a
// sign ("$", "§", "#:"), so the keys are looked up only there, by their first two bytes
// in lower case; this ran at several times the speed of an Aho-Corasick pass.
type trigger struct {
	rules    []*rule
	byPrefix map[[2]byte][]keyRef // key[1] is 0 for a one-byte key
	bytes    string               // union of the rules' digitBefore bytes
}

// allRules lists every rule the page scanner triggers; see legal.go and citation.go.
func allRules() []*rule {
	rs := []*rule{docketRule, moneyRule, dateRule, exhibitRule, cueRule, otherCiteRule, neutralCiteRule, courtCodeRule}
	rs = append(rs, statuteRules...)
	rs = append(rs, courtRules...)
	return rs
}

var triggerOnce = sync.OnceValue(func() *trigger {
	t := &trigger{rules: allRules(), byPrefix: map[[2]byte][]keyRef{}}
	for i, r := range t.rules {
		r.id = i
		r.anchored = lazy(`^(?:` + r.re.String() + `)`)
		r.midLine = r.anchored
		if strings.Contains(r.re.String(), "(?m:^)") {
			r.midLine = lazy(`^(?:` + strings.ReplaceAll(r.re.String(), "(?m:^)", `[^\x00-\x{10FFFF}]`) + `)`)
		}
		r.first = startBytes(r.re.String())
		for _, k := range r.keys {
			p := [2]byte{lowerByte(k[0]), 0}
			if len(k) > 1 {
				p[1] = lowerByte(k[1])
			}
			t.byPrefix[p] = append(t.byPrefix[p], keyRef{rule: r, key: k})
		}
		for _, b := range []byte(r.digitBefore) {
			if strings.IndexByte(t.bytes, b) < 0 {
				t.bytes += string(b)
			}
		}
	}
	return t
})

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hit is where a rule was triggered: the key's byte range.
type hit struct{ s, e int }

// scan finds, for every rule, the places in text that trigger it.
func (t *trigger) scan(text string) [][]hit {
	hits := make([][]hit, len(t.rules))
	try := func(p int, refs []keyRef) {
		for _, ref := range refs {
			r, k := ref.rule, ref.key
			e := p + len(k)
			if e > len(text) {
				continue
			}
			if r.fold && !strings.EqualFold(text[p:e], k) || !r.fold && text[p:e] != k {
				continue
			}
			if r.endWord && e < len(text) && isWordByte(text[e]) || r.startWord && p > 0 && isWordByte(text[p-1]) {
				continue
			}
			hits[r.id] = append(hits[r.id], hit{p, e})
		}
	}
	for p := 0; p < len(text); p++ {
		c := text[p]
		if isWordByte(c) {
			if p > 0 && isWordByte(text[p-1]) {
				continue
			}
		} else if c != '$' && c != '#' && c != 0xC2 { // 0xC2 opens "§"
			continue
		} else {
			try(p, t.byPrefix[[2]byte{c, 0}])
		}
		if p+1 < len(text) {
			try(p, t.byPrefix[[2]byte{lowerByte(c), lowerByte(text[p+1])}])
		}
	}
	for _, b := range []byte(t.bytes) {
		for from := 0; from < len(text); {
			k := strings.IndexByte(text[from:], b)
			if k < 0 {
				break
			}
			at := from + k
			from = at + 1
			if at == 0 || text[at-1] < '0' || text[at-1] > '9' {
				continue
			}
			for _, r := range t.rules {
				if strings.IndexByte(r.digitBefore, b) >= 0 && (r.accept == nil || r.accept(text, at)) {
					hits[r.id] = append(hits[r.id], hit{at, at + 1})
				}
			}
		}
	}
	return hits
}

// maxStretch bounds how far the end of an anchored expression's input moves to reach
// the end of a word, and how much white space a rule's back reach skips.
const maxStretch = 512

// find returns the rule's matches in text, given its hits, as the expression's
// FindAllStringIndex over the whole text would: the leftmost match first, then the
// leftmost after its end. A match can only start at a word start at most back bytes
// before a key (every expression opens with \b and a word character) or at the key
// itself ("$", "#:"), so the expression runs anchored at those places only, on an input
// long enough to hold any match from there.
func (r *rule) find(text string, hits []hit) [][2]int {
	if len(hits) == 0 {
		return nil
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].s < hits[j].s })
	var out [][2]int
	next := 0 // every place before next is inside a match or was tried
	for _, h := range hits {
		for p := max(reachBack(text, h.s, r.back), next); p <= h.s; p++ {
			// A word start, or the key itself when it opens with a sign ("$", "§", "#:").
			if !r.first[text[p]] || p > 0 && isWordByte(text[p-1]) && isWordByte(text[p]) || p != h.s && !isWordByte(text[p]) {
				continue
			}
			if r.can != nil && !r.can(text, p) {
				continue
			}
			re := r.anchored
			if p > 0 && text[p-1] != '\n' {
				re = r.midLine
			}
			// h is the first key at or after p, so a match from p ends within fwd of it.
			m := re.FindStringIndex(ahead(text, p, h.e-p+r.fwd))
			if m == nil || m[1] == 0 {
				continue
			}
			out = append(out, [2]int{p, p + m[1]})
			p += m[1] - 1
			next = p + 1
		}
		next = max(next, h.s+1)
	}
	return out
}

// startBytes returns the set of bytes a match of the expression can start with, so that
// most places near a key are ruled out without running the expression.
func startBytes(expr string) [256]bool {
	var all [256]bool
	for i := range all {
		all[i] = true
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return all
	}
	set, nullable := firstOf(re)
	if nullable {
		return all
	}
	return set
}

// firstOf returns the first bytes of re's matches and whether re matches the empty string.
func firstOf(re *syntax.Regexp) (set [256]bool, nullable bool) {
	addRune := func(r rune) {
		var b [utf8.UTFMax]byte
		utf8.EncodeRune(b[:], r)
		set[b[0]] = true
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return set, false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return set, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return set, true
		}
		r := re.Rune[0]
		addRune(r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				addRune(f)
			}
		}
		return set, false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set[r] = true
			}
			if hi >= utf8.RuneSelf {
				for b := 0xC0; b < 0x100; b++ {
					set[b] = true
				}
			}
		}
		return set, false
	case syntax.OpCapture, syntax.OpPlus:
		return firstOf(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _ = firstOf(re.Sub[0])
		return set, true
	case syntax.OpRepeat:
		set, nullable = firstOf(re.Sub[0])
		return set, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n := firstOf(sub)
			for b, ok := range s {
				set[b] = set[b] || ok
			}
			if !n {
				return set, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n := firstOf(sub)
			for b, ok := range s {
				set[b] = set[b] || ok
			}
			nullable = nullable || n
		}
		return set, nullable
	}
	// Any character, or an operator not known here: every byte.
	for i := range set {
		set[i] = true
	}
	return set, false
}

// reachBack returns the place back bytes before s, not counting white space: -layout
// text pads words apart with runs of blanks that an expression skips as one.
func reachBack(text string, s, back int) int {
	p := s
	for n, k := 0, 0; p > 0 && n < back && k < back+maxStretch; k++ {
		p--
		if !isSpaceByte(text[p]) {
			n++
		}
	}
	return p
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == '\v'
}
