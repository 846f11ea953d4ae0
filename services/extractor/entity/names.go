package entity

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// nerTypes maps the tagger's types onto ours.
var nerTypes = map[string]filing.EntityType{"PER": filing.Person, "ORG": filing.Organization, "LOC": filing.Place}

// names finds the organisations, people, places and products of a page, whose words
// are toks: the tagger's names (typed by the document's own lexicon when it has them,
// and as organisations when a corporate suffix ends them), the terms defined after
// them, the states of address lines, products, and acronyms of names learnt before.
func (r *Recognizer) names(text string, toks []ner.Token, taken []span, doc *docState) []span {
	if doc.tagger == nil {
		return nil
	}
	mask := doc.boolBuf(len(text) + 1)
	for _, t := range taken {
		for k := t.start; k < t.end; k++ {
			mask[k] = true
		}
	}
	occupied := func(s, e int) bool {
		for k := s; k < e; k++ {
			if mask[k] {
				return true
			}
		}
		return false
	}
	var out []span
	tagged := doc.boolBuf2(len(toks))
	var parts []ner.Span
	doc.spans = splitLines(doc.spans[:0], text, toks, doc.tagger.Tag(text, toks, doc.context))
	doc.spans = capsSuffixed(text, toks, doc.spans)
	for _, sp := range joinSuffixed(text, toks, joinOf(text, toks, doc.spans)) {
		parts = parts[:0]
		for _, p := range splitPersonOf(nil, text, toks, sp) {
			parts = splitAnd(parts, text, toks, p)
		}
		for _, part := range parts {
			if onlyRoles(text, toks[part.Start:part.End]) {
				continue
			}
			s, e := toks[part.Start].Start, toks[part.End-1].End
			for k := part.Start; k < part.End; k++ {
				tagged[k] = true
			}
			if occupied(s, e) {
				continue
			}
			typ := doc.typeOf(text[s:e], nerTypes[part.Type], text[toks[part.End-1].Start:e])
			if typ == filing.Organization && r.productish(text, toks[part.Start:part.End], s, e) {
				typ = filing.Product
			}
			if typ == filing.Person {
				// "Kenneth D. Upton,\nJr.": the suffix is part of the name.
				e = extendOver(text, e, mask, func(w string) bool { return personSuffix[w] })
			}
			doc.learn(typ, text[s:e])
			out = append(out, span{typ: typ, start: s, end: e, prio: prioName})
		}
	}
	// Words the tagger left: a product named by its use ("filed via ECF", "a PACER
	// account"), or the acronym of a name learnt before ("CBP").
	for k, t := range toks {
		w := text[t.Start:t.End]
		if tagged[k] || !isAllCaps(w) || occupied(t.Start, t.End) {
			continue
		}
		if r.productish(text, toks[k:k+1], t.Start, t.End) {
			doc.learn(filing.Product, w)
			out = append(out, span{typ: filing.Product, start: t.Start, end: t.End, prio: prioName})
		} else if ty, ok := doc.acronymOf(w); ok {
			out = append(out, span{typ: ty, start: t.Start, end: t.End, prio: prioName})
		}
	}
	out = append(out, captionParties(text, toks, tagged, occupied, doc)...)
	out = append(out, r.definitions(text, out, doc)...)
	return addressPlaces(text, out, occupied)
}

// partyRoles open the line under a party's name in a caption ("ACME WIDGETS,\n
// Plaintiff,\nv.").
var partyRoles = setOf("plaintiff", "plaintiffs", "defendant", "defendants", "appellant", "appellants", "appellee",
	"appellees", "petitioner", "petitioners", "respondent", "respondents", "plaintiff-appellant",
	"plaintiffs-appellants", "defendant-appellee", "defendants-appellees", "defendant-appellant",
	"plaintiff-appellee", "debtor", "debtors", "intervenor")

