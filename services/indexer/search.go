package indexer

import (
	"context"
	"errors"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

var (
	_ search.Searcher  = (*Index)(nil)
	_ search.Documents = (*Index)(nil)
)

// SnippetWidth is the length in bytes of the text around the densest matches.
const SnippetWidth = 240

// maxHighlights bounds the passages of one hit, each from a different page.
const maxHighlights = 3

// Search runs q against the index.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	start := time.Now()
	req, q, err := Request(q)
	if err != nil {
		return nil, err
	}
	res, err := x.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, searchError(err, q)
	}
	return toResult(res, q, start), nil
}

// Request is the bleve search request answering q (normalised and returned), as Search
// runs it: for callers that search a bleve index of their own with the same mapping.
func Request(q search.Query) (*bleve.SearchRequest, search.Query, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, q, err
	}
	bq, err := BuildQuery(q)
	if err != nil {
		return nil, q, err
	}
	// One hit more than asked tells whether a next page exists.
	req := bleve.NewSearchRequestOptions(bq, q.Limit+1, 0, false)
	req.SortByCustom(sortOrder(q.Sort))
	if q.After != "" {
		after, err := decodeCursor(q.After, q.Sort)
		if err != nil {
			return nil, q, err
		}
		req.SearchAfter = after
	}
	req.Fields = []string{fieldPages, fieldCaseName, fieldDescription, fieldCourt, fieldDocket, fieldEntry,
		fieldExhibit, fieldExhibitLabel, fieldFiled, fieldDocType, fieldSource}
	if highlighting(q) {
		req.IncludeLocations = true
		req.Fields = append(req.Fields, fieldText, fieldPageStarts)
	}
	for _, name := range q.Facets {
		req.AddFacet(name, bleve.NewFacetRequest(facetField(name), q.FacetSize))
	}
	return req, q, nil
}

func highlighting(q search.Query) bool { return !q.NoHighlight && strings.TrimSpace(q.Q) != "" }

// facetField is the index field counted by a facet (search.Query.Normalize checked the name).
func facetField(name string) string {
	switch name {
	case search.FacetCourt:
		return fieldCourt
	case search.FacetDocType:
		return fieldDocType
	case search.FacetYear:
		return fieldYear
	}
	return entityField(filing.EntityType(strings.TrimPrefix(name, search.FacetEntityPrefix)))
}

// sortOrder is the order of hits; every order ends with the id, so that hits with equal
// keys have a stable order and a cursor names exactly one position.
func sortOrder(s string) bsearch.SortOrder {
	asString := func(field string, desc bool) *bsearch.SortField {
		return &bsearch.SortField{Field: field, Desc: desc, Type: bsearch.SortFieldAsString}
	}
	switch s {
	case search.SortNewest:
		return bsearch.SortOrder{asString(fieldFiledSort, true), &bsearch.SortDocID{}}
	case search.SortOldest:
		return bsearch.SortOrder{asString(fieldDated, true), asString(fieldFiledSort, false), &bsearch.SortDocID{}}
	}
	return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}}
}

