// Package percolate matches one new document against many saved rules, the reverse of a
// search. bleve has no percolator (as of v2.6), so each document is indexed alone in a
// throwaway in-memory index with the index's own mapping, and only the rules whose key
// terms occur in it are run there: with 10,000 rules a document meets a few dozen.
package percolate

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/alerter/rules"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// Match is a rule that matched a document, with what to show for it.
type Match struct {
	Rule *rules.Compiled
	// Terms are the matching words as the document writes them, first seen first.
	Terms []string
	// Pages are the pages with a match; Page is the snippet's.
	Pages []int
	Page  int
	// Snippet is HTML: escaped text, matches in <mark>.
	Snippet string
}

// Stats describe one percolation.
type Stats struct {
	Rules      int
	Candidates int
	Matched    int
}

// Percolator holds the compiled rules, filed by their key terms. It is safe for
// concurrent use: rules change while documents are matched.
type Percolator struct {
	mapping mapping.IndexMapping
	now     func() time.Time

	mu     sync.RWMutex
	rules  map[string]*rules.Compiled
	byTerm map[rules.Term]map[string]*rules.Compiled
	always map[string]*rules.Compiled
	// fields counts the rules requiring terms of each field: only those fields' terms
	// are read from a document.
	fields map[string]int
	// exhaustive runs every rule on every document: the benchmark's reference.
	exhaustive bool
}

// New returns an empty percolator over the index mapping (schema.Mapping()).
func New(m mapping.IndexMapping) *Percolator {
	return &Percolator{
		mapping: m, now: time.Now,
		rules:  map[string]*rules.Compiled{},
		byTerm: map[rules.Term]map[string]*rules.Compiled{},
		always: map[string]*rules.Compiled{},
		fields: map[string]int{},
	}
}

// Mapping is the mapping rules must be compiled against.
func (p *Percolator) Mapping() mapping.IndexMapping { return p.mapping }

// Put adds a compiled rule, replacing the rule with the same id.
func (p *Percolator) Put(c *rules.Compiled) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.remove(c.Rule.ID)
	p.rules[c.Rule.ID] = c
	if len(c.Key) == 0 {
		p.always[c.Rule.ID] = c
		return
	}
	for _, t := range c.Key {
		m := p.byTerm[t]
		if m == nil {
			m = map[string]*rules.Compiled{}
			p.byTerm[t] = m
		}
		m[c.Rule.ID] = c
	}
	for _, f := range requiredFields(c) {
		p.fields[f]++
	}
}

// requiredFields lists once each field a rule's required terms name.
func requiredFields(c *rules.Compiled) []string {
	var out []string
	for _, clause := range c.Required {
		for _, t := range clause {
			if !slices.Contains(out, t.Field) {
				out = append(out, t.Field)
			}
		}
	}
	return out
}

// Remove drops a rule; removing an unknown one does nothing.
func (p *Percolator) Remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.remove(id)
}

func (p *Percolator) remove(id string) {
	c, ok := p.rules[id]
	if !ok {
		return
	}
	delete(p.rules, id)
	delete(p.always, id)
	for _, t := range c.Key {
		if m := p.byTerm[t]; m != nil {
			delete(m, id)
			if len(m) == 0 {
				delete(p.byTerm, t)
			}
		}
	}
	for _, f := range requiredFields(c) {
		if p.fields[f]--; p.fields[f] <= 0 {
			delete(p.fields, f)
		}
	}
}

// Len is the number of rules held.
func (p *Percolator) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.rules)
}

// docID is the id of the only document of a throwaway index.
const docID = "d"

// Match returns the rules that match t, each with its terms, pages and snippet.
func (p *Percolator) Match(ctx context.Context, t filing.Text) ([]Match, Stats, error) {
	doc := newDocument(t, p.now())
	// A fresh in-memory scorch index per document: nothing to clean, nothing shared
	// between concurrent matches.
	idx, err := bleve.NewUsing("", p.mapping, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("creating percolation index: %w", err)
	}
	defer idx.Close()
	if err := idx.Index(docID, doc.fields); err != nil {
		return nil, Stats{}, fmt.Errorf("indexing %s for percolation: %w", t.Document.ID, err)
	}
	cands, total, err := p.candidates(idx)
	if err != nil {
		return nil, Stats{}, fmt.Errorf("selecting rules for %s: %w", t.Document.ID, err)
	}
	st := Stats{Rules: total, Candidates: len(cands)}
	var out []Match
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return nil, st, err
		}
		req := bleve.NewSearchRequestOptions(c.Query, 1, 0, false)
		req.IncludeLocations = true
		req.Score = "none"
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, st, fmt.Errorf("confirming rule %s on %s: %w", c.Rule.ID, t.Document.ID, err)
		}
		if len(res.Hits) == 0 {
			continue
		}
		out = append(out, describe(c, doc, res.Hits[0]))
	}
	st.Matched = len(out)
	return out, st, nil
}

