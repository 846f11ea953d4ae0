package percolate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
	"github.com/docketwatch/docketwatch/services/alerter/rules"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

func compile(tb testing.TB, p *Percolator, id, q string, f alert.Filters) {
	tb.Helper()
	c, err := rules.Compile(alert.Rule{ID: id, Name: id, Query: q, Filters: f}, p.Mapping())
	if err != nil {
		tb.Fatalf("compiling %q: %v", q, err)
	}
	p.Put(c)
}

func TestMatchNamesPageTermsAndSnippet(t *testing.T) {
	docs, err := corpus.Docs(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	doc := docs[0]
	doc.Pages[1].Text += "\nThe parties dispute whether the Inbox API exposed message contents to developers."
	p := New(schema.Mapping())
	compile(t, p, "aaaaaaaaaaaaaaa1", `"Inbox API"`, alert.Filters{})
	compile(t, p, "aaaaaaaaaaaaaaa2", `"inbox of the API"`, alert.Filters{}) // a different phrase
	ms, st, err := p.Match(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Rule.Rule.ID != "aaaaaaaaaaaaaaa1" {
		t.Fatalf("got %d matches (%+v); want rule 1 only", len(ms), st)
	}
	m := ms[0]
	if m.Page != 2 || !slices.Equal(m.Pages, []int{2}) {
		t.Errorf("got page %d pages %v; want 2 [2]", m.Page, m.Pages)
	}
	if !slices.Equal(m.Terms, []string{"Inbox", "API"}) {
		t.Errorf("got terms %q; want [Inbox API]", m.Terms)
	}
	if !strings.Contains(m.Snippet, "the <mark>Inbox</mark> <mark>API</mark> exposed") {
		t.Errorf("got snippet %q; want the marked phrase in context", m.Snippet)
	}
}

func TestFilters(t *testing.T) {
	base := filing.Text{Schema: 1, Version: 1, Pages: []filing.Page{{Number: 1, Text: "the privacy settings of the platform"}}}
	base.Document = filing.Document{ID: "cand/3:20-cv-08570/736/12", Docket: filing.Docket{Court: "cand", Number: "3:20-cv-08570"},
		Entry: filing.Entry{Number: 736, Description: "DECLARATION in support of MOTION for summary judgment"}, Attachment: 12,
		Description: "Exhibit 12", Exhibit: true, ExhibitLabel: "Exhibit 12", Type: filing.TypeExhibit}
	base.Entities = []filing.Entity{{Type: filing.Organization, Canonical: "Acme Widgets, Inc."}}
	main := base
	main.Document.Attachment, main.Document.Exhibit, main.Document.Description = 0, false, ""
	main.Document.Type = filing.TypeDeclaration
	tests := []struct {
		name string
		f    alert.Filters
		doc  filing.Text
		want bool
	}{
		{"none", alert.Filters{}, main, true},
		{"exhibits only, exhibit", alert.Filters{ExhibitsOnly: true}, base, true},
		{"exhibits only, main document", alert.Filters{ExhibitsOnly: true}, main, false},
		{"court", alert.Filters{Courts: []string{"nysd", "CAND"}}, base, true},
		{"other court", alert.Filters{Courts: []string{"nysd"}}, base, false},
		{"docket", alert.Filters{Docket: "3:20-cv-08570"}, base, true},
		{"other docket", alert.Filters{Docket: "3:20-cv-08571"}, base, false},
		{"entity", alert.Filters{Entities: []string{"Acme Widgets, Inc."}}, base, true},
		{"entity with type", alert.Filters{Entities: []string{"organization:Acme Widgets, Inc."}}, base, true},
		{"entity, wrong type", alert.Filters{Entities: []string{"person:Acme Widgets, Inc."}}, base, false},
		{"other entity", alert.Filters{Entities: []string{"Widget Makers LLC"}}, base, false},
		{"type exhibit", alert.Filters{Types: []string{"exhibit"}}, base, true},
		{"type exhibit, main document", alert.Filters{Types: []string{"exhibit"}}, main, false},
		{"type of the document", alert.Filters{Types: []string{"declaration"}}, main, true},
		{"other type", alert.Filters{Types: []string{"motion"}}, main, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(schema.Mapping())
			compile(t, p, fmt.Sprintf("%016x", i+1), "privacy", tt.f)
			ms, _, err := p.Match(context.Background(), tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ms) == 1; got != tt.want {
				t.Errorf("got match %v; want %v", got, tt.want)
			}
		})
	}
}

// queries returns n rule queries of the shapes people write, built from the corpus's
// own words so that some match and most do not.
func queries(tb testing.TB, n int, seed uint64) []string {
	tb.Helper()
	words, err := corpus.Words()
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	word := func() string { return words[rng.IntN(len(words))] }
	phrase := func(k int) string {
		i := rng.IntN(len(words) - k)
		return strings.Join(words[i:i+k], " ")
	}
	out := make([]string, n)
	for i := range out {
		switch i % 10 {
		case 0, 1, 2, 3:
			out[i] = `"` + phrase(2) + `"`
		case 4:
			out[i] = `"` + phrase(3) + `"`
		case 5:
			out[i] = word()
		case 6:
			out[i] = "+" + word() + " +" + word()
		case 7:
			out[i] = word() + " " + word() + " -" + word()
		case 8:
			out[i] = `"` + phrase(2) + `" ` + word()
		case 9:
			switch rng.IntN(4) {
			case 0:
				out[i] = word() + "*"
			case 1:
				out[i] = word() + "~1"
			case 2:
				out[i] = "description:" + word()
			default:
				out[i] = "-" + word()
			}
		}
	}
	return out
}

// TestPreselectionLosesNothing runs every rule against one index holding all the
// documents, the way a search would, and checks that percolating each document alone,
// with candidate pre-selection, finds exactly the same (rule, document) pairs.
func TestPreselectionLosesNothing(t *testing.T) {
	docs, err := corpus.Docs(24, 2)
	if err != nil {
		t.Fatal(err)
	}
	m := schema.Mapping()
	all, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	for _, d := range docs {
		if err := all.Index(string(d.Document.ID), newDocument(d, time.Now()).fields); err != nil {
			t.Fatal(err)
		}
	}
	p := New(m)
	want := map[string]bool{}
	for i, q := range queries(t, 400, 7) {
		id := fmt.Sprintf("%016x", i+1)
		compile(t, p, id, q, alert.Filters{})
		c, _ := rules.Compile(alert.Rule{ID: id, Query: q}, m)
		req := bleve.NewSearchRequestOptions(c.Query, len(docs), 0, false)
		res, err := all.Search(req)
		if err != nil {
			t.Fatalf("searching %q: %v", q, err)
		}
		for _, h := range res.Hits {
			want[id+" "+h.ID] = true
		}
	}
	got := map[string]bool{}
	candidates := 0
	for _, d := range docs {
		ms, st, err := p.Match(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		candidates += st.Candidates
		for _, m := range ms {
			got[m.Rule.Rule.ID+" "+string(d.Document.ID)] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("percolation missed %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("percolation found %s, which a search does not", k)
		}
	}
	if len(want) == 0 {
		t.Fatal("no rule matched any document: the test proves nothing")
	}
	t.Logf("%d pairs; %.1f candidate rules of 400 per document", len(want), float64(candidates)/float64(len(docs)))
}

// foreignWord returns a word of random letters, which no court filing uses; long, as
// the names people track are, so that the rule is filed under it rather than under the
// common word beside it (the key is the longest term).
func foreignWord(rng *rand.Rand) string {
	b := make([]byte, 14+rng.IntN(5))
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return "q" + string(b) // no English word has a q then a random letter this often
}

// TestPreselectionPrunes checks that rules whose required words a document lacks are
// never run on it, even when another of their words is common.
func TestPreselectionPrunes(t *testing.T) {
	docs, err := corpus.Docs(6, 2)
	if err != nil {
		t.Fatal(err)
	}
	words, _ := corpus.Words()
	rng := rand.New(rand.NewPCG(3, 3))
	p := New(schema.Mapping())
	for i := range 300 {
		common := words[rng.IntN(len(words))]
		var q string
		switch i % 3 {
		case 0:
			q = `"` + common + " " + foreignWord(rng) + `"`
		case 1:
			q = "+" + common + " +" + foreignWord(rng)
		default:
			q = foreignWord(rng)
		}
		compile(t, p, fmt.Sprintf("%016x", i+1), q, alert.Filters{})
	}
	for _, d := range docs {
		ms, st, err := p.Match(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Candidates != 0 || len(ms) != 0 {
			t.Errorf("%s: got %d candidates, %d matches; want 0 of %d rules on words it lacks", d.Document.ID, st.Candidates, len(ms), st.Rules)
		}
	}
}

func TestRequiredTerms(t *testing.T) {
	m := schema.Mapping()
	tests := []struct {
		q    string
		want string // the key clause, "" for none
	}{
		// Bare words search the text, the case name and the description, stemmed; quoted
		// phrases their unstemmed copies.
		{`"Inbox API"`, "case_name_exact:inbox description_exact:inbox text_exact:inbox"},
		{`privacy`, "case_name:privaci description:privaci text:privaci"},
		// Juxtaposed words are all required (AND is the default), so one of them keys the rule.
		{`inbox api`, "case_name:inbox description:inbox text:inbox"},
		{`+settlement +api`, "case_name:settlement description:settlement text:settlement"},
		{`settlement -api`, "case_name:settlement description:settlement text:settlement"},
		{`-settlement`, ""},
		{`settl*`, ""},
		{`settlement~1`, ""},
		{`description:order`, "description:order"},
		{`court:cand privacy`, "court:cand"},
		{`inbox OR api`, "case_name:api case_name:inbox description:api description:inbox text:api text:inbox"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			c, err := rules.Compile(alert.Rule{ID: "0000000000000001", Query: tt.q}, m)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, k := range c.Key {
				parts = append(parts, k.Field+":"+k.Term)
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("got key %q; want %q", got, tt.want)
			}
		})
	}
}

// A match at the top of page 2 is quoted from page 2 alone: the end of page 1, a few
// bytes before it in the joined text, is not in its snippet.
func TestSnippetStaysOnItsPage(t *testing.T) {
	doc := filing.Text{Schema: 1, Version: 1, Pages: []filing.Page{
		{Number: 1, Text: "The first page ends with a sentence about the hearing calendar."},
		{Number: 2, Text: "Netflix moved to dismiss the complaint on the second page."},
	}}
	doc.Document = filing.Document{ID: "cand/1:24-cv-00001/1/0", Docket: filing.Docket{Court: "cand", Number: "1:24-cv-00001"}}
	p := New(schema.Mapping())
	compile(t, p, "aaaaaaaaaaaaaaa1", `netflix`, alert.Filters{})
	ms, _, err := p.Match(context.Background(), doc)
	if err != nil || len(ms) != 1 {
		t.Fatalf("got %d matches, %v; want 1", len(ms), err)
	}
	if ms[0].Page != 2 {
		t.Errorf("got page %d; want 2", ms[0].Page)
	}
	if s := ms[0].Snippet; strings.Contains(s, "calendar") || !strings.HasPrefix(s, "<mark>Netflix</mark> moved") {
		t.Errorf("got snippet %q; want page 2's text only, from its start", s)
	}
}