// BuildQuery is the bleve query answering q: its query string (ParseQueryString) and its
// filters. Filters do not change scores. A malformed query returns a *search.QueryError.
func BuildQuery(q search.Query) (query.Query, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	user, err := ParseQueryString(q.Q)
	if err != nil {
		return nil, err
	}
	var filters []query.Query
	if len(q.Court) > 0 {
		var any []query.Query
		for _, c := range q.Court {
			t := bleve.NewTermQuery(strings.ToLower(strings.TrimSpace(c)))
			t.SetField(fieldCourt)
			any = append(any, t)
		}
		filters = append(filters, bleve.NewDisjunctionQuery(any...))
	}
	if q.Docket != "" {
		t := bleve.NewTermQuery(strings.TrimSpace(q.Docket))
		t.SetField(fieldDocket)
		filters = append(filters, t)
	}
	if len(q.IDs) > 0 {
		ids := make([]string, len(q.IDs))
		for i, id := range q.IDs {
			ids[i] = string(id)
		}
		filters = append(filters, bleve.NewDocIDQuery(ids))
	}
	if q.Exhibits {
		b := bleve.NewBoolFieldQuery(true)
		b.SetField(fieldExhibit)
		filters = append(filters, b)
	}
	if !q.FiledFrom.IsZero() || !q.FiledTo.IsZero() {
		to := q.FiledTo
		if !to.IsZero() {
			to = to.AddDate(0, 0, 1) // the whole last day
		}
		filters = append(filters, dateRange(fieldFiled, q.FiledFrom, to))
	}
	for _, e := range q.Entities {
		filters = append(filters, entityFilter(e.Type, e.Name))
	}
	if len(q.DocTypes) > 0 {
		var any []query.Query
		for _, t := range q.DocTypes {
			tq := bleve.NewTermQuery(strings.ToLower(strings.TrimSpace(t)))
			tq.SetField(fieldDocType)
			any = append(any, tq)
		}
		filters = append(filters, bleve.NewDisjunctionQuery(any...))
	}
	if len(filters) == 0 {
		return user, nil
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(user)
	if len(filters) == 1 {
		b.AddFilter(filters[0])
	} else {
		b.AddFilter(bleve.NewConjunctionQuery(filters...))
	}
	return b, nil
}

// searchError is what Search returns for err.
func searchError(err error, q search.Query) error {
	if qe := userError(err, q.Q); qe != nil {
		return qe
	}
	return fmt.Errorf("searching %q: %w", q.Q, err)
}

// userError recognises the researcher's mistakes that bleve only finds while searching:
// a wildcard, regexp or fuzzy term expanding to too many terms.
func userError(err error, q string) *search.QueryError {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "TooManyClauses") {
		pos := strings.IndexAny(q, "*?~/")
		return &search.QueryError{Message: "a wildcard, regular expression or fuzzy term matches too many words: make it more specific", Position: pos}
	}
	return nil
}

func toResult(res *bleve.SearchResult, q search.Query, start time.Time) *search.Result {
	hits := res.Hits
	more := len(hits) > q.Limit
	if more {
		hits = hits[:q.Limit]
	}
	out := &search.Result{Total: res.Total, Hits: make([]search.Hit, 0, len(hits))}
	hl := highlighting(q)
	for _, h := range hits {
		hit := toHit(h, hl)
		hit.Cursor = encodeCursor(q.Sort, h)
		out.Hits = append(out.Hits, hit)
	}
	if more {
		out.Next = out.Hits[len(out.Hits)-1].Cursor
	}
	if len(q.Facets) > 0 {
		out.Facets = make(map[string]search.Facet, len(q.Facets))
		for name, f := range res.Facets {
			sf := search.Facet{Total: f.Total, Missing: f.Missing, Other: f.Other, Terms: []search.FacetTerm{}}
			for _, t := range f.Terms.Terms() {
				sf.Terms = append(sf.Terms, search.FacetTerm{Term: t.Term, Count: t.Count})
			}
			out.Facets[name] = sf
		}
	}
	out.Took = time.Since(start)
	return out
}

func toHit(h *bsearch.DocumentMatch, highlight bool) search.Hit {
	str := func(f string) string { s, _ := h.Fields[f].(string); return s }
	num := func(f string) int { n, _ := h.Fields[f].(float64); return int(n) }
	hit := search.Hit{
		ID: filing.DocID(h.ID), Score: h.Score, Court: str(fieldCourt), Docket: str(fieldDocket),
		CaseName: str(fieldCaseName), Entry: num(fieldEntry), ExhibitLabel: str(fieldExhibitLabel),
		Description: str(fieldDescription), Pages: num(fieldPages), DocType: str(fieldDocType),
		Source: str(fieldSource),
	}
	hit.Exhibit, _ = h.Fields[fieldExhibit].(bool)
	if s := str(fieldFiled); s != "" {
		hit.Filed, _ = time.Parse(time.RFC3339, s)
	}
	if !highlight {
		return hit
	}
	text := str(fieldText)
	locs := MatchOffsets(h.Locations[fieldText], h.Locations[fieldTextExact])
	if len(locs) == 0 || text == "" {
		// The match is in the case name or the description: show the description.
		hit.Snippet = html.EscapeString(trim(hit.Description, SnippetWidth))
		return hit
	}
	hit.Highlights = highlights(text, locs, parseStarts(str(fieldPageStarts)))
	if len(hit.Highlights) > 0 {
		hit.Page, hit.Snippet = hit.Highlights[0].Page, hit.Highlights[0].Snippet
	}
	return hit
}