// candidates returns the rules filed under a term the document holds, plus those filed
// under none, in id order so that alerts go out in a stable order.
func (p *Percolator) candidates(idx bleve.Index) ([]*rules.Compiled, int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	seen := map[string]*rules.Compiled{}
	for id, c := range p.always {
		seen[id] = c
	}
	terms := map[rules.Term]bool{}
	for f := range p.fields {
		dict, err := idx.FieldDict(f)
		if err != nil {
			return nil, 0, err
		}
		for e, err := range schema.DictEntries(dict) {
			if err != nil {
				dict.Close()
				return nil, 0, err
			}
			t := rules.Term{Field: f, Term: e.Term}
			terms[t] = true
			for id, c := range p.byTerm[t] {
				seen[id] = c
			}
		}
		dict.Close()
	}
	if p.exhaustive {
		seen = p.rules
	}
	out := make([]*rules.Compiled, 0, len(seen))
	for _, c := range seen {
		if p.exhaustive {
			out = append(out, c)
			continue
		}
		// Every required clause, not just the key, must find a term here: the cheap
		// check that spares bleve most candidates ("Inbox API" filed under "inbox"
		// meets a document about a different inbox).
		if holdsAll(c.Required, terms) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *rules.Compiled) int { return strings.Compare(a.Rule.ID, b.Rule.ID) })
	return out, len(p.rules), nil
}

func holdsAll(cnf [][]rules.Term, terms map[rules.Term]bool) bool {
	for _, clause := range cnf {
		if !slices.ContainsFunc(clause, func(t rules.Term) bool { return terms[t] }) {
			return false
		}
	}
	return true
}

// Bounds of what a match reports.
const (
	maxTerms = 20
	maxPages = 50
)

func describe(c *rules.Compiled, doc document, h *bsearch.DocumentMatch) Match {
	m := Match{Rule: c}
	text, starts := doc.text, true
	// Quoted phrases match the unstemmed copy of the text; its offsets are the same.
	locs := schema.MatchOffsets(h.Locations[fieldText], h.Locations[fieldTextExact])
	sort.Slice(locs, func(i, j int) bool { return locs[i][0] < locs[j][0] })
	if len(locs) == 0 {
		// The match is in the description (or the case name): show that instead.
		text, starts = doc.description, false
		locs = schema.MatchOffsets(h.Locations[fieldDescription])
	}
	seenTerm := map[string]bool{}
	seenPage := map[int]bool{}
	for _, l := range locs {
		if l[1] > len(text) || l[0] >= l[1] {
			continue
		}
		w := text[l[0]:l[1]]
		if k := strings.ToLower(w); !seenTerm[k] && len(m.Terms) < maxTerms {
			seenTerm[k] = true
			m.Terms = append(m.Terms, w)
		}
		if starts {
			if p, _ := doc.starts.At(l[0], len(text)); !seenPage[p] && len(m.Pages) < maxPages {
				seenPage[p] = true
				m.Pages = append(m.Pages, p)
			}
		}
	}
	// Terms matched in fields not shown (the case name) still name the match.
	if len(m.Terms) == 0 {
		for _, terms := range h.Locations {
			for term := range terms {
				if len(m.Terms) < maxTerms {
					m.Terms = append(m.Terms, term)
				}
			}
		}
		sort.Strings(m.Terms)
	}
	sort.Ints(m.Pages)
	whole := [2]int{0, len(text)}
	if len(locs) == 0 {
		m.Snippet = schema.Snippet(text, whole, nil, 0)
		return m
	}
	at, _ := schema.Densest(locs, schema.SnippetWidth)
	span := whole
	if starts {
		m.Page, span = doc.starts.At(locs[at][0], len(text))
	}
	m.Snippet = schema.Snippet(text, span, locs, at)
	return m
}
