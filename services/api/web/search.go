package web

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
	"golang.org/x/sync/errgroup"
)

// searchTimeout bounds one search behind a page.
const searchTimeout = 30 * time.Second

// pageFacets are the facets the search page asks for, in the order it shows them.
var pageFacets = []struct{ name, label string }{
	{search.FacetCourt, "Court"},
	{search.FacetDocType, "Document type"},
	{search.FacetYear, "Year filed"},
	{search.FacetEntityPrefix + string(filing.Organization), "Organizations"},
	{search.FacetEntityPrefix + string(filing.Person), "People"},
	{search.FacetEntityPrefix + string(filing.Place), "Places"},
	{search.FacetEntityPrefix + string(filing.Statute), "Statutes"},
	{search.FacetEntityPrefix + string(filing.CaseCitation), "Cases cited"},
}

// chipTypes are the entity types shown as chips on a hit: the ones a researcher pivots on.
var chipTypes = []filing.EntityType{filing.Organization, filing.Person, filing.Place, filing.Product,
	filing.Statute, filing.CaseCitation}

// maxChips bounds the entity chips of one hit.
const maxChips = 6

// searchForm holds the values of the search form's fields.
type searchForm struct {
	Q, Court, DocType, Entity, FiledFrom, FiledTo, Sort string
	Exhibits                                            bool
	// Hidden carries the filters the visible fields hold no room for (a second entity,
	// a second document type) so that submitting the form keeps them.
	Hidden []kv
}

type kv struct{ Name, Value string }

// queryProblem is a bad query, with the query cut where the problem is.
type queryProblem struct {
	Message           string
	Position          int // 1-based character, 0 when unknown
	Before, At, After string
}

type chip struct {
	Label, Value, URL string
}

type facetView struct {
	Name, Label string
	Terms       []facetTermView
	Other       int
}

type facetTermView struct {
	Term, Label string
	Count       int
	URL         string
	Active      bool
}

type hitView struct {
	search.Hit
	URL        string
	Title      string
	Highlights []highlightView
	Chips      []chip
}

type highlightView struct {
	Page    int
	Snippet string
	URL     string
}

type searchData struct {
	Form     searchForm
	Problem  *queryProblem
	Searched bool
	Result   *search.Result
	Hits     []hitView
	Facets   []facetView
	DocTypes []string
	Active   []chip
	PageNo   int
	NextURL  string
	FirstURL string
	CSVURL   string
	JSONURL  string
	AlertURL string
	Took     string
	// DidYouMean is the query corrected from the index's own terms, when it found
	// nothing, and DidYouMeanURL the same search with it.
	DidYouMean    string
	DidYouMeanURL string
}

// pageParams are the parameters that only move through results, never change them.
var pageParams = []string{"after", "p"}

// withParams returns the search URL for v changed by edit, back on the first page.
func withParams(path string, v url.Values, edit func(url.Values)) string {
	c := url.Values{}
	for k, vals := range v {
		if !slices.Contains(pageParams, k) {
			c[k] = slices.Clone(vals)
		}
	}
	if edit != nil {
		edit(c)
	}
	for k, vals := range c {
		vals = slices.DeleteFunc(vals, func(s string) bool { return strings.TrimSpace(s) == "" })
		if len(vals) == 0 || k == "exhibits" && vals[0] == "false" {
			delete(c, k)
		} else {
			c[k] = vals
		}
	}
	if len(c) == 0 {
		return path
	}
	return path + "?" + c.Encode()
}

func readForm(v url.Values) searchForm {
	f := searchForm{Q: v.Get("q"), Court: strings.Join(api.ListParam(v, "court"), ", "), FiledFrom: v.Get("filed_from"),
		FiledTo: v.Get("filed_to"), Sort: v.Get("sort")}
	f.Exhibits, _ = strconv.ParseBool(v.Get("exhibits"))
	if types := api.ListParam(v, "doc_type"); len(types) > 0 {
		f.DocType = types[0]
		for _, t := range types[1:] {
			f.Hidden = append(f.Hidden, kv{"doc_type", t})
		}
	}
	var ents []string
	for _, e := range v["entity"] {
		if e = strings.TrimSpace(e); e != "" {
			ents = append(ents, e)
		}
	}
	if len(ents) > 0 {
		f.Entity = ents[0]
		for _, e := range ents[1:] {
			f.Hidden = append(f.Hidden, kv{"entity", e})
		}
	}
	if d := strings.TrimSpace(v.Get("docket")); d != "" {
		f.Hidden = append(f.Hidden, kv{"docket", d})
	}
	return f
}

