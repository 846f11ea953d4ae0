// Package api serves docketwatch over HTTP: the JSON API under /api/v1 and the health
// endpoints. It owns no data: searches go to the index owner through a search.Searcher.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// Deps are what the API calls. Fields are added as the API grows; a nil optional
// dependency turns its endpoints into clear 503 answers, never a crash.
type HandlerDeps struct {
	Searcher search.Searcher
	// Documents fetches indexed documents; nil uses Searcher when it implements
	// search.Documents (search.Remote and the index both do).
	Documents search.Documents
	// Blobs holds the PDFs served by /api/v1/documents/{id}/pdf; nil answers 503 there.
	Blobs blob.Store
	// Gate bounds the searches under way, overall and per client (SearchGate); nil
	// bounds nothing. The web UI shares the process's gate.
	Gate *SearchGate
	// Ready reports whether the process can serve; nil means always.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
}

// Handler returns the HTTP handler of the API.
func Handler(d HandlerDeps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Searcher, d.Documents = d.Gate.Readers(d.Searcher, d.Documents)
	s := &server{d}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /api/v1/search", s.search)
	mux.HandleFunc("GET /api/v1/search/export", s.export)
	// A DocID holds slashes ("cand/3:20-cv-08570/736/12"), so the id is the rest of the
	// path and /text or /pdf is read off its end.
	mux.HandleFunc("GET /api/v1/documents/{id...}", s.document)
	return mux
}

type server struct{ HandlerDeps }

func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// apiError is the body of every error answer.
type apiError struct {
	Error struct {
		Message  string `json:"message"`
		Position *int   `json:"position,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string, pos *int) {
	var e apiError
	e.Error.Message, e.Error.Position = msg, pos
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		s.searchError(w, q, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	res, err := s.Searcher.Search(ctx, q)
	if err != nil {
		s.searchError(w, q, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// searchError answers a failed search: 400 with the message and position for the
// researcher's mistake, 503 for the service's.
func (s *server) searchError(w http.ResponseWriter, q search.Query, err error) {
	var qe *search.QueryError
	switch {
	case errors.Is(err, ErrTooManySearches):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, err.Error()+"; wait for an answer before asking again", nil)
	case errors.As(err, &qe):
		var pos *int
		if qe.Position >= 0 {
			pos = &qe.Position
		}
		writeError(w, http.StatusBadRequest, qe.Message, pos)
	default:
		s.Log.Error("search", "q", q.Q, "err", err)
		writeError(w, http.StatusServiceUnavailable, "search is unavailable: "+err.Error(), nil)
	}
}

// ListParam is the values of parameter k, repeated (court=a&court=b) or separated by
// commas (court=a,b), trimmed, the empty ones dropped.
func ListParam(v map[string][]string, k string) []string {
	var out []string
	for _, c := range v[k] {
		for _, part := range strings.Split(c, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// ParseQuery reads a search.Query from URL parameters:
//
//	q            the query string
//	court        court ids (repeatable or comma-separated)
//	docket       a docket number, exactly
//	exhibits     true: exhibits only
//	filed_from, filed_to   dates (YYYY-MM-DD), inclusive
//	entity       an entity, "type:Canonical Name" or "Canonical Name" (repeatable; all must match)
//	doc_type     document types (repeatable or comma-separated; any may match)
//	sort         relevance (default), newest or oldest
//	facets       facet names (comma-separated): court, doc_type, year, entity.<type>
//	facet_size   terms per facet
//	highlight    false: no pages or snippets
//	limit, after the page size and the cursor of the previous page
//
// A bad parameter is a *search.QueryError.
func ParseQuery(v map[string][]string) (search.Query, error) {
	bad := func(msg string) error { return &search.QueryError{Message: msg, Position: -1} }
	get := func(k string) string {
		if len(v[k]) == 0 {
			return ""
		}
		return v[k][0]
	}
	list := func(k string) []string { return ListParam(v, k) }
	q := search.Query{Q: get("q"), Docket: strings.TrimSpace(get("docket")), After: get("after"),
		Court: list("court"), DocTypes: list("doc_type"), Facets: list("facets"), Sort: get("sort")}
	for _, e := range v["entity"] {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		f := search.EntityFilter{Name: e}
		if t, name, ok := strings.Cut(e, ":"); ok && search.KnownEntityType(filing.EntityType(t)) {
			f = search.EntityFilter{Type: filing.EntityType(t), Name: strings.TrimSpace(name)}
		}
		q.Entities = append(q.Entities, f)
	}
	for _, b := range []struct {
		name string
		to   *bool
		flip bool
	}{{"exhibits", &q.Exhibits, false}, {"highlight", &q.NoHighlight, true}} {
		if s := get(b.name); s != "" {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return q, bad(b.name + " must be true or false")
			}
			*b.to = v != b.flip
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"filed_from", &q.FiledFrom}, {"filed_to", &q.FiledTo}} {
		if s := get(d.name); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				return q, bad(d.name + " must be a date like 2024-04-15")
			}
			*d.to = t
		}
	}
	for _, n := range []struct {
		name string
		to   *int
	}{{"limit", &q.Limit}, {"facet_size", &q.FacetSize}} {
		if s := get(n.name); s != "" {
			i, err := strconv.Atoi(s)
			if err != nil || i < 1 {
				return q, bad(n.name + " must be a positive whole number")
			}
			*n.to = i
		}
	}
	return q.Normalize()
}

// maxRuleBytes bounds a rule's JSON: its query, name and filters are bounded far below it.
const maxRuleBytes = 64 << 10

// decodeBody reads r's JSON body into v, refusing unknown fields and a body over max
// bytes (413), and answers the client itself when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any, what string) bool {
	if r.ContentLength > max {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the %s is %d bytes; at most %d are accepted", what, r.ContentLength, max), nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the %s is longer than %d bytes", what, tooBig.Limit), nil)
			return false
		}
		writeError(w, http.StatusBadRequest, "reading the "+what+": "+err.Error(), nil)
		return false
	}
	return true
}
