package entity

import (
	"regexp"
	"sort"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// docState is what the recogniser learns about one document: the names it has typed,
// the defined terms, and the source's own lexicon.
type docState struct {
	r       *Recognizer
	known   map[string]filing.EntityType // folded → type
	learnt  map[string]filing.EntityType // surface → type
	canonOf map[string]string            // folded alias → surface of its antecedent
	order   []string
}

func newDocState(r *Recognizer, known []Known) *docState {
	d := &docState{r: r, known: map[string]filing.EntityType{}, learnt: map[string]filing.EntityType{}, canonOf: map[string]string{}}
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
	t, ok := d.known[fold(surface)]
	return t, ok
}

// learn records a typed name so that its later bare mentions are found too. A person's
// surname is learnt with it ("Reed Hastings" → "Hastings").
func (d *docState) learn(t filing.EntityType, surface string) {
	surface = strings.Join(strings.Fields(surface), " ")
	if _, ok := d.learnt[surface]; !ok {
		d.order = append(d.order, surface)
	}
	d.learnt[surface] = t
	if t == filing.Organization {
		// "Acme Widgets, Inc." is later just "Acme Widgets".
		f := strings.Fields(surface)
		for len(f) > 1 && orgSuffix[f[len(f)-1]] {
			f = f[:len(f)-1]
		}
		if short := strings.TrimSuffix(strings.Join(f, " "), ","); short != surface && len(short) >= 3 {
			if _, ok := d.learnt[short]; !ok {
				d.order = append(d.order, short)
				d.learnt[short] = t
			}
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
				if _, ok := d.learnt[last]; !ok {
					d.order = append(d.order, last)
					d.learnt[last] = filing.Person
				}
				d.canonOf[fold(last)] = surface
			}
		}
	}
}

func (d *docState) alias(a string, t filing.EntityType, antecedent string) {
	if _, ok := d.learnt[a]; !ok {
		d.order = append(d.order, a)
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
	for _, s := range d.order {
		t := d.learnt[s]
		if t != filing.Organization {
			continue
		}
		var ini strings.Builder
		for _, f := range strings.Fields(s) {
			if isCap(f) && !orgSuffix[f] {
				ini.WriteByte(f[0])
			}
		}
		if ini.String() == w {
			d.canonOf[fold(w)] = s
			return t, true
		}
	}
	return "", false
}

var wsRE = regexp.MustCompile(`\s+`)

// recur finds again, on a page, the names learnt anywhere in the document.
func (d *docState) recur(text string, have []span) []span {
	var out []span
	mask := make([]bool, len(text)+1)
	for _, h := range have {
		for k := h.start; k < h.end; k++ {
			mask[k] = true
		}
	}
	busy := func(s, e int) bool {
		for k := s; k < e; k++ {
			if mask[k] {
				return true
			}
		}
		return false
	}
	for _, name := range d.order {
		if len(name) < 2 {
			continue
		}
		t := d.learnt[name]
		pat := name
		for from := 0; from < len(text); {
			k := strings.Index(text[from:], pat)
			if k < 0 {
				break
			}
			s := from + k
			e := s + len(pat)
			from = e
			if s > 0 && isWordByte(text[s-1]) || e < len(text) && isWordByte(text[e]) {
				continue
			}
			// A bare surname at the start of a sentence is too often another word.
			if !busy(s, e) && !(strings.IndexByte(name, ' ') < 0 && stopStart[name]) {
				out = append(out, span{typ: t, start: s, end: e, prio: prioName})
				for k := s; k < e; k++ {
					mask[k] = true
				}
			}
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
			name := wsRE.ReplaceAllString(surface, " ")
			canon := d.canonical(s, name)
			k := key{s.typ, canonKey(s.typ, canon)}
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
	if c, ok := d.r.aliases[fold(name)]; ok {
		return c
	}
	seen := 0
	for {
		c, ok := d.canonOf[fold(name)]
		if !ok || seen > 4 || fold(c) == fold(name) {
			break
		}
		name = wsRE.ReplaceAllString(c, " ")
		seen++
	}
	if c, ok := d.r.aliases[fold(name)]; ok {
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

func canonKey(t filing.EntityType, canon string) string {
	if t == filing.Person || t == filing.Organization || t == filing.Place || t == filing.Product || t == filing.CourtName {
		return fold(canon)
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