func problemOf(q string, err error) *queryProblem {
	var qe *search.QueryError
	if !errors.As(err, &qe) {
		return nil
	}
	p := &queryProblem{Message: qe.Message}
	if qe.Position >= 0 && qe.Position <= len(q) {
		pos := qe.Position
		for pos > 0 && pos < len(q) && !utf8.RuneStart(q[pos]) {
			pos--
		}
		p.Position = utf8.RuneCountInString(q[:pos]) + 1
		p.Before = q[:pos]
		if pos < len(q) {
			_, size := utf8.DecodeRuneInString(q[pos:])
			p.At, p.After = q[pos:pos+size], q[pos+size:]
		} else {
			p.At = " " // the problem is the end: show the caret after the last character
		}
	}
	return p
}

func (u *ui) searchPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	d := searchData{Form: readForm(v)}
	d.PageNo, _ = strconv.Atoi(v.Get("p"))
	d.PageNo = max(d.PageNo, 1)
	params := url.Values{}
	for k, vals := range v {
		params[k] = vals
	}
	var names []string
	for _, f := range pageFacets {
		names = append(names, f.name)
	}
	params.Set("facets", strings.Join(names, ","))
	params.Set("facet_size", "12")
	params.Del("p")
	if params.Get("limit") == "" {
		params.Set("limit", "20")
	}
	if q := strings.TrimSpace(d.Form.Q); q == "" && params.Get("sort") == "" {
		params.Set("sort", search.SortNewest) // with no words, the newest filings first
	}
	q, err := api.ParseQuery(params)
	if err == nil {
		q.Limit = min(q.Limit, 100)
		ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
		defer cancel()
		d.Result, err = u.Searcher.Search(ctx, q)
	}
	status := http.StatusOK
	p := page{Title: "Search", Nav: "search", Data: &d}
	if d.Form.Q != "" {
		p.Title = d.Form.Q + " · Search"
	}
	if err != nil {
		if d.Problem = problemOf(d.Form.Q, err); d.Problem != nil {
			status = http.StatusBadRequest
		} else {
			u.Log.Error("web search", "q", d.Form.Q, "err", err)
			p.Error = "Search is not available right now: " + err.Error()
			status = http.StatusServiceUnavailable
		}
		u.render(w, r, status, "search", p)
		return
	}
	d.Searched = true
	d.Took = d.Result.Took.Round(time.Millisecond).String()
	d.Active = activeFilters(v)
	d.Facets = facetViews(v, d.Result)
	d.DocTypes = docTypeOptions(d.Result, api.ListParam(v, "doc_type"))
	d.Hits = u.hitViews(r.Context(), v, d.Result.Hits)
	if d.Result.Next != "" {
		next := url.Values{}
		for k, vals := range v {
			next[k] = vals
		}
		next.Set("after", d.Result.Next)
		next.Set("p", strconv.Itoa(d.PageNo+1))
		d.NextURL = "/?" + next.Encode()
	}
	if d.PageNo > 1 {
		d.FirstURL = withParams("/", v, nil)
	}
	d.CSVURL = withParams("/export", v, func(c url.Values) { c.Set("format", "csv") })
	d.JSONURL = withParams("/export", v, func(c url.Values) { c.Set("format", "ndjson") })
	if strings.TrimSpace(d.Form.Q) != "" {
		d.AlertURL = withParams("/alerts/new", v, func(c url.Values) { c.Del("sort"); c.Del("limit") })
	}
	if d.DidYouMean = d.Result.DidYouMean; d.DidYouMean != "" {
		d.DidYouMeanURL = withParams("/", v, func(c url.Values) { c.Set("q", d.DidYouMean) })
	}
	u.render(w, r, status, "search", p)
}

// activeFilters lists the filters in force, each with the URL that drops it.
func activeFilters(v url.Values) []chip {
	var out []chip
	drop := func(k, val string) string {
		return withParams("/", v, func(c url.Values) {
			var keep []string
			for _, s := range api.ListParam(c, k) {
				if s != val {
					keep = append(keep, s)
				}
			}
			if k == "entity" {
				keep = nil
				for _, s := range c[k] {
					if strings.TrimSpace(s) != val {
						keep = append(keep, s)
					}
				}
			}
			c[k] = keep
		})
	}
	for _, c := range api.ListParam(v, "court") {
		out = append(out, chip{"Court", c, drop("court", c)})
	}
	for _, t := range api.ListParam(v, "doc_type") {
		out = append(out, chip{"Type", t, drop("doc_type", t)})
	}
	for _, e := range v["entity"] {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, chip{"Entity", e, drop("entity", e)})
		}
	}
	for _, k := range []struct{ key, label string }{{"docket", "Docket"}, {"filed_from", "Filed from"}, {"filed_to", "Filed to"}} {
		if s := strings.TrimSpace(v.Get(k.key)); s != "" {
			out = append(out, chip{k.label, s, withParams("/", v, func(c url.Values) { c.Del(k.key) })})
		}
	}
	if b, _ := strconv.ParseBool(v.Get("exhibits")); b {
		out = append(out, chip{"Only", "exhibits", withParams("/", v, func(c url.Values) { c.Del("exhibits") })})
	}
	return out
}

