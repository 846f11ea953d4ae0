package entity

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/entity/ner"
)

// docState is what the recogniser learns about one document: the names it has typed,
// the defined terms, and the source's own lexicon.
type docState struct {
	r       *Recognizer
	known   map[string]filing.EntityType // folded → type
	learnt  map[string]filing.EntityType // surface → type
	canonOf map[string]string            // folded alias → surface of its antecedent
	order   []string                     // learnt surfaces in learning order
	// initials indexes the learnt surfaces by their capitals' initials ("CBP" →
	// "Customs Border Protection"), in learning order, for acronymOf.
	initials map[string][]string
	folds    map[string]string // fold's results, as merge asks for each mention's several times

	tagger  *ner.Tagger // nil when the model did not load
	context ner.Context // how each word is written across the document

	toks []ner.Token // every page's words, page after page

	// Buffers reused from page to page.
	bools   []bool
	bools2  []bool
	lastEnd []int
	occs    []occ
	spans   []ner.Span
}

// boolBuf returns a cleared []bool of length n, reusing the document's buffer.
func (d *docState) boolBuf(n int) []bool { return clearedBools(&d.bools, n) }

// boolBuf2 is boolBuf's second buffer, for a mask needed beside the first.
func (d *docState) boolBuf2(n int) []bool { return clearedBools(&d.bools2, n) }

// clearedBools returns (*buf)[:n] cleared, growing *buf first when it is too short.
func clearedBools(buf *[]bool, n int) []bool {
	if cap(*buf) < n {
		*buf = make([]bool, n)
	}
	b := (*buf)[:n]
	clear(b)
	return b
}

// fold is fold with a per-document memory.
func (d *docState) fold(s string) string {
	f, ok := d.folds[s]
	if !ok {
		f = fold(s)
		d.folds[s] = f
	}
	return f
}

// add appends a newly learnt surface to the order.
func (d *docState) add(surface string) {
	d.order = append(d.order, surface)
	var ini strings.Builder
	for _, f := range strings.Fields(surface) {
		if isCap(f) && !isCorpSuffix(f) {
			ini.WriteByte(f[0])
		}
	}
	if n := ini.Len(); n >= 2 && n <= 6 {
		d.initials[ini.String()] = append(d.initials[ini.String()], surface)
	}
}

func newDocState(r *Recognizer, known []Known) *docState {
	d := &docState{r: r, known: map[string]filing.EntityType{}, learnt: map[string]filing.EntityType{},
		canonOf: map[string]string{}, initials: map[string][]string{}, folds: map[string]string{}, context: ner.Context{}}
	for _, k := range known {
		if strings.TrimSpace(k.Name) == "" {
			continue
		}
		d.known[fold(k.Name)] = k.Type
		d.learn(k.Type, k.Name)
	}
	return d
}

func (d *docState) knownType(surface string) (filing.EntityType, bool) {
	if len(d.known) == 0 {
		return "", false
	}
	t, ok := d.known[fold(surface)]
	return t, ok
}

