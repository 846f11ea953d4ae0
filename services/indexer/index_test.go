package indexer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

func openTemp(t testing.TB) *Index {
	t.Helper()
	x, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func textOf(id string, version int64, pages ...string) filing.Text {
	t := filing.Text{Schema: filing.Schema, Document: filing.Document{Schema: filing.Schema, ID: filing.DocID(id), Source: "test"}, Version: version}
	for i, p := range pages {
		t.Pages = append(t.Pages, filing.Page{Number: i + 1, Text: p})
	}
	return t
}

func TestHitNamesItsPage(t *testing.T) {
	x := openTemp(t)
	pages := make([]string, 12)
	for i := range pages {
		pages[i] = fmt.Sprintf("Page %d of the declaration discusses discovery deadlines and scheduling.", i+1)
	}
	pages[6] += " The witness described the Inbox API integration at length."
	if err := x.write([]entry{{text: textOf("cand/3:20-cv-08570/736/12", 1, pages...)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"Inbox API"`, "inbox", "+integration +witness"} {
		res, err := x.Search(context.Background(), search.Query{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Hits[0].Page != 7 {
			t.Fatalf("%s: total %d, page %v; want 1 hit on page 7", q, res.Total, res.Hits)
		}
		if !strings.Contains(strings.ToLower(res.Hits[0].Snippet), "<mark>inbox</mark>") &&
			!strings.Contains(res.Hits[0].Snippet, "<mark>integration</mark>") {
			t.Errorf("%s: snippet %q does not mark the match", q, res.Hits[0].Snippet)
		}
	}
}

// TestSnippetStaysOnItsPage: every highlight quotes its own page only; the end of the page
// before, a few bytes away in the joined text, is never in it (nor the start of the next).
func TestSnippetStaysOnItsPage(t *testing.T) {
	x := openTemp(t)
	pages := []string{
		"The first page ends with a sentence about the hearing calendar.",
		"Netflix moved to dismiss.",
		"The third page begins after the motion and mentions the scheduling order.",
	}
	if err := x.write([]entry{{text: textOf("cand/1:24-cv-00001/1/0", 1, pages...)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := x.Search(context.Background(), search.Query{Q: "netflix"})
	if err != nil || res.Total != 1 {
		t.Fatalf("got %v, %v; want 1 hit", res, err)
	}
	h := res.Hits[0]
	if h.Page != 2 || h.Snippet != "<mark>Netflix</mark> moved to dismiss." {
		t.Errorf("got page %d snippet %q; want page 2 quoted alone", h.Page, h.Snippet)
	}
}

// TestCursorReturnsEveryHitOnce pages through hits of many different scores with a small
// page size: every document must come exactly once.
func TestCursorReturnsEveryHitOnce(t *testing.T) {
	x := openTemp(t)
	const n = 230
	var entries []entry
	for i := range n {
		// Vary the term frequency and length so that scores differ and also tie.
		body := strings.Repeat("motion ", 1+i%7) + strings.Repeat("filler words here ", i%5)
		entries = append(entries, entry{text: textOf(fmt.Sprintf("test:%04d", i), 1, body)})
	}
	if err := x.write(entries, time.Now()); err != nil {
		t.Fatal(err)
	}
	seen := map[filing.DocID]int{}
	q := search.Query{Q: "motion", Limit: 17}
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("pagination does not end")
		}
		res, err := x.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != n {
			t.Fatalf("total %d; want %d", res.Total, n)
		}
		for _, h := range res.Hits {
			seen[h.ID]++
		}
		if res.Next == "" {
			break
		}
		q.After = res.Next
	}
	if len(seen) != n {
		t.Fatalf("saw %d distinct documents; want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s returned %d times", id, c)
		}
	}
}

func TestBadQueries(t *testing.T) {
	x := openTemp(t)
	tests := []struct {
		q       string
		wantPos int
	}{
		{`"unterminated phrase`, 0},
		{`netflix AND (meta OR`, 12},
		{`netflix)`, 7},
		{`court:`, 0},
		{`meta +`, 5},
		{`name:~~~`, -1},
	}
	for _, tt := range tests {
		_, err := x.Search(context.Background(), search.Query{Q: tt.q})
		var qe *search.QueryError
		if !asQueryError(err, &qe) {
			t.Errorf("%q: got %v; want a QueryError", tt.q, err)
			continue
		}
		if tt.wantPos >= 0 && qe.Position != tt.wantPos {
			t.Errorf("%q: position %d; want %d (%s)", tt.q, qe.Position, tt.wantPos, qe.Message)
		}
	}
	if _, err := x.Search(context.Background(), search.Query{Q: "x", After: "garbage"}); !search.IsQueryError(err) {
		t.Errorf("a forged cursor: got %v; want a QueryError", err)
	}
}

func asQueryError(err error, qe **search.QueryError) bool {
	if e, ok := err.(*search.QueryError); ok {
		*qe = e
		return true
	}
	return false
}

func TestFilters(t *testing.T) {
	x := openTemp(t)
	mk := func(id, court, docket string, exhibit bool, filed time.Time) entry {
		tx := textOf(id, 1, "the Graph API was deprecated")
		tx.Document.Docket = filing.Docket{Court: court, Number: docket}
		tx.Document.Exhibit = exhibit
		tx.Document.Entry.Filed = filed
		return entry{text: tx}
	}
	day := func(d int) time.Time { return time.Date(2024, 4, d, 0, 0, 0, 0, time.UTC) }
	err := x.write([]entry{
		mk("a", "cand", "3:20-cv-08570", true, day(1)),
		mk("b", "cand", "3:20-cv-08570", false, day(10)),
		mk("c", "dcd", "1:20-cv-03590", true, day(20)),
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    search.Query
		want string
	}{
		{"court", search.Query{Q: "graph", Court: []string{"cand"}}, "a,b"},
		{"docket keyword", search.Query{Q: "graph", Docket: "1:20-cv-03590"}, "c"},
		{"exhibits", search.Query{Q: "graph", Exhibits: true}, "a,c"},
		{"filed range inclusive", search.Query{Q: "graph", FiledFrom: day(10), FiledTo: day(20)}, "b,c"},
		{"combined", search.Query{Q: "graph", Court: []string{"cand"}, Exhibits: true}, "a"},
		{"ids", search.Query{IDs: []filing.DocID{"b", "c", "zz"}}, "b,c"},
	}
	for _, tt := range tests {
		res, err := x.Search(context.Background(), tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, string(h.ID))
		}
		sortStrings(ids)
		if got := strings.Join(ids, ","); got != tt.want {
			t.Errorf("%s: got %s; want %s", tt.name, got, tt.want)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
