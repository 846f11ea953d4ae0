package entity

import (
	"slices"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// vote gives each name one type within the document: the type most of its mentions
// were tagged with (the first seen on a tie), unless a corporate suffix on any of its
// spellings makes it an organisation or the source's lexicon gives its type. Mentions
// and learnt names of another type are retyped.
func (d *docState) vote(pages []filing.Page, perPage [][]span) {
	type tally struct {
		n     map[filing.EntityType]int
		first filing.EntityType
		fixed filing.EntityType // a suffix's or the lexicon's type
	}
	tallies := map[string]*tally{}
	for pi, ss := range perPage {
		for _, s := range ss {
			if !votes(s.typ) {
				continue
			}
			surface := pages[pi].Text[s.start:s.end]
			k := d.fold(collapseSpace(surface))
			t := tallies[k]
			if t == nil {
				t = &tally{n: map[filing.EntityType]int{}, first: s.typ}
				tallies[k] = t
			}
			t.n[s.typ]++
			if kt, ok := d.knownType(surface); ok {
				t.fixed = kt
			} else if t.fixed == "" && endsWithSuffix(surface) {
				t.fixed = filing.Organization
			}
		}
	}
	winner := func(k string) (filing.EntityType, bool) {
		t := tallies[k]
		if t == nil {
			return "", false
		}
		if t.fixed != "" {
			return t.fixed, true
		}
		best := t.first
		for _, ty := range []filing.EntityType{filing.Organization, filing.Person, filing.Place, filing.Product} {
			if t.n[ty] > t.n[best] {
				best = ty
			}
		}
		return best, true
	}
	for pi, ss := range perPage {
		for i, s := range ss {
			if !votes(s.typ) {
				continue
			}
			if w, ok := winner(d.fold(collapseSpace(pages[pi].Text[s.start:s.end]))); ok {
				ss[i].typ = w
			}
		}
	}
	for surface, ty := range d.learnt {
		if w, ok := winner(d.fold(surface)); ok && w != ty && votes(ty) {
			d.learnt[surface] = w
		}
	}
}

// votes says whether a type is one the tagger guesses, which the vote may change.
func votes(t filing.EntityType) bool {
	return t == filing.Person || t == filing.Organization || t == filing.Place || t == filing.Product
}

// forgetRare forgets the names the tagger typed on fewer of their occurrences than it
// left untyped ("Issuer", tagged once among ninety): the document itself votes them no
// name, and finding them again everywhere would spread one error over every page. A
// name of one word loses its tagged mentions too. Names the source gives, and defined
// terms, stay.
func (d *docState) forgetRare(pages []filing.Page, perPage [][]span) {
	tagged := map[string]int{}
	for pi, ss := range perPage {
		for _, s := range ss {
			if votes(s.typ) {
				tagged[pages[pi].Text[s.start:s.end]]++
			}
		}
	}
	// untagged counts the occurrences that no tagged name covers: one inside a longer
	// name ("Montreal" in "Montreal Hockey Club") was not left untagged.
	f := d.recurFinder()
	untagged := make([]int, len(f.names))
	for pi, p := range pages {
		mask := d.boolBuf(len(p.Text) + 1)
		for _, s := range perPage[pi] {
			for k := s.start; k < s.end && votes(s.typ); k++ {
				mask[k] = true
			}
		}
		for _, o := range d.occurrences(f, p.Text) {
			if !slices.Contains(mask[o.s:o.e], true) {
				untagged[o.name]++
			}
		}
	}
	forget := map[string]bool{}
	for n, name := range f.names {
		t := tagged[name]
		if t == 0 || untagged[n] <= t {
			continue
		}
		if _, ok := d.knownType(name); ok {
			continue
		}
		if _, ok := d.canonOf[d.fold(name)]; ok {
			continue
		}
		forget[name] = true
		delete(d.learnt, name)
		delete(d.learnt, strings.ToUpper(name))
	}
	if len(forget) == 0 {
		return
	}
	d.order = slices.DeleteFunc(d.order, func(s string) bool { _, ok := d.learnt[s]; return !ok })
	for pi, ss := range perPage {
		text := pages[pi].Text
		perPage[pi] = slices.DeleteFunc(ss, func(s span) bool {
			w := text[s.start:s.end]
			return forget[w] && strings.IndexByte(w, ' ') < 0
		})
	}
}

// endsWithSuffix says whether a name of several words ends with a corporate suffix.
func endsWithSuffix(surface string) bool {
	i := strings.LastIndexAny(surface, " \t\n")
	return i > 0 && isCorpSuffix(strings.TrimSuffix(surface[i+1:], ","))
}