// facetViews turns the result's counts into links that narrow the search.
func facetViews(v url.Values, res *search.Result) []facetView {
	var out []facetView
	for _, pf := range pageFacets {
		f, ok := res.Facets[pf.name]
		if !ok || len(f.Terms) == 0 {
			continue
		}
		fv := facetView{Name: pf.name, Label: pf.label, Other: f.Other}
		for _, t := range f.Terms {
			tv := facetTermView{Term: t.Term, Label: cmp.Or(t.Label, t.Term), Count: t.Count}
			switch {
			case pf.name == search.FacetCourt:
				tv.Active = slices.Contains(api.ListParam(v, "court"), t.Term)
				tv.URL = withParams("/", v, func(c url.Values) { c.Set("court", t.Term) })
			case pf.name == search.FacetDocType:
				tv.Active = slices.Contains(api.ListParam(v, "doc_type"), t.Term)
				tv.URL = withParams("/", v, func(c url.Values) { c.Set("doc_type", t.Term) })
			case pf.name == search.FacetYear:
				from, to := t.Term+"-01-01", t.Term+"-12-31"
				tv.Active = v.Get("filed_from") == from && v.Get("filed_to") == to
				tv.URL = withParams("/", v, func(c url.Values) { c.Set("filed_from", from); c.Set("filed_to", to) })
			default:
				typ := strings.TrimPrefix(pf.name, search.FacetEntityPrefix)
				val := typ + ":" + t.Term
				tv.Active = slices.Contains(v["entity"], val)
				tv.URL = withParams("/", v, func(c url.Values) {
					if !slices.Contains(c["entity"], val) {
						c.Add("entity", val)
					}
				})
			}
			fv.Terms = append(fv.Terms, tv)
		}
		out = append(out, fv)
	}
	return out
}

