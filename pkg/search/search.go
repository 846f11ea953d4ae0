// Package search is the query contract between the index owner and its clients (the
// HTTP API, the CLI, the alerter): the Query and Result forms, the Searcher interface, and
// its remote implementation over NATS request/reply.
package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Query is what a researcher asks: a query string in bleve's syntax plus filters.
type Query struct {
	Q string `json:"q"`
	// Court, Docket and Exhibits filter the hits.
	Court    []string `json:"court,omitempty"`
	Docket   string   `json:"docket,omitempty"`
	Exhibits bool     `json:"exhibits,omitempty"`
	// IDs limits the hits to these documents.
	IDs []filing.DocID `json:"ids,omitempty"`
	// FiledFrom and FiledTo bound the filed date, inclusive.
	FiledFrom time.Time `json:"filed_from,omitzero"`
	FiledTo   time.Time `json:"filed_to,omitzero"`
	// Limit is the page size (default 20, at most MaxLimit).
	Limit int `json:"limit,omitempty"`
	// After is the opaque cursor of the previous page's last hit.
	After string `json:"after,omitempty"`
}

// MaxLimit bounds one page of hits.
const MaxLimit = 1000

// Hit is one matching document, with the page of its best match.
type Hit struct {
	ID           filing.DocID `json:"id"`
	Score        float64      `json:"score"`
	Page         int          `json:"page,omitempty"`
	Snippet      string       `json:"snippet,omitempty"`
	Court        string       `json:"court,omitempty"`
	Docket       string       `json:"docket,omitempty"`
	CaseName     string       `json:"case_name,omitempty"`
	Entry        int          `json:"entry,omitempty"`
	Exhibit      bool         `json:"exhibit,omitempty"`
	ExhibitLabel string       `json:"exhibit_label,omitempty"`
	Description  string       `json:"description,omitempty"`
	Filed        time.Time    `json:"filed,omitzero"`
	Pages        int          `json:"pages,omitempty"`
}

// Result is one page of hits.
type Result struct {
	Total uint64 `json:"total"`
	Hits  []Hit  `json:"hits"`
	// Next is the cursor of the following page, empty on the last one.
	Next string        `json:"next,omitempty"`
	Took time.Duration `json:"took_ns"`
}

// Searcher answers queries.
type Searcher interface {
	// Search runs q. A malformed query returns a *QueryError; anything else is a fault of
	// the service.
	Search(ctx context.Context, q Query) (*Result, error)
}

// QueryError says what is wrong with a query and where: the researcher's mistake, never
// the service's.
type QueryError struct {
	Message string `json:"message"`
	// Position is the byte offset in Query.Q where the problem was found, or -1.
	Position int `json:"position"`
}

func (e *QueryError) Error() string {
	if e.Position >= 0 {
		return fmt.Sprintf("bad query at position %d: %s", e.Position, e.Message)
	}
	return "bad query: " + e.Message
}

// IsQueryError reports whether err is the researcher's mistake.
func IsQueryError(err error) bool {
	var qe *QueryError
	return errors.As(err, &qe)
}

// Normalize applies defaults and bounds, and rejects what no index could answer.
func (q Query) Normalize() (Query, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	if len(q.Q) > 4096 {
		return q, &QueryError{Message: "query longer than 4096 bytes", Position: 4096}
	}
	if !q.FiledFrom.IsZero() && !q.FiledTo.IsZero() && q.FiledTo.Before(q.FiledFrom) {
		return q, &QueryError{Message: "filed_to is before filed_from", Position: -1}
	}
	return q, nil
}
