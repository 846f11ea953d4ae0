// Package api serves docketwatch over HTTP: the JSON API under /api/v1 and the health
// endpoints. It owns no data: searches go to the index owner through a search.Searcher.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/search"
)

// Deps are what the API calls.
type Deps struct {
	Searcher search.Searcher
	// Ready reports whether the process can serve; nil means always.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
}

// Handler returns the HTTP handler of the API.
func Handler(d Deps) http.Handler {
	s := &server{d}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /api/v1/search", s.search)
	return mux
}

type server struct{ Deps }

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
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	res, err := s.Searcher.Search(ctx, q)
	var qe *search.QueryError
	switch {
	case errors.As(err, &qe):
		var pos *int
		if qe.Position >= 0 {
			pos = &qe.Position
		}
		writeError(w, http.StatusBadRequest, qe.Message, pos)
	case err != nil:
		s.Log.Error("search", "q", q.Q, "err", err)
		writeError(w, http.StatusServiceUnavailable, "search is unavailable: "+err.Error(), nil)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// ParseQuery reads a search.Query from URL parameters: q, court (repeatable or
// comma-separated), docket, exhibits, filed_from, filed_to (YYYY-MM-DD), limit, after.
func ParseQuery(v map[string][]string) (search.Query, error) {
	get := func(k string) string {
		if len(v[k]) == 0 {
			return ""
		}
		return v[k][0]
	}
	q := search.Query{Q: get("q"), Docket: get("docket"), After: get("after")}
	for _, c := range v["court"] {
		for _, part := range strings.Split(c, ",") {
			if part = strings.TrimSpace(part); part != "" {
				q.Court = append(q.Court, part)
			}
		}
	}
	if s := get("exhibits"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, errors.New("exhibits must be true or false")
		}
		q.Exhibits = b
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"filed_from", &q.FiledFrom}, {"filed_to", &q.FiledTo}} {
		if s := get(d.name); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				return q, errors.New(d.name + " must be a date like 2024-04-15")
			}
			*d.to = t
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, errors.New("limit must be a positive whole number")
		}
		q.Limit = n
	}
	return q.Normalize()
}
