package indexer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/benchenv"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
)

// The data-driven search tests follow bleve's own (test/tests/<case>/searches.json):
// each directory under testdata/search holds documents.json (the documents, or a
// reference to another case's, or a generator over real corpus text) and searches.json
// (queries and what they must answer: ids, totals, pages, facet counts, errors).

// caseDoc is a document of a case, in a form that is easy to write by hand.
type caseDoc struct {
	ID           string          `json:"id"`
	Court        string          `json:"court"`
	Docket       string          `json:"docket"`
	CaseName     string          `json:"case_name"`
	Entry        int             `json:"entry"`
	Attachment   int             `json:"attachment"`
	Filed        string          `json:"filed"`
	EntryDesc    string          `json:"entry_description"`
	Description  string          `json:"description"`
	Exhibit      bool            `json:"exhibit"`
	ExhibitLabel string          `json:"exhibit_label"`
	Pages        []string        `json:"pages"`
	TextFile     string          `json:"text_file"`  // pages split at form feeds, from testdata/corpus
	PageRange    []int           `json:"page_range"` // [first, last] of TextFile's pages, 1-based
	Entities     []filing.Entity `json:"entities"`
	Version      int64           `json:"version"`
}

// caseDocs is documents.json: a list, or {"include": "../other/documents.json"}, or a
// generator {"generate": {"count": N, "entries": "docket-entries.jsonl", "text": "x.txt"}}.
type caseDocs struct {
	Include  string `json:"include"`
	Generate *struct {
		Count   int    `json:"count"`
		Entries string `json:"entries"`
		Text    string `json:"text"`
	} `json:"generate"`
}

type caseSearch struct {
	Name  string       `json:"name"`
	Query search.Query `json:"query"`
	Want  struct {
		Total *uint64 `json:"total"`
		// IDs are the hits of the first page, in order when Ordered, else as a set.
		IDs     []string `json:"ids"`
		Ordered bool     `json:"ordered"`
		// Pages maps a hit to the page its best match must be on.
		Pages map[string]int `json:"pages"`
		// Marked maps a hit to a word its snippet must mark.
		Marked map[string]string `json:"marked"`
		// Facets maps a facet to its expected term counts (exactly those terms).
		Facets map[string]map[string]int `json:"facets"`
		// Paginate walks every page with the cursor: every hit must come exactly once,
		// Total of them, in the order of the query's sort.
		Paginate bool `json:"paginate"`
		// ErrorPosition expects a *search.QueryError at this byte offset (-1: any).
		ErrorPosition *int `json:"error_position"`
	} `json:"want"`
}

func TestSearchCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "search", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no search cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			docs := loadCaseDocs(t, filepath.Join(dir, "documents.json"))
			x := openTemp(t)
			indexTexts(t, x, docs)
			var searches []caseSearch
			testfile.JSON(t, filepath.Join(dir, "searches.json"), &searches)
			for _, s := range searches {
				t.Run(s.Name, func(t *testing.T) { runCaseSearch(t, x, s) })
			}
		})
	}
}