// captionParties finds the parties of a caption that the tagger left: a line of
// capitalised words (and a trailing comma or "et al.") whose next line opens with a
// party's role. A party whose name the document types elsewhere takes that type by the
// vote; otherwise one word or a name without a first name is an organisation's.
func captionParties(text string, toks []ner.Token, tagged []bool, occupied func(s, e int) bool, doc *docState) []span {
	var out []span
	for a := 0; a < len(toks); {
		b := a + 1
		for b < len(toks) && toks[b].Line == toks[a].Line {
			b++
		}
		if b < len(toks) && partyRoles[strings.ToLower(text[toks[b].Start:toks[b].End])] {
			if sp, ok := partyLine(text, toks[a:b], tagged[a:b]); ok && !occupied(sp.start, sp.end) {
				sp.typ = filing.Organization
				if f := strings.Fields(text[sp.start:sp.end]); len(f) >= 2 && ner.IsFirstName(strings.ToLower(f[0])) {
					sp.typ = filing.Person
				}
				if t, ok := doc.knownType(text[sp.start:sp.end]); ok {
					sp.typ = t
				}
				doc.learn(sp.typ, text[sp.start:sp.end])
				out = append(out, sp)
			}
		}
		a = b
	}
	return out
}

// partyLine returns the name a caption line holds: its capitalised words before a
// trailing comma or "et al.", none of them tagged already.
func partyLine(text string, ws []ner.Token, tagged []bool) (span, bool) {
	e := len(ws)
	for e > 0 {
		w := strings.ToLower(text[ws[e-1].Start:ws[e-1].End])
		if w != "," && w != "et" && w != "al." && w != "al" && w != "." {
			break
		}
		e--
	}
	if e == 0 || e > 6 {
		return span{}, false
	}
	for k := 0; k < e; k++ {
		w := text[ws[k].Start:ws[k].End]
		if tagged[k] || !isCap(w) && w != "&" && w != "," || ner.IsRole(strings.ToLower(w)) {
			return span{}, false
		}
	}
	return span{start: ws[0].Start, end: ws[e-1].End, prio: prioName}, true
}

// addressPlaces adds the places of address lines ("Denver, CO 80202": the city and the
// state), which replace what the tagger made of them ("Denver, CO" as one name).
func addressPlaces(text string, out []span, occupied func(s, e int) bool) []span {
	for _, m := range addressStates(text) {
		if occupied(m[0], m[1]) {
			continue
		}
		places := []span{{typ: filing.Place, start: m[0], end: m[1], prio: prioName}}
		if cs := cityBefore(text, m[0]-2); cs >= 0 && !occupied(cs, m[0]-2) {
			places = append(places, span{typ: filing.Place, start: cs, end: m[0] - 2, prio: prioName})
		}
		out = slices.DeleteFunc(out, func(s span) bool {
			for _, p := range places {
				if s.start < p.end && p.start < s.end {
					return true
				}
			}
			return false
		})
		out = append(out, places...)
	}
	return out
}

// cityBefore returns the start of the city of an address line whose comma is at c: one
// to three capitalised words alone on the line before it, or -1.
func cityBefore(text string, c int) int {
	ls := strings.LastIndexByte(text[:c], '\n') + 1
	f := strings.Fields(text[ls:c])
	if len(f) == 0 || len(f) > 3 {
		return -1
	}
	for _, w := range f {
		if !isCap(w) || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' && r != '\'' }) >= 0 {
			return -1
		}
	}
	return strings.Index(text[ls:c], f[0]) + ls
}

// typeOf is the type of a name the tagger typed tagged: the document's lexicon's type
// when it has the name, an organisation's when a corporate suffix ends it.
func (d *docState) typeOf(surface string, tagged filing.EntityType, last string) filing.EntityType {
	if t, ok := d.knownType(surface); ok {
		return t
	}
	if isCorpSuffix(last) {
		return filing.Organization
	}
	return tagged
}

// shortLine is the length under which a line is an item of a list, a caption or an
// address block, where a name does not run on to the next line.
const shortLine = 55