// highlights returns the best passage of each of the pages with the most matches, best
// first: the page with the densest window of matches names the hit's page.
func highlights(text string, locs [][2]int, starts []pageStart) []search.Highlight {
	type pageMatches struct {
		page, best, count int
		locs              [][2]int
	}
	var pages []*pageMatches
	byPage := map[int]*pageMatches{}
	for _, l := range locs {
		if l[0] < 0 || l[1] > len(text) || l[0] > l[1] {
			continue // a location from a text that changed under us
		}
		p := pageAt(starts, l[0])
		pm := byPage[p]
		if pm == nil {
			pm = &pageMatches{page: p}
			byPage[p] = pm
			pages = append(pages, pm)
		}
		pm.locs = append(pm.locs, l)
	}
	for _, pm := range pages {
		pm.best, pm.count = Densest(pm.locs, SnippetWidth)
	}
	sort.SliceStable(pages, func(i, j int) bool { return pages[i].count > pages[j].count })
	out := make([]search.Highlight, 0, min(len(pages), maxHighlights))
	for _, pm := range pages[:min(len(pages), maxHighlights)] {
		out = append(out, search.Highlight{Page: pm.page, Snippet: Snippet(text, pm.locs, pm.best)})
	}
	return out
}

// MatchOffsets flattens term locations into sorted, distinct [start,end) byte ranges.
func MatchOffsets(maps ...bsearch.TermLocationMap) [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	for _, terms := range maps {
		for _, locs := range terms {
			for _, l := range locs {
				r := [2]int{int(l.Start), int(l.End)}
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Densest returns the index of the match that starts the window of width bytes holding
// the most matches, and how many it holds: where a snippet is cut.
func Densest(locs [][2]int, width int) (int, int) {
	best, bestN, j := 0, 0, 0
	for i := range locs {
		for j < len(locs) && locs[j][0] < locs[i][0]+width {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	return best, bestN
}

// Snippet cuts SnippetWidth bytes of text around the match at index at, marks every
// match in it with <mark>, and escapes the rest as HTML. Search hits and alerts both show
// these.
func Snippet(text string, locs [][2]int, at int) string {
	if len(locs) == 0 {
		return html.EscapeString(trim(text, SnippetWidth))
	}
	from := max(0, locs[at][0]-SnippetWidth/4)
	to := min(len(text), from+SnippetWidth)
	from, to = runeStart(text, from), runeStart(text, to)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, l := range locs[at:] {
		if l[0] >= to {
			break
		}
		if l[0] < pos {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:l[0]]))
		b.WriteString("<mark>" + html.EscapeString(text[l[0]:min(l[1], len(text))]) + "</mark>")
		pos = min(l[1], len(text))
	}
	if pos < to {
		b.WriteString(html.EscapeString(text[pos:to]))
	}
	if to < len(text) {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i--
	}
	return i
}

func trim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n)] + "…"
}

// encodeCursor is the position just after a hit in one order: the hit's sort values
// (search.Cursor, whose comparison must agree with sortOrder: shards are merged by it).
func encodeCursor(order string, h *bsearch.DocumentMatch) string {
	c := search.Cursor{Sort: order}
	for i, s := range sortOrder(order) {
		switch s.(type) {
		case *bsearch.SortScore:
			c.Values = append(c.Values, []byte(strconv.FormatFloat(h.Score, 'g', -1, 64)))
		case *bsearch.SortDocID:
			c.Values = append(c.Values, []byte(h.ID))
		default:
			c.Values = append(c.Values, []byte(h.Sort[i]))
		}
	}
	return c.Encode()
}

func decodeCursor(s, order string) ([]string, error) {
	bad := &search.QueryError{Message: "after is not a cursor this index issued for this order", Position: -1}
	c, err := search.DecodeCursor(s)
	if err != nil || c.Sort != order {
		return nil, bad
	}
	so := sortOrder(order)
	if len(c.Values) != len(so) {
		return nil, bad
	}
	out := make([]string, len(c.Values))
	for i, v := range c.Values {
		out[i] = string(v)
		if _, ok := so[i].(*bsearch.SortScore); ok {
			if _, err := strconv.ParseFloat(out[i], 64); err != nil {
				return nil, bad
			}
		}
	}
	return out, nil
}