// learn records a typed name so that its later bare mentions are found too. A person's
// surname is learnt with it ("Reed Hastings" → "Hastings"). A caption's column rule
// inside the name is no part of it.
func (d *docState) learn(t filing.EntityType, surface string) {
	surface = normSpace(dropColumnRules(surface))
	had, ok := d.learnt[surface]
	if ok && had == t && t != filing.Person {
		// Learnt already: only a person's surname has to point at the latest full name.
		return
	}
	if !ok {
		d.add(surface)
	}
	d.learnt[surface] = t
	d.teach(strings.ToUpper(surface), t)
	if isAllCaps(surface) {
		// A caption's "ACME WIDGETS" is "Acme Widgets" in the text below.
		d.teach(titleCase(surface), t)
	}
	if t == filing.Organization {
		// "Acme Widgets, Inc." is later just "Acme Widgets".
		f := strings.Fields(surface)
		for len(f) > 1 && isCorpSuffix(strings.TrimSuffix(f[len(f)-1], ",")) {
			f = f[:len(f)-1]
		}
		if short := strings.TrimSuffix(strings.Join(f, " "), ","); short != surface && len(short) >= 3 {
			d.teach(short, t)
			d.teach(strings.ToUpper(short), t)
		}
	}
	if t == filing.Person {
		f := strings.Fields(strings.TrimSuffix(strings.TrimSuffix(surface, ", Jr."), " Jr."))
		for len(f) > 1 && (personSuffix[f[len(f)-1]] || strings.HasSuffix(f[len(f)-1], ",")) {
			f = f[:len(f)-1]
		}
		if len(f) >= 2 && strings.Contains(surface, ",") && !strings.HasSuffix(surface, "Jr.") && len(f) == 2 {
			// "Ram, Michael": the surname comes first.
			f = []string{f[1], strings.TrimSuffix(f[0], ",")}
		}
		if len(f) >= 2 {
			last := strings.TrimSuffix(f[len(f)-1], ",")
			if len(last) >= 3 && !isInitial(last) {
				d.teach(last, filing.Person)
				d.teach(strings.ToUpper(last), filing.Person)
				d.canonOf[fold(last)] = surface
			}
		}
	}
}

// teach learns a spelling of a name learnt under another ("ACME WIDGETS" for "Acme
// Widgets"), unless it is learnt already.
func (d *docState) teach(surface string, t filing.EntityType) {
	if _, ok := d.learnt[surface]; !ok && len(surface) >= 3 {
		d.add(surface)
		d.learnt[surface] = t
	}
}

func (d *docState) alias(a string, t filing.EntityType, antecedent string) {
	if _, ok := d.learnt[a]; !ok {
		d.add(a)
	}
	d.learnt[a] = t
	d.canonOf[fold(a)] = antecedent
}

// acronymOf types an all-capitals word that spells the initials of a learnt name
// ("CBP" after "Customs Border Protection").
func (d *docState) acronymOf(w string) (filing.EntityType, bool) {
	if len(w) < 2 || len(w) > 6 || !isAllCaps(w) {
		return "", false
	}
	for _, s := range d.initials[w] {
		if t := d.learnt[s]; t == filing.Organization {
			d.canonOf[fold(w)] = s
			return t, true
		}
	}
	return "", false
}

// normSpace is strings.Join(strings.Fields(s), " "), without the copies when s is so
// already.
func normSpace(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c <= ' ' && (i == 0 || i == len(s)-1 || c != ' ' || s[i+1] <= ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
	}
	return s
}

// collapseSpace turns each run of white space (\s: space, tab, newline, CR, form feed)
// into one space, so that a name broken across lines reads as one.
func collapseSpace(s string) string {
	k := 0
	for k < len(s) && !(isBlank(s[k]) && (s[k] != ' ' || k+1 < len(s) && isBlank(s[k+1]))) {
		k++
	}
	if k == len(s) {
		return s
	}
	b := make([]byte, k, len(s))
	copy(b, s[:k])
	for k < len(s) {
		if !isBlank(s[k]) {
			b = append(b, s[k])
			k++
			continue
		}
		b = append(b, ' ')
		for k < len(s) && isBlank(s[k]) {
			k++
		}
	}
	return string(b)
}