// splitLines appends to out the tagged names, each split where a name cannot go on:
//   - at the end of a short line: in an address block or a caption every line is its
//     own item ("Riker Danzig LLP\nOne Speedwell Avenue"), unless the next line holds
//     only the name's legal form ("ACME WIDGETS,\nINC."); in running text a name wraps;
//   - at a sentence end, a "." (or "!", "?") standing alone before a capitalised word:
//     the tokenizer keeps the dot of an abbreviation ("Inc.", "Co.") or an initial
//     with its word, so a dot alone ends a sentence ("… the Zeta API. Acme Corp
//     replied." is two names);
//   - at a caption's column rule ("]", "|") with words after it on its line.
//
// Signs at either end of a part ("ACME WIDGETS, ]") are no part of the name.
func splitLines(out []ner.Span, text string, toks []ner.Token, spans []ner.Span) []ner.Span {
	word := func(k int) string { return text[toks[k].Start:toks[k].End] }
	for _, sp := range spans {
		a := sp.Start
		for k := sp.Start + 1; k < sp.End; k++ {
			switch {
			case toks[k].Line != toks[k-1].Line:
				if shortLineAt(text, toks, k) && !suffixLine(text, toks, k, sp.End) {
					out = appendTrimmed(out, text, toks, ner.Span{Type: sp.Type, Start: a, End: k})
					a = k
				}
			case sentenceEnd(word(k-1)) && isCap(word(k)) && !isCorpSuffix(word(k)),
				columnRule(word(k - 1)):
				out = appendTrimmed(out, text, toks, ner.Span{Type: sp.Type, Start: a, End: k - 1})
				a = k
			}
		}
		out = appendTrimmed(out, text, toks, ner.Span{Type: sp.Type, Start: a, End: sp.End})
	}
	return out
}

// shortLineAt says whether the line that token k-1 ends, before k's line, is short.
func shortLineAt(text string, toks []ner.Token, k int) bool {
	ls := strings.LastIndexByte(text[:toks[k-1].Start], '\n') + 1
	le := toks[k].Start
	if nl := strings.IndexByte(text[toks[k-1].End:], '\n'); nl >= 0 {
		le = toks[k-1].End + nl
	}
	return le-ls < shortLine
}

// suffixLine says whether the words of a name from k, on k's line and before end, are a
// legal form and signs only ("INC.,").
func suffixLine(text string, toks []ner.Token, k, end int) bool {
	if !isCorpSuffix(text[toks[k].Start:toks[k].End]) {
		return false
	}
	for j := k + 1; j < end && toks[j].Line == toks[k].Line; j++ {
		if isWordToken(text[toks[j].Start:toks[j].End]) {
			return false
		}
	}
	return true
}

// appendTrimmed appends sp to out without the signs at its ends, unless nothing is left.
// A closing bracket or quote whose opening one the name holds stays ("Acme (USA)").
func appendTrimmed(out []ner.Span, text string, toks []ner.Token, sp ner.Span) []ner.Span {
	for sp.Start < sp.End && !isWordToken(text[toks[sp.Start].Start:toks[sp.Start].End]) {
		sp.Start++
	}
	for sp.End > sp.Start {
		w := text[toks[sp.End-1].Start:toks[sp.End-1].End]
		if isWordToken(w) || w == ")" && strings.Contains(text[toks[sp.Start].Start:toks[sp.End-1].Start], "(") ||
			w == "”" && strings.Contains(text[toks[sp.Start].Start:toks[sp.End-1].Start], "“") {
			break
		}
		sp.End--
	}
	if sp.End > sp.Start {
		out = append(out, sp)
	}
	return out
}

