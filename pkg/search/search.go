// Package search is the query contract between the index owner and its clients (the
// HTTP API, the CLI, the alerter): the Query and Result forms, the Searcher interface, and
// its remote implementation over NATS request/reply.
package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Query is what a researcher asks: a query string plus filters, facets, an order and a
// page. The query string is bleve's syntax (terms, "phrases", +must, -must_not, field:value,
// wildcards*, fuzzy~1, boosts^2, ranges field:>=v) extended with AND, OR, NOT and
// parentheses; quoted phrases match exactly (unstemmed), bare terms match stemmed forms.
// Unlike bleve's, side-by-side clauses are AND-ed: every one must match unless OR joins them.
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
	// Entities keeps documents naming every one of these entities.
	Entities []EntityFilter `json:"entities,omitempty"`
	// DocTypes keeps documents of any of these types ("motion", "order", "exhibit", …).
	DocTypes []string `json:"doc_types,omitempty"`
	// Sort is SortRelevance (the default), SortNewest or SortOldest (by filed date).
	Sort string `json:"sort,omitempty"`
	// Facets names the counts wanted over all hits: FacetCourt, FacetDocType, FacetYear,
	// or FacetEntityPrefix+type ("entity.person"). FacetSize bounds the terms of each
	// (default 10, at most MaxFacetSize).
	Facets    []string `json:"facets,omitempty"`
	FacetSize int      `json:"facet_size,omitempty"`
	// NoHighlight leaves out pages and snippets: cheaper, for callers that want ids.
	NoHighlight bool `json:"no_highlight,omitempty"`
	// Limit is the page size (default 20, at most MaxLimit).
	Limit int `json:"limit,omitempty"`
	// After is the opaque cursor of the previous page's last hit.
	After string `json:"after,omitempty"`
}

// EntityFilter names one entity by its canonical name, exactly as a facet term shows it
// (case and punctuation count); an empty Type matches the name under any type.
type EntityFilter struct {
	Type filing.EntityType `json:"type,omitempty"`
	Name string            `json:"name"`
}

// Orders of hits.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
	SortOldest    = "oldest"
)

// Facet names.
const (
	FacetCourt   = "court"
	FacetDocType = "doc_type"
	FacetYear    = "year"
	// FacetEntityPrefix followed by an entity type names the facet of that type's
	// canonical names: "entity.person", "entity.organization".
	FacetEntityPrefix = "entity."
)

// Bounds of one request.
const (
	// MaxLimit bounds one page of hits.
	MaxLimit = 1000
	// MaxFacetSize bounds the terms of one facet.
	MaxFacetSize = 100
	// MaxQueryBytes bounds the query string.
	MaxQueryBytes = 4096
)

// Hit is one matching document, with the page of its best match.
type Hit struct {
	ID filing.DocID `json:"id"`
	// Title names the document as a researcher cites it (docmeta.Title); CourtName is the
	// court's name for people.
	Title     string  `json:"title"`
	CourtName string  `json:"court_name,omitempty"`
	Score     float64 `json:"score"`
	// Page is the page of the best match and Snippet the text around it, HTML-escaped
	// with matches in <mark>; Highlights adds the best passages of other pages.
	Page       int         `json:"page,omitempty"`
	Snippet    string      `json:"snippet,omitempty"`
	Highlights []Highlight `json:"highlights,omitempty"`
	// Cursor is the position just after this hit in the query's order: a client may
	// resume from any hit, and shards' hits are merged by it.
	Cursor       string    `json:"cursor,omitempty"`
	Court        string    `json:"court,omitempty"`
	Docket       string    `json:"docket,omitempty"`
	CaseName     string    `json:"case_name,omitempty"`
	Entry        int       `json:"entry,omitempty"`
	Exhibit      bool      `json:"exhibit,omitempty"`
	ExhibitLabel string    `json:"exhibit_label,omitempty"`
	DocType      string    `json:"doc_type,omitempty"`
	Source       string    `json:"source,omitempty"`
	Description  string    `json:"description,omitempty"`
	Filed        time.Time `json:"filed,omitzero"`
	Pages        int       `json:"pages,omitempty"`
}

// Highlight is a passage of a hit with its matches marked, and the page it is on.
type Highlight struct {
	Page    int    `json:"page"`
	Snippet string `json:"snippet"`
}

// Result is one page of hits.
type Result struct {
	Total uint64 `json:"total"`
	Hits  []Hit  `json:"hits"`
	// Next is the cursor of the following page, empty on the last one.
	Next string `json:"next,omitempty"`
	// Facets holds the counts asked for, by facet name.
	Facets map[string]Facet `json:"facets,omitempty"`
	Took   time.Duration    `json:"took_ns"`
	// Partial says some index shards did not answer in time: MissingShards lists them,
	// and the hits, totals and facets cover only the others.
	Partial       bool  `json:"partial,omitempty"`
	MissingShards []int `json:"missing_shards,omitempty"`
	// Suggestions, when a first page finds nothing, are terms of the index close to the
	// query's words (best first for each word); DidYouMean is the query with each
	// unknown word replaced by its best suggestion, empty when there is none.
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	DidYouMean  string       `json:"did_you_mean,omitempty"`
}

