package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/search"
)

// TestQueryCostLimits: a query past a cost limit is refused before it runs, with a
// QueryError that names the limit and where the query passed it.
func TestQueryCostLimits(t *testing.T) {
	words := func(n int, suffix string) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("t%d%s", i, suffix)
		}
		return strings.Join(w, " ")
	}
	for _, tc := range []struct {
		name, q string
		wantErr string // "" when the query is within the limits
	}{
		{"as many words as allowed", words(MaxQueryTerms, ""), ""},
		{"one word too many", words(MaxQueryTerms+1, ""), "more than 64 words"},
		{"phrases count as words", strings.Repeat(`"a b" `, MaxQueryTerms+1), "more than 64 words"},
		{"as many fuzzy terms as allowed", words(MaxExpandingTerms, "~2"), ""},
		{"one fuzzy term too many", words(MaxExpandingTerms+1, "~2"), "more than 8 wildcards"},
		{"wildcards and regexps count together", "a* b? /c.*/ d~1 e* f* g* h* i*", "more than 8 wildcards"},
		{"fuzziness 0 is an exact term", words(MaxExpandingTerms+1, "~0"), ""},
		{"500 fuzzy terms", words(500, "~2"), "more than 8 wildcards"},
		{"a long regular expression", "/" + strings.Repeat("a", 200) + "/", "at most 128"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseQueryString(tc.q)
			if took := time.Since(start); took > 100*time.Millisecond {
				t.Errorf("parsing took %v", took)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v; want the query accepted", err)
				}
				return
			}
			qe, ok := err.(*search.QueryError)
			if !ok || !strings.Contains(qe.Message, tc.wantErr) || qe.Position < 0 {
				t.Fatalf("got %v; want a QueryError with a position saying %q", err, tc.wantErr)
			}
		})
	}
}