// isWordToken says whether a token holds a letter or a digit (or is "&", which joins
// the words of a name: "Smith & Wesson").
func isWordToken(w string) bool {
	return w == "&" || strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func sentenceEnd(w string) bool { return w == "." || w == "!" || w == "?" }

// partySeparator says whether a caption word stands between parties or before one
// ("DEFENDANT", "IN RE", "V."): a name in capitals does not run over it.
func partySeparator(w string) bool {
	lw := strings.ToLower(w)
	return ner.IsPartyRole(lw) || lw == "re" || lw == "v." || lw == "v" || lw == "vs." || lw == "vs"
}

// columnRule says whether a token is a sign that draws a caption's column ("]", "|").
func columnRule(w string) bool { return w == "]" || w == "|" }

// onlyRoles says whether words are all roles or words of procedure ("Employer", "ET
// AL."), or in capitals all generic words ("OFFICE OF THE CLERK", a heading): no name,
// unless together they name a place ("United States").
func onlyRoles(text string, ws []ner.Token) bool {
	roles, generic := true, true
	for _, w := range ws {
		word := text[w.Start:w.End]
		lw := strings.ToLower(word)
		roles = roles && ner.IsRole(lw)
		generic = generic && isAllCaps(word) && ner.IsGeneric(lw)
		if !roles && !generic {
			return false
		}
	}
	words := make([]string, len(ws))
	for i, w := range ws {
		words[i] = text[w.Start:w.End]
	}
	return !ner.IsGazetteerPlace(words)
}

// capsSuffixed makes a company's name of a run of words in capitals that a legal form
// in capitals ends, on its line or alone at the start of the next after a comma or a
// column rule ("MARLOWE TIDE FREIGHT LINES, ]\nINC."), whatever the tagger made of its
// words: in a caption's capitals the tagger has no case to go by, and the legal form is
// the evidence. The names the run holds give way to it; one that runs out of it keeps it
// as the tagger left it. spans are in order, and so is the result.
func capsSuffixed(text string, toks []ner.Token, spans []ner.Span) []ner.Span {
	word := func(k int) string { return text[toks[k].Start:toks[k].End] }
	inside := func(sp, a ner.Span) bool { return sp.Start >= a.Start && sp.End <= a.End }
	overlap := func(sp, a ner.Span) bool { return sp.Start < a.End && a.Start < sp.End }
	var add []ner.Span
	for k := 1; k < len(toks); k++ {
		if !isCorpSuffix(word(k)) || !isAllCaps(word(k)) {
			continue
		}
		j := k - 1
		for j >= 0 && (word(j) == "," || columnRule(word(j))) {
			j--
		}
		// Across a line end only when the legal form opens its line.
		if j < 0 || toks[j].Line != toks[k].Line && toks[k-1].Line == toks[k].Line {
			continue
		}
		s := j
		for s >= 0 && toks[s].Line == toks[j].Line && (isAllCaps(word(s)) || word(s) == "&") && !isCorpSuffix(word(s)) && !partySeparator(word(s)) {
			s--
		}
		s++
		// The run is a whole line's, or a caption column's, or follows a party's side, of
		// up to eight words.
		if s > j || j-s >= 8 || word(s) == "&" || s > 0 && toks[s-1].Line == toks[s].Line && !columnRule(word(s-1)) && !partySeparator(word(s-1)) {
			continue
		}
		a := ner.Span{Type: "ORG", Start: s, End: k + 1}
		if !slices.ContainsFunc(spans, func(sp ner.Span) bool { return overlap(sp, a) && !inside(sp, a) }) {
			add = append(add, a)
		}
	}
	if len(add) == 0 {
		return spans
	}
	out := add
	for _, sp := range spans {
		if !slices.ContainsFunc(add, func(a ner.Span) bool { return inside(sp, a) }) {
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b ner.Span) int { return a.Start - b.Start })
	return out
}

// joinSuffixed joins a name to the company name right after it on the same line when a
// corporate suffix ends that one: the suffix makes the whole a company's name ("C. R."
// and "Bard, Inc." are "C. R. Bard, Inc.").
func joinSuffixed(text string, toks []ner.Token, spans []ner.Span) []ner.Span {
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 {
			prev := out[n-1]
			last := toks[sp.End-1]
			if prev.End == sp.Start && toks[prev.End-1].Line == toks[sp.Start].Line && isCorpSuffix(text[last.Start:last.End]) {
				out[n-1] = ner.Span{Type: "ORG", Start: prev.Start, End: sp.End}
				continue
			}
		}
		out = append(out, sp)
	}
	return out
}

// joinOf extends an organisation whose name ends with the head noun of institutions or
// a legal form over "of" (in any case, and a "the" after it) and the capitalised name
// after it on the same line, tagged or not: "First Presbyterian Church of Dover",
// "Office of the Solicitor", "ASSURANCE CO. OF OHIO" are one name each.
func joinOf(text string, toks []ner.Token, spans []ner.Span) []ner.Span {
	word := func(k int) string { return text[toks[k].Start:toks[k].End] }
	sameLine := func(a, b int) bool { return b < len(toks) && toks[a].Line == toks[b].Line }
	out := spans[:0]
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		of, e := sp.End, sp.End+1
		if sameLine(of, e) && strings.EqualFold(word(e), "the") {
			e++
		}
		head := ""
		if of < len(toks) {
			head = strings.ToLower(word(of - 1))
		}
		if sp.Type != "ORG" || !sameLine(of-1, of) || !sameLine(of, e) || !strings.EqualFold(word(of), "of") ||
			!ner.IsOrgHead(head) && !isCorpSuffix(head) || !isCap(word(e)) {
			out = append(out, sp)
			continue
		}
		for sameLine(of, e) && isCap(word(e)) && !isCorpSuffix(word(e)) {
			e++
		}
		for i+1 < len(spans) && spans[i+1].Start < e { // the name after "of", tagged
			i++
			e = max(e, spans[i].End)
		}
		out = append(out, ner.Span{Type: "ORG", Start: sp.Start, End: e})
	}
	return out
}

