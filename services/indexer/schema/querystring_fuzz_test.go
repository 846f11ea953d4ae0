package schema

import (
	"errors"
	"testing"

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
