// Package rules compiles alert rules for percolation, once per rule version: the query
// parsed into a bleve query, the filters into a predicate over a document's metadata,
// and the terms a document must contain for the query to match it, which is what lets
// the percolator consider only a handful of rules for each new document.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// Term is an indexed term of a field: what the analyser makes of the words, "inbox"
// for "Inbox", "request" for "requests".
type Term struct {
	Field string
	Term  string
}

// Compiled is a rule ready to match.
type Compiled struct {
	Rule  alert.Rule
	Query query.Query
	// Required is a conjunction of clauses: a document the query matches holds at least
	// one term of every clause. It is a necessary condition, never a sufficient one;
	// when nothing can be said (a wildcard, a fuzzy term, only negations) it is empty.
	Required [][]Term
	// Key is the clause the percolator files the rule under: the rule is a candidate
	// for a document holding any of its terms. Empty: a candidate for every document.
	Key []Term
}

// Parse turns a query in the search syntax into a bleve query, or a *search.QueryError
// saying what is wrong and where. It is the index's own parser.
func Parse(q string) (query.Query, error) {
	if strings.TrimSpace(q) == "" {
		return nil, &search.QueryError{Message: "the query is empty", Position: -1}
	}
	return schema.ParseQueryString(q)
}

// SearchQuery is the search that finds what the rule matches: its query string and its
// filters, as the preview (`alerts test`) and the percolator both run it.
func SearchQuery(r alert.Rule) search.Query {
	q := search.Query{Q: r.Query, Court: r.Filters.Courts, Docket: r.Filters.Docket,
		Exhibits: r.Filters.ExhibitsOnly, DocTypes: r.Filters.Types}
	for _, e := range r.Filters.Entities {
		q.Entities = append(q.Entities, entityFilter(e))
	}
	return q
}

// entityFilter reads "type:Name" or "Name".
func entityFilter(s string) search.EntityFilter {
	if typ, name, ok := strings.Cut(s, ":"); ok && search.KnownEntityType(filing.EntityType(strings.ToLower(typ))) {
		return search.EntityFilter{Type: filing.EntityType(strings.ToLower(typ)), Name: strings.TrimSpace(name)}
	}
	return search.EntityFilter{Name: strings.TrimSpace(s)}
}

// Compile compiles r against the index mapping m, the one the index and the percolator
// both use, so that the rule's words are analysed exactly as a document's are. The
// query is built by the index's own BuildQuery, filters included: a rule matches a new
// document exactly when a search restricted to that document would find it.
func Compile(r alert.Rule, m mapping.IndexMapping) (*Compiled, error) {
	if strings.TrimSpace(r.Query) == "" {
		return nil, fmt.Errorf("compiling rule %s: %w", r.ID, &search.QueryError{Message: "the query is empty", Position: -1})
	}
	q, err := schema.BuildQuery(SearchQuery(r))
	if err != nil {
		return nil, fmt.Errorf("compiling rule %s: %w", r.ID, err)
	}
	if v, ok := q.(query.ValidatableQuery); ok {
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("compiling rule %s: %w", r.ID, &search.QueryError{Message: err.Error(), Position: -1})
		}
	}
	c := &Compiled{Rule: r, Query: q}
	if req, ok := required(q, m); ok {
		c.Required = req
		c.Key = choose(req)
	}
	return c, nil
}

// choose picks the clause to file a rule under: the fewest terms, then the rarest. Term
// length stands in for rarity: long words are rarer in legal prose than short ones, and
// a stemmed short word ("api", "use") is often a common one.
func choose(cnf [][]Term) []Term {
	var best []Term
	score := func(c []Term) int {
		shortest := 1 << 20
		for _, t := range c {
			shortest = min(shortest, len(t.Term))
		}
		return len(c)*1000 - min(shortest, 999)
	}
	for _, c := range cnf {
		if len(c) == 0 {
			continue
		}
		if best == nil || score(c) < score(best) {
			best = c
		}
	}
	return best
}

