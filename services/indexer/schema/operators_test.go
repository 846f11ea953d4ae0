package schema

import (
	"errors"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/search"
)

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
		q   string
		pos int
	}{
		{"meta OR", 5},
		{"meta AND", 5},
		{"meta OR facebook OR", 17},
		{"(meta AND facebook AND) x", 19},
		{"(meta OR) facebook", 6},
		{"meta OR AND facebook", 5},
	} {
		t.Run(tc.q, func(t *testing.T) {
			_, err := ParseQueryString(tc.q)
			var qe *search.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v; want a QueryError", err)
			}
			if qe.Position != tc.pos || !strings.Contains(qe.Message, "missing what it applies to") {
				t.Errorf("error %q at %d; want \"... is missing what it applies to\" at %d", qe.Message, qe.Position, tc.pos)
			}
		})
	}
}