// splitPersonOf appends to out an organisation's name split at "of" when a person's
// name stands before it ("Jane Roe of Acme, Inc.": a person and a company, as a
// by-line or a signature reads): a first name of the lexicon, then one or two
// capitalised words. "Bank of America" or "University of Chicago" start with no first
// name and stay whole.
func splitPersonOf(out []ner.Span, text string, toks []ner.Token, sp ner.Span) []ner.Span {
	if sp.Type != "ORG" {
		return append(out, sp)
	}
	word := func(k int) string { return text[toks[k].Start:toks[k].End] }
	for k := sp.Start + 2; k <= sp.Start+3 && k < sp.End-1; k++ {
		if w := word(k); w != "of" {
			continue
		}
		if !ner.IsFirstName(strings.ToLower(word(sp.Start))) || !isCap(word(k+1)) {
			break
		}
		for j := sp.Start; j < k; j++ {
			if !isCap(word(j)) && !isInitial(word(j)) {
				return append(out, sp)
			}
		}
		return append(out, ner.Span{Type: "PER", Start: sp.Start, End: k}, ner.Span{Type: "ORG", Start: k + 1, End: sp.End})
	}
	return append(out, sp)
}

// splitAnd appends to out a tagged name, split at "and" when a name of its own stands
// on each side ("Acme and Globex", "Jane Roe and Richard Roe"): two names, never one. A
// name with "of" before the "and" keeps it ("Department of Health and Human Services").
func splitAnd(out []ner.Span, text string, toks []ner.Token, sp ner.Span) []ner.Span {
	for k := sp.Start + 1; k < sp.End-1; k++ {
		w := text[toks[k].Start:toks[k].End]
		if w != "and" && w != "AND" {
			continue
		}
		for j := sp.Start; j < k; j++ {
			if w := text[toks[j].Start:toks[j].End]; w == "of" || w == "OF" || w == "&" {
				return append(out, sp)
			}
		}
		if !isCap(text[toks[k+1].Start:toks[k+1].End]) {
			return append(out, sp)
		}
		out = append(out, ner.Span{Type: sp.Type, Start: sp.Start, End: k})
		return splitAnd(out, text, toks, ner.Span{Type: sp.Type, Start: k + 1, End: sp.End})
	}
	return append(out, sp)
}

func isCorpSuffix(w string) bool { return ner.CorpSuffixes[strings.ToLower(w)] }