func indexTexts(t testing.TB, x *Index, docs []filing.Text) {
	t.Helper()
	const batch = 500
	for i := 0; i < len(docs); i += batch {
		var entries []entry
		for _, d := range docs[i:min(i+batch, len(docs))] {
			entries = append(entries, entry{text: d})
		}
		if err := x.write(entries, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
}

func runCaseSearch(t *testing.T, x *Index, s caseSearch) {
	ctx := context.Background()
	res, err := x.Search(ctx, s.Query)
	if s.Want.ErrorPosition != nil {
		qe, ok := err.(*search.QueryError)
		if !ok {
			t.Fatalf("got %v, %v; want a *search.QueryError", res, err)
		}
		if *s.Want.ErrorPosition >= 0 && qe.Position != *s.Want.ErrorPosition {
			t.Fatalf("error %q at %d; want position %d", qe.Message, qe.Position, *s.Want.ErrorPosition)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.Want.Total != nil && res.Total != *s.Want.Total {
		t.Errorf("total %d; want %d (hits %v)", res.Total, *s.Want.Total, hitIDs(res.Hits))
	}
	if s.Want.IDs != nil {
		got := hitIDs(res.Hits)
		want := slices.Clone(s.Want.IDs)
		if !s.Want.Ordered {
			sort.Strings(got)
			sort.Strings(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("hits %v; want %v", got, want)
		}
	}
	for id, page := range s.Want.Pages {
		h := findHit(res.Hits, id)
		if h == nil {
			t.Errorf("%s is not among the hits", id)
			continue
		}
		if h.Page != page {
			t.Errorf("%s: page %d (snippet %q); want page %d", id, h.Page, h.Snippet, page)
		}
	}
	for id, word := range s.Want.Marked {
		h := findHit(res.Hits, id)
		if h == nil {
			t.Errorf("%s is not among the hits", id)
			continue
		}
		if !strings.Contains(strings.ToLower(h.Snippet), "<mark>"+strings.ToLower(word)+"</mark>") {
			t.Errorf("%s: snippet %q does not mark %q", id, h.Snippet, word)
		}
	}
	for name, want := range s.Want.Facets {
		f, ok := res.Facets[name]
		if !ok {
			t.Errorf("no facet %s in %v", name, res.Facets)
			continue
		}
		got := map[string]int{}
		for _, term := range f.Terms {
			got[term.Term] = term.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("facet %s: %v; want %v", name, got, want)
		}
	}
	if s.Want.Paginate {
		paginate(t, x, s.Query, res.Total)
	}
}

// paginate walks every page of q and checks that each hit comes exactly once, total of
// them, and in the order the query asks for.
func paginate(t *testing.T, x *Index, q search.Query, total uint64) {
	seen := make(map[filing.DocID]bool, total)
	var prev *search.Hit
	pages := 0
	for {
		res, err := x.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if pages > int(total)/max(q.Limit, 1)+2 {
			t.Fatalf("pagination does not end after %d pages", pages)
		}
		for i := range res.Hits {
			h := &res.Hits[i]
			if seen[h.ID] {
				t.Fatalf("page %d: %s returned twice", pages, h.ID)
			}
			seen[h.ID] = true
			if prev != nil && !inOrder(q.Sort, prev, h) {
				t.Fatalf("page %d: %s (%v, %v) comes after %s (%v, %v) out of %s order",
					pages, h.ID, h.Score, h.Filed, prev.ID, prev.Score, prev.Filed, q.Sort)
			}
			prev = h
		}
		if res.Next == "" {
			break
		}
		q.After = res.Next
	}
	if uint64(len(seen)) != total {
		t.Fatalf("walked %d distinct hits over %d pages; want %d", len(seen), pages, total)
	}
}

func inOrder(order string, a, b *search.Hit) bool {
	switch order {
	case search.SortNewest:
		return a.Filed.After(b.Filed) || a.Filed.Equal(b.Filed) && a.ID < b.ID
	case search.SortOldest:
		if a.Filed.IsZero() != b.Filed.IsZero() {
			return b.Filed.IsZero()
		}
		return a.Filed.Before(b.Filed) || a.Filed.Equal(b.Filed) && a.ID < b.ID
	}
	return a.Score > b.Score || a.Score == b.Score && a.ID < b.ID
}

func hitIDs(hits []search.Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, string(h.ID))
	}
	return out
}

func findHit(hits []search.Hit, id string) *search.Hit {
	for i := range hits {
		if string(hits[i].ID) == id {
			return &hits[i]
		}
	}
	return nil
}

func loadCaseDocs(t testing.TB, path string) []filing.Text {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		var ref caseDocs
		testfile.JSON(t, path, &ref)
		switch {
		case ref.Include != "":
			return loadCaseDocs(t, filepath.Join(filepath.Dir(path), ref.Include))
		case ref.Generate != nil:
			g := ref.Generate
			return generateTexts(t, g.Count, corpusPath(g.Entries), corpusPath(g.Text))
		}
		t.Fatalf("%s: neither a list, an include nor a generator", path)
	}
	var docs []caseDoc
	testfile.JSON(t, path, &docs)
	out := make([]filing.Text, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.text(t))
	}
	return out
}

func corpusPath(name string) string { return filepath.Join("testdata", "corpus", name) }

func (d caseDoc) text(t testing.TB) filing.Text {
	t.Helper()
	doc := filing.Document{
		Schema: filing.Schema, ID: filing.DocID(d.ID), Source: "test",
		Docket:     filing.Docket{Court: d.Court, Number: d.Docket, CaseName: d.CaseName},
		Entry:      filing.Entry{Number: d.Entry, Description: d.EntryDesc},
		Attachment: d.Attachment, Description: d.Description, Exhibit: d.Exhibit, ExhibitLabel: d.ExhibitLabel,
	}
	if d.Filed != "" {
		f, err := time.Parse("2006-01-02", d.Filed)
		if err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
		doc.Entry.Filed = f
	}
	pages := d.Pages
	if d.TextFile != "" {
		pages = corpusPages(t, d.TextFile)
		if len(d.PageRange) == 2 {
			pages = pages[d.PageRange[0]-1 : d.PageRange[1]]
		}
	}
	tx := filing.Text{Schema: filing.Schema, Document: doc, Entities: d.Entities, Version: max(d.Version, 1)}
	for i, p := range pages {
		tx.Pages = append(tx.Pages, filing.Page{Number: i + 1, Text: p})
	}
	// The extractor reads the document's metadata (its type among them) before indexing.
	tx.Document = docmeta.Apply(doc, docmeta.Read(doc, tx.Pages))
	return tx
}

func corpusPages(t testing.TB, name string) []string {
	t.Helper()
	data, err := os.ReadFile(corpusPath(name))
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(string(data), "\f")
	if len(pages) > 1 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// corpusEntry is a line of testdata/corpus/docket-entries.jsonl: a real docket entry.
type corpusEntry struct {
	Court       string `json:"court"`
	Docket      string `json:"docket"`
	CaseName    string `json:"case_name"`
	Filed       string `json:"filed"`
	Number      int    `json:"number"`
	Description string `json:"description"`
}

func readEntries(t testing.TB, path string) []corpusEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// paragraphs splits corpus text into paragraphs of at least 200 bytes.
func paragraphs(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, p := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\f' }) {
		for _, para := range strings.Split(p, "\n\n") {
			cur.WriteString(strings.TrimSpace(para))
			cur.WriteByte(' ')
			if cur.Len() >= 200 {
				out = append(out, strings.TrimSpace(cur.String()))
				cur.Reset()
			}
		}
	}
	return out
}

// entryDocument is document i of a set generated from entries, with id prefix:000000
// on: entry i mod len, its filed date shifted by a day per pass over the entries, so
// that many documents share a date and many differ.
func entryDocument(t testing.TB, prefix, source string, i int, entries []corpusEntry) filing.Document {
	t.Helper()
	e := entries[i%len(entries)]
	filed, err := time.Parse("2006-01-02", e.Filed)
	if err != nil {
		t.Fatal(err)
	}
	return filing.Document{
		Schema: filing.Schema, ID: filing.DocID(fmt.Sprintf("%s:%06d", prefix, i)), Source: source,
		Docket: filing.Docket{Court: e.Court, Number: e.Docket, CaseName: e.CaseName},
		Entry:  filing.Entry{Number: e.Number, Filed: filed.AddDate(0, 0, i/len(entries)), Description: e.Description},
	}
}

// corpusTexts is n documents generated (generateTexts) from the real docket entries and
// the real slip opinion in testdata/corpus: what the benchmarks and the large tests index.
func corpusTexts(t testing.TB, n int) []filing.Text {
	t.Helper()
	return generateTexts(t, n, corpusPath("docket-entries.jsonl"), corpusPath("scotus-slip-opinion.txt"))
}

// benchTexts is the corpusTexts a benchmark runs on: as many as the environment variable
// env says (envInt), def when it is unset.
func benchTexts(b *testing.B, env string, def int) []filing.Text {
	b.Helper()
	return corpusTexts(b, benchenv.Int(b, env, def))
}

// textBytes is how many bytes of page text texts hold.
func textBytes(texts []filing.Text) int {
	n := 0
	for _, t := range texts {
		for _, p := range t.Pages {
			n += len(p.Text)
		}
	}
	return n
}

// generateTexts builds n documents from real docket entries (court, docket, case name,
// description, filed date) and real filing text: document i takes entry i mod len and a
// page of two paragraphs of the text, and every seventh is an exhibit. Dates shift by
// a day per pass over the entries so that many documents share a date and many differ.
func generateTexts(t testing.TB, n int, entriesPath, textPath string) []filing.Text {
	t.Helper()
	entries := readEntries(t, entriesPath)
	paras := paragraphs(t, textPath)
	out := make([]filing.Text, 0, n)
	for i := range n {
		e := entries[i%len(entries)]
		doc := entryDocument(t, "gen", "bench", i, entries)
		if i%7 == 3 {
			doc.Attachment, doc.Exhibit = 1+i%5, true
			doc.ExhibitLabel = fmt.Sprintf("Exhibit %d", 1+i%5)
			doc.Description = doc.ExhibitLabel
		}
		page := paras[i%len(paras)] + "\n\n" + paras[(i*7+3)%len(paras)]
		out = append(out, filing.Text{
			Schema: filing.Schema, Document: doc, Version: 1,
			Pages: []filing.Page{{Number: 1, Text: e.Description}, {Number: 2, Text: page}},
		})
	}
	return out
}