func docTypeOptions(res *search.Result, selected []string) []string {
	var out []string
	for _, t := range res.Facets[search.FacetDocType].Terms {
		out = append(out, t.Term)
	}
	for _, s := range selected {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// hitViews prepares the hits for the page, fetching each hit's entities (the hits
// carry none) a few at a time; a hit whose record cannot be had shows no chips.
func (u *ui) hitViews(ctx context.Context, v url.Values, hits []search.Hit) []hitView {
	out := make([]hitView, len(hits))
	q := v.Get("q")
	var fetching errgroup.Group
	fetching.SetLimit(4)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, h := range hits {
		hv := hitView{Hit: h, URL: docURL(h.ID, q, h.Page)}
		hv.Title = cmp.Or(h.Title, string(h.ID))
		for _, hl := range h.Highlights {
			hv.Highlights = append(hv.Highlights, highlightView{Page: hl.Page, Snippet: hl.Snippet, URL: docURL(h.ID, q, hl.Page)})
		}
		if len(hv.Highlights) == 0 && h.Snippet != "" {
			hv.Highlights = []highlightView{{Page: h.Page, Snippet: h.Snippet, URL: hv.URL}}
		}
		out[i] = hv
		if u.Documents == nil {
			continue
		}
		fetching.Go(func() error {
			if rec, err := u.Documents.Document(ctx, h.ID, false); err == nil {
				out[i].Chips = entityChips(v, rec.Entities)
			}
			return nil
		})
	}
	fetching.Wait()
	return out
}

// entityChips picks the most mentioned entities of the pivot types.
func entityChips(v url.Values, ents []filing.Entity) []chip {
	var pick []filing.Entity
	for _, e := range ents {
		if slices.Contains(chipTypes, e.Type) {
			pick = append(pick, e)
		}
	}
	slices.SortStableFunc(pick, func(a, b filing.Entity) int { return len(b.Mentions) - len(a.Mentions) })
	var out []chip
	for _, e := range pick[:min(len(pick), maxChips)] {
		val := string(e.Type) + ":" + e.Canonical
		out = append(out, chip{Label: typeLabel(e.Type), Value: e.Canonical, URL: withParams("/", v, func(c url.Values) {
			if !slices.Contains(c["entity"], val) {
				c.Add("entity", val)
			}
		})})
	}
	return out
}

// docURL opens a document at a page, with the query's words marked.
func docURL(id filing.DocID, q string, pageNo int) string {
	s := docPath(id)
	v := url.Values{}
	if strings.TrimSpace(q) != "" {
		v.Set("q", q)
	}
	if pageNo > 0 {
		v.Set("page", strconv.Itoa(pageNo))
	}
	if len(v) > 0 {
		s += "?" + v.Encode()
	}
	if pageNo > 0 {
		s += "#page-" + strconv.Itoa(pageNo)
	}
	return s
}

func typeLabel(t filing.EntityType) string {
	switch t {
	case filing.Organization:
		return "Organization"
	case filing.Person:
		return "Person"
	case filing.Place:
		return "Place"
	case filing.Product:
		return "Product"
	case filing.Money:
		return "Money"
	case filing.Date:
		return "Date"
	case filing.DocketNumber:
		return "Docket number"
	case filing.CaseCitation:
		return "Case cited"
	case filing.Statute:
		return "Statute"
	case filing.CourtName:
		return "Court"
	case filing.ExhibitRef:
		return "Exhibit cited"
	}
	return string(t)
}

// export streams every hit of the search as CSV or NDJSON, page by page through the
// cursor so that memory stays bounded however many hits there are.
func (u *ui) export(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	format := v.Get("format")
	if format != "csv" && format != "ndjson" {
		u.fail(w, r, http.StatusBadRequest, "Export format must be csv or ndjson.")
		return
	}
	params := url.Values{}
	for k, vals := range v {
		if k != "format" && !slices.Contains(pageParams, k) && k != "facets" {
			params[k] = vals
		}
	}
	params.Del("limit") // highlighting stays on: each row names its best page and snippet
	q, err := api.ParseQuery(params)
	if err != nil {
		u.fail(w, r, http.StatusBadRequest, "The search to export is not valid: "+err.Error())
		return
	}
	q.Limit = search.MaxLimit
	next := api.ExportPage(r.Context(), u.Searcher, q, searchTimeout)
	res, err := next(q.After)
	if err != nil {
		u.fail(w, r, http.StatusServiceUnavailable, "The search could not run: "+err.Error())
		return
	}
	name := "docketwatch-" + u.Now().UTC().Format("20060102-150405") + "." + format
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Total-Hits", strconv.FormatUint(res.Total, 10))
	var write func(hits []search.Hit) error
	if format == "csv" {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"id", "title", "case_name", "docket", "court", "court_name", "filed", "entry", "exhibit_label", "doc_type", "pages", "page", "snippet", "description", "link"})
		write = func(hits []search.Hit) error {
			for i := range hits {
				_ = cw.Write(csvRow(&hits[i]))
			}
			cw.Flush()
			return cw.Error()
		}
	} else {
		enc := json.NewEncoder(w)
		write = func(hits []search.Hit) error {
			for i := range hits {
				if err := enc.Encode(&hits[i]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	err = api.StreamPages(w, res, next, write)
	if err != nil {
		// The status is sent: say so in the file, where whoever opens it sees it.
		u.Log.Error("web export", "q", q.Q, "err", err)
		if format == "csv" {
			_, _ = w.Write([]byte("# export stopped: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n"))
		} else {
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		}
	}
}

// csvRow is a hit as a row of the CSV export.
func csvRow(h *search.Hit) []string {
	entry := ""
	if h.Entry > 0 {
		entry = strconv.Itoa(h.Entry)
	}
	filed := ""
	if !h.Filed.IsZero() {
		filed = h.Filed.UTC().Format(time.DateOnly)
	}
	page := ""
	if h.Page > 0 {
		page = strconv.Itoa(h.Page)
	}
	row := []string{string(h.ID), h.Title, h.CaseName, h.Docket, h.Court, h.CourtName, filed, entry, h.ExhibitLabel, h.DocType,
		strconv.Itoa(h.Pages), page, snippetText(h.Snippet), h.Description, docPath(h.ID)}
	for i, c := range row {
		row[i] = csvSafe(c)
	}
	return row
}

// csvSafe keeps a spreadsheet from running a cell as a formula (a case name or
// description starting with "=" is data, not code).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// snippetText is a hit's snippet as plain text for an export: the marks dropped, the
// escaping undone.
func snippetText(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}
