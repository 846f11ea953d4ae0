package schema

import (
	"errors"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// FuzzParseQueryString feeds the query parser arbitrary text: it returns a query or a
// QueryError whose position lies inside the text, never panics.
func FuzzParseQueryString(f *testing.F) {
	for _, s := range []string{
		`"Inbox API" AND netflix`, `court:cand +exhibit:true -"motion to dismiss"`, `filed:>=2024-04 (meta OR facebook)`,
		`entity.person:"Reed Hastings"`, `3:20-cv-08570`, `netfli~2 gra*`, `"unterminated`, `a AND (b OR`, `court:`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseQueryString(s)
		if err == nil {
			return
		}
		var qe *search.QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("%q: error %v is not a QueryError", s, err)
		}
		if qe.Position < -1 || qe.Position > len(s) {
			t.Fatalf("%q: position %d outside the query", s, qe.Position)
		}
	})
}

// TestOperatorChains checks the chains of one operator: OR makes a disjunction of every
// operand, AND a conjunction with the negated operands excluded, and an operator with
// nothing after it is refused at its own position.
func TestOperatorChains(t *testing.T) {
	for _, tc := range []struct {
		q       string
		clauses int // disjuncts of an OR chain; must clauses of an AND chain
		not     int // must_not clauses of an AND chain
	}{
		{q: "meta OR facebook OR instagram", clauses: 3},
		{q: "meta AND facebook AND instagram", clauses: 3},
		{q: "meta AND -facebook AND instagram", clauses: 2, not: 1},
	} {
		t.Run(tc.q, func(t *testing.T) {
			q, err := ParseQueryString(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			switch q := q.(type) {
			case *query.DisjunctionQuery:
				if len(q.Disjuncts) != tc.clauses {
					t.Errorf("%d disjuncts; want %d", len(q.Disjuncts), tc.clauses)
				}
			case *query.BooleanQuery:
				must, mustNot := 0, 0
				if q.Must != nil {
					must = len(q.Must.(*query.ConjunctionQuery).Conjuncts)
				}
				if q.MustNot != nil {
					mustNot = len(q.MustNot.(*query.DisjunctionQuery).Disjuncts)
				}
				if must != tc.clauses || mustNot != tc.not {
					t.Errorf("must %d, must_not %d; want %d and %d", must, mustNot, tc.clauses, tc.not)
				}
			default:
				t.Fatalf("query %T; want a disjunction or a boolean query", q)
			}
		})
	}
	for _, tc := range []struct {
		q, op string
		pos   int
	}{
		{"meta OR", "OR", 5},
		{"meta AND", "AND", 5},
		{"meta OR facebook OR", "OR", 17},
		{"(meta AND facebook AND) x", "AND", 19},
		{"(meta OR) facebook", "OR", 6},
		{"meta OR AND facebook", "OR", 5},
	} {
		t.Run(tc.q, func(t *testing.T) {
			_, err := ParseQueryString(tc.q)
			var qe *search.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v; want a QueryError", err)
			}
			want := `"` + tc.op + `" is missing what it applies to`
			if qe.Position != tc.pos || qe.Message != want {
				t.Errorf("error %q at %d; want %q at %d", qe.Message, qe.Position, want, tc.pos)
			}
		})
	}
}
