package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
)

// Bounds of a document page.
const (
	// pagesPerView is how many pages of text one view shows; a 900-page exhibit is read
	// a window at a time rather than sent whole.
	pagesPerView = 25
	// maxMarkTerms and maxMarksPerPage bound the highlighting work of one view.
	maxMarkTerms    = 40
	maxMarksPerPage = 500
)

type metaRow struct{ Label, Value string }

type entityView struct {
	Name     string
	Mentions int
	Pages    string
	URL      string
}

type entityGroup struct {
	Label    string
	Entities []entityView
}

type pageView struct {
	Number     int
	HTML       template.HTML
	Marks      int
	OCR        bool
	Confidence float64
	Engine     string
	Stamp      string
	Current    bool
	PDFURL     string
	Empty      bool
}

type viewLink struct {
	Label   string
	URL     string
	Current bool
}

type documentData struct {
	Rec       *search.Record
	Title     string
	Meta      []metaRow
	SourceURL string
	PDFURL    string
	Q         string
	Problem   *queryProblem
	Groups    []entityGroup
	Pages     []pageView
	Target    int
	HitPages  []viewLink
	Views     []viewLink
	SearchURL string
}

func (u *ui) documentPage(w http.ResponseWriter, r *http.Request) {
	id := filing.DocID(r.PathValue("id"))
	if err := id.Validate(); err != nil {
		u.fail(w, r, http.StatusBadRequest, "That is not a document id: "+err.Error())
		return
	}
	if u.Documents == nil {
		u.fail(w, r, http.StatusServiceUnavailable, "Documents are not served by this node.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	rec, err := u.Documents.Document(ctx, id, true)
	switch {
	case errors.Is(err, search.ErrNotFound):
		u.fail(w, r, http.StatusNotFound, "The index holds no document "+string(id)+". It may not be extracted yet, or it was parked: see the status page.")
		return
	case err != nil:
		u.Log.Error("web document", "doc_id", id, "err", err)
		u.fail(w, r, http.StatusServiceUnavailable, "The document could not be fetched: "+err.Error())
		return
	}
	v := r.URL.Query()
	d := newDocumentData(rec, strings.TrimSpace(v.Get("q")), u.apiDocPath(id))
	// The query's matches: the search restricted to this document says which words
	// matched on which pages; those words are then marked on every page shown.
	hitPages, terms := u.documentHits(ctx, d)
	d.pages(termsRegexp(terms), hitPages, v.Get("page"))
	u.render(w, r, http.StatusOK, "document", page{Title: d.Title, Nav: "search", Data: d})
}

// newDocumentData is the page's header: title, metadata, links and entities.
func newDocumentData(rec *search.Record, q, apiPath string) *documentData {
	d := &documentData{Rec: rec, Q: q}
	doc := rec.Document
	d.Title = docmeta.Title(doc)
	d.Meta = documentMeta(rec)
	if su, err := url.Parse(doc.URL); err == nil && (su.Scheme == "https" || su.Scheme == "http") {
		d.SourceURL = su.String()
	}
	if doc.Blob != nil && doc.Blob.SHA256 != "" {
		d.PDFURL = apiPath + "/pdf"
	}
	d.Groups = entityGroups(rec.Entities)
	if d.Q != "" {
		d.SearchURL = "/?" + url.Values{"q": {d.Q}}.Encode()
	}
	return d
}

// documentHits runs the page's query against its document alone: the pages it matched
// on, and the words to mark.
func (u *ui) documentHits(ctx context.Context, d *documentData) (map[int]bool, []string) {
	hitPages := map[int]bool{}
	if d.Q == "" {
		return hitPages, nil
	}
	var terms []string
	id := d.Rec.Document.ID
	res, err := u.Searcher.Search(ctx, search.Query{Q: d.Q, IDs: []filing.DocID{id}, Limit: 1})
	switch {
	case err != nil && search.IsQueryError(err):
		d.Problem = problemOf(d.Q, err)
	case err != nil:
		u.Log.Warn("web document highlights", "doc_id", id, "err", err)
	case len(res.Hits) > 0:
		for _, hl := range res.Hits[0].Highlights {
			hitPages[hl.Page] = true
			terms = append(terms, markedTerms(hl.Snippet)...)
		}
	}
	return hitPages, append(terms, queryWords(d.Q)...)
}

// pages lays out the view around the asked page (else the first page with a hit): its
// pages with the matches of re marked, links to the other views and to every page with
// a hit.
func (d *documentData) pages(re *regexp.Regexp, hitPages map[int]bool, asked string) {
	rec, id := d.Rec, d.Rec.Document.ID
	d.Target, _ = strconv.Atoi(asked)
	if d.Target < 1 || d.Target > max(len(rec.Pages), 1) {
		d.Target = 0
	}
	if d.Target == 0 {
		for _, p := range rec.Pages {
			if hitPages[p.Number] {
				d.Target = p.Number
				break
			}
		}
	}
	if d.Target == 0 {
		d.Target = 1
	}
	first := (d.Target-1)/pagesPerView*pagesPerView + 1
	last := first + pagesPerView - 1
	for start := 1; start <= len(rec.Pages); start += pagesPerView {
		end := min(start+pagesPerView-1, len(rec.Pages))
		d.Views = append(d.Views, viewLink{Label: fmt.Sprintf("pages %d–%d", start, end),
			URL: docURL(id, d.Q, start), Current: start == first})
	}
	if len(d.Views) < 2 {
		d.Views = nil
	}
	for _, p := range rec.Pages {
		marks := 0
		if re != nil {
			marks = len(re.FindAllStringIndex(p.Text, maxMarksPerPage))
		}
		if marks > 0 {
			hitPages[p.Number] = true
		}
		if p.Number < first || p.Number > last {
			continue
		}
		pv := pageView{Number: p.Number, OCR: p.OCR, Confidence: p.Confidence, Engine: p.Engine, Stamp: p.Stamp,
			Current: p.Number == d.Target, Marks: marks, Empty: strings.TrimSpace(p.Text) == ""}
		pv.HTML = markText(p.Text, re)
		if d.PDFURL != "" {
			pv.PDFURL = d.PDFURL + "#page=" + strconv.Itoa(p.Number)
		}
		d.Pages = append(d.Pages, pv)
	}
	var hp []int
	for n := range hitPages {
		hp = append(hp, n)
	}
	slices.Sort(hp)
	for _, n := range hp {
		d.HitPages = append(d.HitPages, viewLink{Label: strconv.Itoa(n), URL: docURL(id, d.Q, n), Current: n == d.Target})
	}
}

func documentMeta(rec *search.Record) []metaRow {
	doc := rec.Document
	var rows []metaRow
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			rows = append(rows, metaRow{label, value})
		}
	}
	add("Case", doc.Docket.CaseName)
	add("Docket", doc.Docket.Number)
	if doc.Docket.Court != "" {
		add("Court", docmeta.CourtName(doc.Docket.Court)+" ("+doc.Docket.Court+")")
	}
	if doc.Entry.Number > 0 {
		add("Entry", strconv.Itoa(doc.Entry.Number))
	}
	if doc.Attachment > 0 {
		add("Attachment", strconv.Itoa(doc.Attachment))
	}
	add("Exhibit", doc.ExhibitLabel)
	if !doc.Entry.Filed.IsZero() {
		add("Filed", doc.Entry.Filed.UTC().Format(time.DateOnly))
	}
	add("Type", rec.DocType)
	add("Title", doc.Title)
	add("Entry text", doc.Entry.Description)
	add("Description", doc.Description)
	add("Pages", strconv.Itoa(rec.PageCount))
	add("Source", doc.Source)
	if doc.Blob != nil {
		add("File", doc.Blob.Name)
	}
	add("Document id", string(doc.ID))
	if !rec.IndexedAt.IsZero() {
		add("Indexed", rec.IndexedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return rows
}

// entityGroups groups entities by type, in the index's order of types, most mentioned
// first; each links to a search for documents naming it.
func entityGroups(ents []filing.Entity) []entityGroup {
	by := map[filing.EntityType][]entityView{}
	for _, e := range ents {
		var pages []int
		for _, m := range e.Mentions {
			if !slices.Contains(pages, m.Page) {
				pages = append(pages, m.Page)
			}
		}
		slices.Sort(pages)
		var ps []string
		for _, p := range pages[:min(len(pages), 12)] {
			ps = append(ps, strconv.Itoa(p))
		}
		if len(pages) > 12 {
			ps = append(ps, "…")
		}
		val := string(e.Type) + ":" + e.Canonical
		by[e.Type] = append(by[e.Type], entityView{Name: e.Canonical, Mentions: len(e.Mentions),
			Pages: strings.Join(ps, ", "), URL: "/?" + url.Values{"entity": {val}}.Encode()})
	}
	var out []entityGroup
	types := slices.Clone(search.EntityTypes)
	for t := range by {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	for _, t := range types {
		es := by[t]
		if len(es) == 0 {
			continue
		}
		slices.SortStableFunc(es, func(a, b entityView) int { return b.Mentions - a.Mentions })
		out = append(out, entityGroup{Label: typeLabel(t), Entities: es})
	}
	return out
}

var markTag = regexp.MustCompile(`<mark>(.*?)</mark>`)

// markedTerms returns the words the index marked in a snippet, as the document writes them.
func markedTerms(snippet string) []string {
	var out []string
	for _, m := range markTag.FindAllStringSubmatch(snippet, -1) {
		if t := strings.TrimSpace(html.UnescapeString(m[1])); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// textFields are the query fields whose words appear in a document's text.
var textFields = map[string]bool{"text": true, "description": true, "case_name": true}

// queryOperators are the query syntax's own words.
var queryOperators = map[string]bool{"AND": true, "OR": true, "NOT": true, "TO": true}

// queryWords picks the plain words and phrases a researcher typed, leaving out operators,
// field names, negated terms and wildcards, so that the page marks what was asked for
// even where the index's snippets did not reach.
func queryWords(q string) []string {
	var out []string
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '"':
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				end = len(q) - i - 1
			}
			if p := strings.TrimSpace(q[i+1 : i+1+end]); p != "" && (i == 0 || q[i-1] != '-') {
				out = append(out, p)
			}
			i += end + 2
		case unicode.IsSpace(rune(c)) || strings.IndexByte("()+", c) >= 0:
			i++
		default:
			j := i
			for j < len(q) && !unicode.IsSpace(rune(q[j])) && strings.IndexByte(`()"`, q[j]) < 0 {
				j++
			}
			w := q[i:j]
			i = j
			if strings.HasPrefix(w, "-") || queryOperators[w] || strings.ContainsAny(w, "*?~^[]{}/\\") {
				continue
			}
			if field, val, ok := strings.Cut(w, ":"); ok {
				// Only the text fields hold words a page shows; court:cand does not.
				if !textFields[field] {
					continue
				}
				w = val
			}
			w = strings.Trim(w, ".,;:!<>=")
			if len(w) > 1 {
				out = append(out, w)
			}
		}
	}
	return out
}

// termsRegexp matches any of terms as whole words, case-insensitively, longest first.
func termsRegexp(terms []string) *regexp.Regexp {
	seen := map[string]bool{}
	var alts []string
	for _, t := range terms {
		k := strings.ToLower(t)
		if t == "" || seen[k] || len(t) > 200 {
			continue
		}
		seen[k] = true
		// Whitespace in a phrase matches any run of whitespace: page text wraps lines.
		parts := strings.Fields(t)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		alts = append(alts, strings.Join(parts, `\s+`))
		if len(alts) == maxMarkTerms {
			break
		}
	}
	if len(alts) == 0 {
		return nil
	}
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	re, err := regexp.Compile(`(?i)\b(?:` + strings.Join(alts, "|") + `)\b`)
	if err != nil {
		return nil
	}
	return re
}

// markText escapes a page's text and wraps the matches of re in <mark>.
func markText(text string, re *regexp.Regexp) template.HTML {
	if re == nil {
		return template.HTML(html.EscapeString(text))
	}
	var b strings.Builder
	at := 0
	for _, m := range re.FindAllStringIndex(text, maxMarksPerPage) {
		b.WriteString(html.EscapeString(text[at:m[0]]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m[0]:m[1]]))
		b.WriteString("</mark>")
		at = m[1]
	}
	b.WriteString(html.EscapeString(text[at:]))
	return template.HTML(b.String())
}
