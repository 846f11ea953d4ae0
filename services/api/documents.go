package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// exportPageTimeout bounds the search of one page of an export; the export as a whole
// runs as long as the client reads.
const exportPageTimeout = 30 * time.Second

// export streams every hit of a query as NDJSON, one hit per line, walking the cursor
// page by page so that no page cap applies and memory stays bounded. Hits carry no
// snippets unless highlight=true. A bad query answers 400 before the stream starts; a
// failure mid-stream ends it with a line {"error": "..."} (the status is already sent).
func (s *server) export(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if params.Get("highlight") == "" {
		params.Set("highlight", "false")
	}
	params.Del("limit")
	q, err := ParseQuery(params)
	if err != nil {
		s.searchError(w, q, err)
		return
	}
	q.Limit = search.MaxLimit
	q.Facets = nil
	page := ExportPage(r.Context(), s.Searcher, q, exportPageTimeout)
	res, err := page(q.After)
	if err != nil {
		s.searchError(w, q, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Total-Hits", strconv.FormatUint(res.Total, 10))
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	err = StreamPages(w, res, page, func(hits []search.Hit) error {
		for i := range hits {
			if err := enc.Encode(&hits[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.Log.Error("export", "q", q.Q, "err", err)
		_ = enc.Encode(map[string]string{"error": err.Error()})
	}
}

// ExportPage searches the page of q after a cursor (q.After for the first one), each
// page within timeout: the pages of an export, which as a whole runs as long as the
// client reads.
func ExportPage(ctx context.Context, s search.Searcher, q search.Query, timeout time.Duration) func(after string) (*search.Result, error) {
	return func(after string) (*search.Result, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		q.After = after
		return s.Search(ctx, q)
	}
}

// StreamPages is the loop of an export: it hands write the hits of res and of every
// page after it (Result.Next), flushing w after each page so that the client sees the
// export grow and memory holds one page; next fetches the page after a cursor. It
// returns the error of a page that could not be had (the status is sent by then: the
// caller says so in the body) and nil when write fails: the client went away.
func StreamPages(w http.ResponseWriter, res *search.Result, next func(after string) (*search.Result, error), write func([]search.Hit) error) error {
	flusher, _ := w.(http.Flusher)
	for {
		if err := write(res.Hits); err != nil {
			return nil
		}
		if flusher != nil {
			flusher.Flush()
		}
		if res.Next == "" {
			return nil
		}
		var err error
		if res, err = next(res.Next); err != nil {
			return err
		}
	}
}

// document answers /api/v1/documents/{id}, …/{id}/text and …/{id}/pdf.
func (s *server) document(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("id")
	kind := ""
	for _, suffix := range []string{"/text", "/pdf"} {
		if id, ok := strings.CutSuffix(rest, suffix); ok {
			rest, kind = id, suffix[1:]
			break
		}
	}
	id := filing.DocID(rest)
	if err := id.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "bad document id: "+err.Error(), nil)
		return
	}
	if s.Documents == nil {
		writeError(w, http.StatusServiceUnavailable, "documents are not served here", nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	rec, err := s.Documents.Document(ctx, id, kind == "text")
	switch {
	case errors.Is(err, search.ErrNotFound):
		writeError(w, http.StatusNotFound, "no document "+string(id), nil)
		return
	case err != nil:
		s.Log.Error("fetching document", "doc_id", id, "err", err)
		writeError(w, http.StatusServiceUnavailable, "documents are unavailable: "+err.Error(), nil)
		return
	}
	switch kind {
	case "text":
		s.text(w, r, rec)
	case "pdf":
		s.pdf(w, r, rec)
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

// text answers the document's text, pages separated by form feeds as pdftotext does;
// ?page=N answers one page.
func (s *server) text(w http.ResponseWriter, r *http.Request, rec *search.Record) {
	pages := rec.Pages
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "page must be a positive whole number", nil)
			return
		}
		pages = nil
		for _, pg := range rec.Pages {
			if pg.Number == n {
				pages = []filing.Page{pg}
			}
		}
		if pages == nil {
			writeError(w, http.StatusNotFound, "document "+string(rec.Document.ID)+" has no page "+p, nil)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for i, pg := range pages {
		if i > 0 {
			io.WriteString(w, "\f")
		}
		io.WriteString(w, pg.Text)
	}
}

func (s *server) pdf(w http.ResponseWriter, r *http.Request, rec *search.Record) {
	ref := rec.Document.Blob
	if ref == nil || ref.SHA256 == "" {
		writeError(w, http.StatusNotFound, "document "+string(rec.Document.ID)+" has no PDF yet", nil)
		return
	}
	if s.Blobs == nil {
		writeError(w, http.StatusServiceUnavailable, "PDFs are not served here", nil)
		return
	}
	rc, err := s.Blobs.Get(r.Context(), ref.SHA256)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		writeError(w, http.StatusNotFound, "the PDF of "+string(rec.Document.ID)+" is not in the blob store", nil)
		return
	case err != nil:
		s.Log.Error("fetching pdf", "doc_id", rec.Document.ID, "err", err)
		writeError(w, http.StatusServiceUnavailable, "PDFs are unavailable: "+err.Error(), nil)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	if ref.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(ref.Size, 10))
	}
	w.Header().Set("ETag", `"`+ref.SHA256+`"`)
	if _, err := io.Copy(w, rc); err != nil {
		s.Log.Warn("sending pdf", "doc_id", rec.Document.ID, "err", err)
	}
}