// required derives the clauses a document matching q must satisfy. ok is false when
// nothing can be required. Each case errs towards requiring less: a clause too many
// would lose alerts, a clause too few only costs a confirmation.
func required(q query.Query, m mapping.IndexMapping) (cnf [][]Term, ok bool) {
	switch q := q.(type) {
	case *query.TermQuery:
		return [][]Term{{{Field: field(q.FieldVal, m), Term: q.Term}}}, true
	case *query.MatchQuery:
		if q.Fuzziness != 0 {
			return nil, false
		}
		f := field(q.FieldVal, m)
		terms := analyze(m, f, q.Analyzer, q.Match)
		if len(terms) == 0 {
			return nil, false
		}
		if q.Operator == query.MatchQueryOperatorAnd {
			for _, t := range terms {
				cnf = append(cnf, []Term{t})
			}
			return cnf, true
		}
		return [][]Term{terms}, true
	case *schema.PhraseQuery:
		return required(q.MatchPhraseQuery, m)
	case *query.MatchPhraseQuery:
		if q.Fuzziness != 0 {
			return nil, false
		}
		f := field(q.FieldVal, m)
		for _, t := range analyze(m, f, q.Analyzer, q.MatchPhrase) {
			cnf = append(cnf, []Term{t})
		}
		return cnf, len(cnf) > 0
	case *query.PhraseQuery:
		if q.Fuzziness != 0 {
			return nil, false
		}
		for _, t := range q.Terms {
			if t != "" {
				cnf = append(cnf, []Term{{Field: field(q.FieldVal, m), Term: t}})
			}
		}
		return cnf, len(cnf) > 0
	case *query.MultiPhraseQuery:
		if q.Fuzziness != 0 {
			return nil, false
		}
		for _, pos := range q.Terms {
			var clause []Term
			for _, t := range pos {
				clause = append(clause, Term{Field: field(q.FieldVal, m), Term: t})
			}
			if len(clause) > 0 {
				cnf = append(cnf, clause)
			}
		}
		return cnf, len(cnf) > 0
	case *query.ConjunctionQuery:
		for _, sub := range q.Conjuncts {
			if c, ok := required(sub, m); ok {
				cnf = append(cnf, c...)
			}
		}
		return cnf, len(cnf) > 0
	case *query.DisjunctionQuery:
		return disjunction(q.Disjuncts, m)
	case *query.BooleanQuery:
		if q.Must != nil {
			if c, ok := required(q.Must, m); ok {
				cnf = append(cnf, c...)
			}
		}
		// Optional when a must clause exists, unless a minimum says otherwise; required
		// (one of them) when it stands alone, which is what `foo bar` means.
		if d, isDis := q.Should.(*query.DisjunctionQuery); isDis && (q.Must == nil || d.Min > 0) {
			if c, ok := disjunction(d.Disjuncts, m); ok {
				cnf = append(cnf, c...)
			}
		}
		if q.Filter != nil {
			if c, ok := required(q.Filter, m); ok {
				cnf = append(cnf, c...)
			}
		}
		return cnf, len(cnf) > 0
	case *query.QueryStringQuery:
		parsed, err := q.Parse()
		if err != nil {
			return nil, false
		}
		return required(parsed, m)
	}
	// Wildcards, regular expressions, prefixes, fuzzy terms, ranges, ids, match-all:
	// no term is certain.
	return nil, false
}

// disjunction derives clauses for "any of alts". Any union of one clause from each
// alternative is a valid clause: a match satisfies some alternative, hence one of its
// clauses. The i-th clauses are united, which keeps the parallel structure of a query
// expanded over several fields (a phrase searched in the text, the description and the
// case name requires each of its words in one of the three).
func disjunction(alts []query.Query, m mapping.IndexMapping) ([][]Term, bool) {
	if len(alts) == 1 {
		return required(alts[0], m)
	}
	var cnfs [][][]Term
	k := 0
	for _, sub := range alts {
		c, ok := required(sub, m)
		if !ok {
			return nil, false
		}
		cnfs = append(cnfs, c)
		k = max(k, len(c))
	}
	k = min(k, maxDisjunctionClauses)
	out := make([][]Term, 0, k)
	for i := range k {
		var clause []Term
		for _, c := range cnfs {
			clause = append(clause, c[i%len(c)]...)
		}
		out = append(out, dedupe(clause))
	}
	return out, true
}

// maxDisjunctionClauses bounds the clauses derived from one disjunction.
const maxDisjunctionClauses = 16

func dedupe(ts []Term) []Term {
	slices.SortFunc(ts, func(a, b Term) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Term, b.Term)
	})
	return slices.Compact(ts)
}

func field(f string, m mapping.IndexMapping) string {
	if f == "" {
		return m.DefaultSearchField()
	}
	return f
}

// analyze runs the field's analyser (or the query's own) over text, as bleve does
// when it searches.
func analyze(m mapping.IndexMapping, f, analyzer, text string) []Term {
	if analyzer == "" {
		analyzer = m.AnalyzerNameForPath(f)
	}
	a := m.AnalyzerNamed(analyzer)
	if a == nil {
		return nil
	}
	var out []Term
	for _, tok := range a.Analyze([]byte(text)) {
		out = append(out, Term{Field: f, Term: string(tok.Term)})
	}
	return dedupe(out)
}