var (
	// stopStart are function words that begin sentences and headings: a learnt surname
	// found again is not one of them.
	stopStart = setOf("The", "THE", "This", "That", "These", "Those", "A", "An", "In", "On", "At", "For", "Of", "By",
		"To", "From", "With", "And", "Or", "But", "If", "As", "See", "It", "He", "She", "They", "We", "I", "You", "His",
		"Her", "Their", "Our", "Its", "There", "Here", "When", "Where", "While", "However", "Thus", "Each", "Every",
		"All", "Any", "No", "Not", "Some", "Such", "What", "Which", "Who", "May", "Will", "Shall")
	personSuffix = setOf("Jr.", "Jr", "Sr.", "II", "III", "IV", "JR.", "SR.")
	productHead  = setOf("API", "SDK", "APIs", "App", "Platform", "Software", "System", "Filter", "Device")
	productCue   = lazy(`^[ \t]*(?:account|system|filer|filing|website|site|platform|app|application|software|device|filter|interface|API|SDK|user|login|database|service)s?\b`)
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func isCap(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsUpper(r)
}

func isInitial(t string) bool {
	return len(t) == 2 && t[1] == '.' && t[0] >= 'A' && t[0] <= 'Z' || len(t) >= 4 && strings.Count(t, ".") >= 2 && isCap(t) && len(t) <= 6
}

func isAllCaps(t string) bool {
	n := 0
	for _, r := range t {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n > 0
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// addressStates finds the state of an address line, "Pittsburgh, PA 15222": the code in
// `[A-Za-z.], ([A-Z]{2})(?:[ \t]+\d{5}(?:-\d{4})?)?[ \t]*(?:\n|$)`, found from each comma.
func addressStates(text string) [][2]int {
	var out [][2]int
	for from := 0; ; {
		k := strings.IndexByte(text[from:], ',')
		if k < 0 {
			return out
		}
		i := from + k
		from = i + 1
		if i == 0 || !isASCIILetter(text[i-1]) && text[i-1] != '.' || i+3 >= len(text) ||
			text[i+1] != ' ' || !isUpper(text[i+2]) || !isUpper(text[i+3]) {
			continue
		}
		if lineEndsAt(text, i+4) || zipEndsLine(text, i+4) {
			out = append(out, [2]int{i + 2, i + 4})
		}
	}
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// lineEndsAt says whether only spaces and tabs stand between j and the line's end.
func lineEndsAt(text string, j int) bool {
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	return j == len(text) || text[j] == '\n'
}

// zipEndsLine says whether a ZIP code ("15222", "15222-1234") after blanks ends the line.
func zipEndsLine(text string, j int) bool {
	k := j
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k == j || !digitsAt(text, k, 5) {
		return false
	}
	k += 5
	if k < len(text) && text[k] == '-' && digitsAt(text, k+1, 4) && lineEndsAt(text, k+5) {
		return true
	}
	return lineEndsAt(text, k)
}

func digitsAt(text string, k, n int) bool {
	if k+n > len(text) {
		return false
	}
	for _, c := range []byte(text[k : k+n]) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// productish says whether the words ws, text[s:e], name a product: a product's head
// noun ends them ("Inbox API"), or one word in capitals is used as a system ("filed via
// ECF", "a PACER account").
func (r *Recognizer) productish(text string, ws []ner.Token, s, e int) bool {
	last := text[ws[len(ws)-1].Start:ws[len(ws)-1].End]
	if productHead[last] && len(ws) >= 2 {
		return true
	}
	if w := text[s:e]; len(ws) == 1 && isAllCaps(w) && len(strings.Trim(w, "/")) >= 3 {
		if cueAhead(text, e) && productCue.MatchString(ahead(text, e, 24)) && !strings.HasPrefix(text[e:], "'") || usedVia(text, s) {
			return true
		}
		for _, poss := range []string{"'s ", "’s "} {
			if strings.HasPrefix(text[e:], poss) {
				after := e + len(poss)
				return productCue.MatchString(ahead(text, after, 24)) || strings.HasPrefix(text[after:], "Manage")
			}
		}
	}
	return false
}

// cueAhead says whether a product cue can follow e: its first letter after blanks is
// one that productCue's words open with, which rules out most places at once (a
// caption's next word in capitals, a line break).
func cueAhead(text string, e int) bool {
	for e < len(text) && (text[e] == ' ' || text[e] == '\t') {
		e++
	}
	return e < len(text) && strings.IndexByte("asfwpdiulAS", text[e]) >= 0
}

// usedVia says whether "on", "in", "via", "through" or "using" and blanks stand just
// before s ("filed via ECF").
func usedVia(text string, s int) bool {
	k := s
	for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
		k--
	}
	if k == s {
		return false
	}
	w := k
	for w > 0 && isASCIILetter(text[w-1]) {
		w--
	}
	if w > 0 && isWordByte(text[w-1]) {
		return false
	}
	switch text[w:k] {
	case "on", "in", "via", "Via", "through", "using":
		return true
	}
	return false
}

var defRE = lazy(`^\s{0,3}\((?:(?:the|collectively|together|hereinafter|formerly known as|f/k/a|d/b/a)[, ]+)*[“"]?([A-Z][\w.&’' \-]{1,40}?)[”"]?\)`)

// definitions turns defined terms into aliases: 'Home Federal Bank (“HFB”)', 'Calvary
// Chapel of Bangor (the Chapel)', 'C. R. Bard, Inc. and … (collectively, “Bard”)'.
func (r *Recognizer) definitions(text string, found []span, doc *docState) []span {
	var out []span
	for _, f := range found {
		if k := strings.IndexByte(text[f.end:min(len(text), f.end+5)], '('); k < 0 {
			continue
		}
		m := defRE.FindStringSubmatchIndex(ahead(text, f.end, 160))
		if m == nil {
			continue
		}
		a := text[f.end+m[2] : f.end+m[3]]
		// A role ("the “Employer”") is no alias of the name.
		if ner.IsRole(strings.ToLower(a)) || len(a) < 2 {
			continue
		}
		doc.alias(a, f.typ, text[f.start:f.end])
		out = append(out, span{typ: f.typ, start: f.end + m[2], end: f.end + m[3], prio: prioName})
	}
	return out
}