// Suggestion is a term of the index that a word of a query that found nothing may have
// meant: within Edits typing mistakes of it, in Docs documents (of the shards that
// answered; a sharded search adds up every shard's). Edits 0 says the index holds the
// word as typed, so it is not corrected.
type Suggestion struct {
	Word  string `json:"word"` // as typed
	Pos   int    `json:"pos"`  // byte offset of Word in the query
	Term  string `json:"term"`
	Edits int    `json:"edits"`
	Docs  uint64 `json:"docs"`
}

// Facet counts the hits by the values of one field.
type Facet struct {
	// Terms are the most frequent values, most frequent first.
	Terms []FacetTerm `json:"terms"`
	// Total counts values over all hits; Missing counts hits without a value; Other
	// counts values beyond Terms.
	Total   int `json:"total"`
	Missing int `json:"missing"`
	Other   int `json:"other"`
}

// FacetTerm is one value of a facet and how many hits have it.
type FacetTerm struct {
	// Term is the value a filter uses ("ca9"); Label names it for people ("Court of
	// Appeals for the Ninth Circuit"), never blank.
	Term  string `json:"term"`
	Label string `json:"label"`
	Count int    `json:"count"`
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
	q.Limit = config.Default(q.Limit, 20)
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	if len(q.Q) > MaxQueryBytes {
		return q, &QueryError{Message: fmt.Sprintf("query longer than %d bytes", MaxQueryBytes), Position: MaxQueryBytes}
	}
	if !q.FiledFrom.IsZero() && !q.FiledTo.IsZero() && q.FiledTo.Before(q.FiledFrom) {
		return q, &QueryError{Message: "filed_to is before filed_from", Position: -1}
	}
	switch q.Sort {
	case "", SortRelevance, SortNewest, SortOldest:
	default:
		return q, &QueryError{Message: fmt.Sprintf("sort %q is not one of relevance, newest, oldest", q.Sort), Position: -1}
	}
	q.FacetSize = config.Default(q.FacetSize, 10)
	q.FacetSize = min(q.FacetSize, MaxFacetSize)
	for _, f := range q.Facets {
		if !knownFacet(f) {
			return q, &QueryError{Message: fmt.Sprintf("unknown facet %q: use court, doc_type, year or entity.<type>", f), Position: -1}
		}
	}
	for _, e := range q.Entities {
		if e.Name == "" {
			return q, &QueryError{Message: "an entity filter needs a name", Position: -1}
		}
		if e.Type != "" && !KnownEntityType(e.Type) {
			return q, &QueryError{Message: fmt.Sprintf("unknown entity type %q", e.Type), Position: -1}
		}
	}
	return q, nil
}

// EntityTypes are the entity types the index keeps a field (and a facet) for.
var EntityTypes = []filing.EntityType{
	filing.Organization, filing.Person, filing.Place, filing.Product, filing.Money, filing.Date,
	filing.DocketNumber, filing.CaseCitation, filing.Statute, filing.CourtName, filing.ExhibitRef,
}

// KnownEntityType reports whether t is one of EntityTypes.
func KnownEntityType(t filing.EntityType) bool {
	for _, k := range EntityTypes {
		if k == t {
			return true
		}
	}
	return false
}

func knownFacet(f string) bool {
	switch f {
	case FacetCourt, FacetDocType, FacetYear:
		return true
	}
	if t, ok := strings.CutPrefix(f, FacetEntityPrefix); ok {
		return KnownEntityType(filing.EntityType(t))
	}
	return false
}

// Record is one document as the index holds it: what the extractor sent, less the
// entity mentions, plus what the index derived.
type Record struct {
	Document filing.Document `json:"document"`
	DocType  string          `json:"doc_type"`
	// Pages holds the text of each page when it was asked for; PageCount always counts them.
	Pages     []filing.Page   `json:"pages,omitempty"`
	PageCount int             `json:"page_count"`
	Entities  []filing.Entity `json:"entities,omitempty"`
	Version   int64           `json:"version"`
	IndexedAt time.Time       `json:"indexed_at"`
}

// ErrNotFound is returned for a document the index does not hold.
var ErrNotFound = errors.New("document not found")

// Documents fetches indexed documents by id. The index implements it, and so does Remote.
type Documents interface {
	// Document returns the document id, with its page texts when withText. It returns
	// ErrNotFound when the index does not hold id.
	Document(ctx context.Context, id filing.DocID, withText bool) (*Record, error)
}