// dropColumnRules removes from a name the column rules of a caption that it runs
// across ("ACME WIDGETS, ]\nINC." is "ACME WIDGETS,\nINC."): a "]" or "|" with blanks
// on both sides.
func dropColumnRules(s string) string {
	if !strings.ContainsAny(s, "]|") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if (s[i] == ']' || s[i] == '|') && i > 0 && isBlank(s[i-1]) && (i+1 == len(s) || isBlank(s[i+1])) {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// recurFinder finds the learnt names in a page. Names are indexed by their first two
// bytes and tried only where a word starts with those bytes: a search per name per page
// grew with the square of the document's length, and an Aho-Corasick automaton cost more
// to build per document than the search it saved.
type recurFinder struct {
	names    []string // in learning order
	first    [256]bool
	byPrefix map[[2]byte][]int // indices into names, ascending
}

func (d *docState) recurFinder() *recurFinder {
	f := &recurFinder{byPrefix: map[[2]byte][]int{}}
	for _, name := range d.order {
		if len(name) < 2 {
			continue
		}
		k := [2]byte{name[0], name[1]}
		f.byPrefix[k] = append(f.byPrefix[k], len(f.names))
		f.first[name[0]] = true
		f.names = append(f.names, name)
	}
	return f
}

// occ is an occurrence of the name f.names[name] at text[s:e].
type occ struct{ name, s, e int }

// occurrences finds the learnt names in text, as whole words.
func (d *docState) occurrences(f *recurFinder, text string) []occ {
	occs := d.occs[:0]
	if cap(d.lastEnd) < len(f.names) {
		d.lastEnd = make([]int, len(f.names))
	}
	lastEnd := d.lastEnd[:len(f.names)] // occurrences of one name do not overlap
	clear(lastEnd)
	for s := 0; s+1 < len(text); s++ {
		if !f.first[text[s]] || s > 0 && isWordByte(text[s-1]) {
			continue
		}
		for _, n := range f.byPrefix[[2]byte{text[s], text[s+1]}] {
			name := f.names[n]
			if s < lastEnd[n] || !strings.HasPrefix(text[s:], name) {
				continue
			}
			e := s + len(name)
			lastEnd[n] = e
			if e < len(text) && isWordByte(text[e]) {
				continue
			}
			occs = append(occs, occ{n, s, e})
		}
	}
	d.occs = occs
	return occs
}

// recur finds again, on a page, the names learnt anywhere in the document. A name
// learnt earlier wins a place over one learnt later.
func (d *docState) recur(f *recurFinder, text string, have []span) []span {
	if len(f.names) == 0 {
		return nil
	}
	occs := d.occurrences(f, text)
	slices.SortFunc(occs, func(a, b occ) int {
		if a.name != b.name {
			return a.name - b.name
		}
		return a.s - b.s
	})
	mask := d.boolBuf(len(text) + 1)
	for _, h := range have {
		for k := h.start; k < h.end; k++ {
			mask[k] = true
		}
	}
	var out []span
next:
	for _, o := range occs {
		name := f.names[o.name]
		if strings.IndexByte(name, ' ') < 0 {
			// A bare surname at the start of a sentence is too often another word, and
			// one before another capitalised word is part of a longer name ("the
			// Kilgore Loan", after "Kilgore, Texas"; in capitals, "HERRMANN ET AL.", it
			// cannot be told).
			if stopStart[name] || o.e+2 < len(text) && text[o.e] == ' ' && isUpper(text[o.e+1]) && text[o.e+2] >= 'a' && text[o.e+2] <= 'z' {
				continue
			}
		}
		for k := o.s; k < o.e; k++ {
			if mask[k] {
				continue next
			}
		}
		e := o.e
		if d.learnt[name] == filing.Organization {
			e = suffixEnd(text, e, mask)
		}
		out = append(out, span{typ: d.learnt[name], start: o.s, end: e, prio: prioName})
		for k := o.s; k < e; k++ {
			mask[k] = true
		}
	}
	return out
}

// merge groups the mentions of each entity under one canonical name.
func (d *docState) merge(pages []filing.Page, perPage [][]span) []filing.Entity {
	type key struct {
		t filing.EntityType
		k string
	}
	idx := map[key]int{}
	var ents []filing.Entity
	for pi, ss := range perPage {
		text := pages[pi].Text
		for _, s := range ss {
			surface := text[s.start:s.end]
			name := collapseSpace(dropColumnRules(surface))
			canon := d.canonical(s, name)
			k := key{s.typ, d.canonKey(s.typ, canon)}
			i, ok := idx[k]
			if !ok {
				i = len(ents)
				idx[k] = i
				ents = append(ents, filing.Entity{Type: s.typ, Canonical: canon})
			}
			if better(s.typ, canon, ents[i].Canonical) {
				ents[i].Canonical = canon
			}
			ents[i].Mentions = append(ents[i].Mentions, filing.Mention{Text: surface, Page: pages[pi].Number, Start: s.start, End: s.end})
		}
	}
	sort.SliceStable(ents, func(i, j int) bool { return len(ents[i].Mentions) > len(ents[j].Mentions) })
	return ents
}

// canonical is the name a mention's entity is known by: the user's alias file first,
// then the document's own definitions and surnames, then the mention itself.
func (d *docState) canonical(s span, name string) string {
	switch s.typ {
	case filing.Organization, filing.Person, filing.Place, filing.Product, filing.CourtName:
	default:
		return name
	}
	if c, ok := d.r.aliases[d.fold(name)]; ok {
		return c
	}
	seen := 0
	for {
		c, ok := d.canonOf[d.fold(name)]
		// An antecedent of another type is another entity: the place "Maine" is not
		// the surname of a person "… in Maine".
		if !ok || seen > 4 || d.fold(c) == d.fold(name) || d.learnt[normSpace(c)] != s.typ {
			break
		}
		name = collapseSpace(c)
		seen++
	}
	if c, ok := d.r.aliases[d.fold(name)]; ok {
		return c
	}
	if s.typ == filing.Person {
		// "Ram, Michael" → "Michael Ram".
		if f := strings.SplitN(name, ", ", 2); len(f) == 2 && !personSuffix[f[1]] && !strings.Contains(f[1], " ") {
			name = f[1] + " " + f[0]
		}
	}
	return name
}

func (d *docState) canonKey(t filing.EntityType, canon string) string {
	if t == filing.Person || t == filing.Organization || t == filing.Place || t == filing.Product || t == filing.CourtName {
		return d.fold(canon)
	}
	return strings.Join(strings.Fields(canon), " ")
}

// better prefers, among spellings of one entity, the longest and then the one with
// mixed case ("Meta Platforms, Inc." over "META PLATFORMS").
func better(t filing.EntityType, a, b string) bool {
	if isAllCaps(b) && !isAllCaps(a) {
		return true
	}
	if isAllCaps(a) && !isAllCaps(b) {
		return false
	}
	return len(a) > len(b)
}

// suffixEnd extends a company's name that ends at e over a corporate suffix right after
// it ("ACME WIDGETS" + " INC", "Acme" + ", Inc."), unless masked.
func suffixEnd(text string, e int, mask []bool) int { return extendOver(text, e, mask, isCorpSuffix) }

// extendOver extends a name that ends at e over a comma, blanks (a line break among
// them) and a suffix that isSuffix accepts, unless masked.
func extendOver(text string, e int, mask []bool, isSuffix func(string) bool) int {
	k := e
	if k < len(text) && text[k] == ',' {
		k++
	}
	b := k
	for k < len(text) && isBlank(text[k]) && k-b < 3 {
		k++
	}
	if k == b {
		return e
	}
	w := k
	for w < len(text) && (isASCIILetter(text[w]) || text[w] == '.') {
		w++
	}
	if w == k || !isSuffix(text[k:w]) || w < len(text) && isWordByte(text[w]) {
		return e
	}
	for j := e; j < w && j < len(mask); j++ {
		if mask[j] {
			return e
		}
	}
	return w
}

// titleCase writes each word of an all-capitals name with one capital: "ACME WIDGETS"
// → "Acme Widgets".
func titleCase(s string) string {
	b := []byte(strings.ToLower(s))
	for i := range b {
		if (i == 0 || b[i-1] == ' ') && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}
