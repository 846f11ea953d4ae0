package schema

import (
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/docketwatch/docketwatch/pkg/search"
)

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
		filters = append(filters, anyKeyword(FieldCourt, q.Court))
	}
	if q.Docket != "" {
		t := bleve.NewTermQuery(strings.TrimSpace(q.Docket))
		t.SetField(FieldDocket)
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
		b.SetField(FieldExhibit)
		filters = append(filters, b)
	}
	if !q.FiledFrom.IsZero() || !q.FiledTo.IsZero() {
		to := q.FiledTo
		if !to.IsZero() {
			to = to.AddDate(0, 0, 1) // the whole last day
		}
		filters = append(filters, dateRange(FieldFiled, q.FiledFrom, to))
	}
	for _, e := range q.Entities {
		filters = append(filters, EntityFilter(e.Type, e.Name))
	}
	if len(q.DocTypes) > 0 {
		filters = append(filters, anyKeyword(FieldDocType, q.DocTypes))
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

// anyKeyword matches a document whose keyword field holds any of values (lowercase
// keywords: court ids, document types).
func anyKeyword(field string, values []string) query.Query {
	terms := make([]query.Query, len(values))
	for i, v := range values {
		t := bleve.NewTermQuery(strings.ToLower(strings.TrimSpace(v)))
		t.SetField(field)
		terms[i] = t
	}
	return bleve.NewDisjunctionQuery(terms...)
}
