package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

var (
	_ search.Searcher  = (*Index)(nil)
	_ search.Documents = (*Index)(nil)
)

// maxHighlights bounds the passages of one hit, each from a different page.
const maxHighlights = 3

// Search runs q against the index.
func (x *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	return x.searchWith(ctx, q, func(req *bleve.SearchRequest) (*bleve.SearchResult, error) {
		return x.alias.SearchInContext(ctx, req)
	})
}

// searchWith turns q into its request, calls run to search the index with it, and
// turns bleve's answer into ours: the one path of Search and SearchWithStats.
func (x *Index) searchWith(ctx context.Context, q search.Query, run func(*bleve.SearchRequest) (*bleve.SearchResult, error)) (*search.Result, error) {
	start := time.Now()
	req, q, err := Request(q)
	if err != nil {
		return nil, err
	}
	dropped := pruneBelowTop(req)
	res, err := run(req)
	if err != nil {
		return nil, searchError(err, q)
	}
	res.Total += dropped.Load()
	out := toResult(res, q, start)
	x.suggest(ctx, q, out)
	return out, nil
}

// Request is the bleve search request answering q (normalised and returned), as Search
// runs it: for callers that search a bleve index of their own with the same mapping.
func Request(q search.Query) (*bleve.SearchRequest, search.Query, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, q, err
	}
	bq, err := schema.BuildQuery(q)
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
	req.Fields = []string{schema.FieldPages, schema.FieldCaseName, schema.FieldDescription, schema.FieldCourt, schema.FieldDocket, schema.FieldEntry,
		schema.FieldExhibit, schema.FieldExhibitLabel, schema.FieldFiled, schema.FieldDocType, schema.FieldSource, schema.FieldDocumentJSON}
	if highlighting(q) {
		req.IncludeLocations = true
		req.Fields = append(req.Fields, schema.FieldText, schema.FieldPageStarts)
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
		return schema.FieldCourt
	case search.FacetDocType:
		return schema.FieldDocType
	case search.FacetYear:
		return schema.FieldYear
	}
	return schema.EntityField(filing.EntityType(strings.TrimPrefix(name, search.FacetEntityPrefix)))
}

// sortOrder is the order of hits; every order ends with the id, so that hits with equal
// keys have a stable order and a cursor names exactly one position.
func sortOrder(s string) bsearch.SortOrder {
	asString := func(field string, desc bool) *bsearch.SortField {
		return &bsearch.SortField{Field: field, Desc: desc, Type: bsearch.SortFieldAsString}
	}
	switch s {
	case search.SortNewest:
		return bsearch.SortOrder{asString(schema.FieldFiledSort, true), &bsearch.SortDocID{}}
	case search.SortOldest:
		return bsearch.SortOrder{asString(schema.FieldDated, true), asString(schema.FieldFiledSort, false), &bsearch.SortDocID{}}
	}
	return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}}
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
				sf.Terms = append(sf.Terms, search.FacetTerm{Term: t.Term, Label: facetLabel(name, t.Term), Count: t.Count})
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
		ID: filing.DocID(h.ID), Score: h.Score, Court: str(schema.FieldCourt), Docket: str(schema.FieldDocket),
		CaseName: str(schema.FieldCaseName), Entry: num(schema.FieldEntry), ExhibitLabel: str(schema.FieldExhibitLabel),
		Description: str(schema.FieldDescription), Pages: num(schema.FieldPages), DocType: str(schema.FieldDocType),
		Source: str(schema.FieldSource),
	}
	hit.Exhibit, _ = h.Fields[schema.FieldExhibit].(bool)
	hit.Title, hit.CourtName = hitTitle(hit, str(schema.FieldDocumentJSON)), docmeta.CourtName(hit.Court)
	if s := str(schema.FieldFiled); s != "" {
		hit.Filed, _ = time.Parse(time.RFC3339, s)
	}
	if !highlight {
		return hit
	}
	text := str(schema.FieldText)
	locs := schema.MatchOffsets(h.Locations[schema.FieldText], h.Locations[schema.FieldTextExact])
	if len(locs) == 0 || text == "" {
		// The match is in the case name or the description: show the description.
		hit.Snippet = html.EscapeString(schema.Trim(hit.Description, schema.SnippetWidth))
		return hit
	}
	hit.Highlights = highlights(text, locs, schema.ParsePageStarts(str(schema.FieldPageStarts)))
	if len(hit.Highlights) > 0 {
		hit.Page, hit.Snippet = hit.Highlights[0].Page, hit.Highlights[0].Snippet
	}
	return hit
}

// highlights returns the best passage of each of the pages with the most matches, best
// first: the page with the densest window of matches names the hit's page.
func highlights(text string, locs [][2]int, starts schema.PageStarts) []search.Highlight {
	type pageMatches struct {
		page, best, count int
		span              [2]int // the page's bytes: its snippet stays within them
		locs              [][2]int
	}
	var pages []*pageMatches
	byPage := map[int]*pageMatches{}
	for _, l := range locs {
		if l[0] < 0 || l[1] > len(text) || l[0] > l[1] {
			continue // a location from a text that changed under us
		}
		p, span := starts.At(l[0], len(text))
		pm := byPage[p]
		if pm == nil {
			pm = &pageMatches{page: p, span: span}
			byPage[p] = pm
			pages = append(pages, pm)
		}
		pm.locs = append(pm.locs, l)
	}
	for _, pm := range pages {
		pm.best, pm.count = schema.Densest(pm.locs, schema.SnippetWidth)
	}
	sort.SliceStable(pages, func(i, j int) bool { return pages[i].count > pages[j].count })
	out := make([]search.Highlight, 0, min(len(pages), maxHighlights))
	for _, pm := range pages[:min(len(pages), maxHighlights)] {
		out = append(out, search.Highlight{Page: pm.page, Snippet: schema.Snippet(text, pm.span, pm.locs, pm.best)})
	}
	return out
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

// facetLabel names a facet value for people: a court by its name (the value stays its id,
// which filters use), anything else as it is; an empty value as "unknown".
func facetLabel(facet, term string) string {
	switch {
	case term == "":
		return "unknown"
	case facet == search.FacetCourt:
		return docmeta.CourtName(term)
	}
	return term
}

// hitTitle is the title of a hit's document, from the document stored with it; a
// document stored before the metadata was (or unreadable) is named from the hit's fields.
func hitTitle(h search.Hit, docJSON string) string {
	var d filing.Document
	if docJSON == "" || json.Unmarshal([]byte(docJSON), &d) != nil {
		d = filing.Document{ID: h.ID, Docket: filing.Docket{Court: h.Court, Number: h.Docket, CaseName: h.CaseName},
			Entry: filing.Entry{Number: h.Entry}, ExhibitLabel: h.ExhibitLabel}
	}
	return docmeta.Title(d)
}
