package clfake

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/httpstatus"
)

// Config configures the fake. Zero fields take the defaults noted.
type Config struct {
	// Courts to generate (default nysd, cand, nysb, ca9).
	Courts []string
	// DocketsPerCourt (default 25) and DocumentsPerCourt (default 500, attachments
	// included).
	DocketsPerCourt   int
	DocumentsPerCourt int
	Seed              int64
	// Start and Span bound the generated date_created values (default 30 days from
	// 2026-08-01 00:00 UTC).
	Start time.Time
	Span  time.Duration
	// Token is the API token the fake accepts (default 40 hex characters of "a").
	Token string
	// DenyRECAP makes the RECAP endpoints answer 403, as they did for users without the
	// has_recap_api_access permission before May 2026.
	DenyRECAP bool
	// Rates are the per-token throttle rates; zero means unlimited (the default).
	Rates Rates
	// Now is the fake's clock for throttling (default time.Now).
	Now func() time.Time
}

// Rates are DRF throttle rates, all enforced at once.
type Rates struct{ PerMinute, PerHour, PerDay int }

// Faults are switched on and off while the server runs. A value N > 0 in an "Every" field
// hits every Nth API request (counted across all requests).
type Faults struct {
	ServerErrorEvery int
	ThrottleEvery    int
	// RetryAfter is the Retry-After, in seconds, of injected 429s (default 1).
	RetryAfter    int
	SlowEvery     int
	Slow          time.Duration
	TruncateEvery int
	// CorruptEvery serves wrong bytes for every Nth storage download.
	CorruptEvery int
}

// Stats counts what the server answered.
type Stats struct {
	Requests  int
	Storage   int
	ByStatus  map[int]int
	Throttled int
	// OverLimit counts requests refused because the token exceeded its Rates (the
	// injected 429s of Faults are not among them).
	OverLimit int
}

// Server is a running fake CourtListener.
type Server struct {
	*httptest.Server
	cfg Config

	mu       sync.Mutex
	data     *store
	faults   Faults
	n        int
	nStorage int
	epoch    int
	stats    Stats
	hits     map[string]*window
	// held are documents filed but not yet committed: invisible, as a row is in
	// CourtListener's database until its transaction commits, though its date_created was
	// stamped before. fileStatus makes storage answer a status for a document's PDF.
	held       map[int64]bool
	fileStatus map[int64]int
	recap      *recapState // recap.go
}

// New generates the data and starts the server; Close it when done.
func New(cfg Config) *Server {
	if len(cfg.Courts) == 0 {
		cfg.Courts = []string{"nysd", "cand", "nysb", "ca9"}
	}
	cfg.DocketsPerCourt = config.Default(cfg.DocketsPerCourt, 25)
	cfg.DocumentsPerCourt = config.Default(cfg.DocumentsPerCourt, 500)
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	}
	cfg.Span = config.Default(cfg.Span, 30*24*time.Hour)
	if cfg.Token == "" {
		cfg.Token = strings.Repeat("a", 40)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, data: generate(cfg), hits: map[string]*window{}, held: map[int64]bool{}, fileStatus: map[int64]int{}}
	s.stats.ByStatus = map[int]int{}
	s.Server = httptest.NewServer(s)
	return s
}

// Start is New for a test: the server closes when the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	s := New(cfg)
	tb.Cleanup(s.Close)
	return s
}

// Token returns the token the server accepts.
func (s *Server) Token() string { return s.cfg.Token }

// APIBase is the fake's equivalent of https://www.courtlistener.com/api/rest/v4/.
func (s *Server) APIBase() string { return s.URL + "/api/rest/v4/" }

// StorageBase is the fake's equivalent of https://storage.courtlistener.com/.
func (s *Server) StorageBase() string { return s.URL + "/storage/" }

// SetFaults replaces the active faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// RotateCursors invalidates every cursor handed out so far: following an old "next"
// then gives 404 {"detail":"Invalid cursor"}.
func (s *Server) RotateCursors() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByStatus = map[int]int{}
	for k, v := range s.stats.ByStatus {
		st.ByStatus[k] = v
	}
	return st
}

// Documents returns the generated documents of a court (all courts when court is ""),
// in creation order: the ground truth a test compares a crawl against.
func (s *Server) Documents(court string) []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Document
	for _, id := range s.data.order {
		d := s.data.docs[id]
		if court == "" || d.Court == court {
			out = append(out, *d)
		}
	}
	return out
}

// Docket returns a generated docket.
func (s *Server) Docket(id int64) (Docket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copied(s.data.dockets[id])
}

// Entry returns a generated entry.
func (s *Server) Entry(id int64) (Entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copied(s.data.entries[id])
}

// copied is a copy of what p points to, which a caller may keep without the lock; false
// when p is nil (no such record).
func copied[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}

// File files n more documents in court at time at, as new filings arriving upstream,
// and returns how many documents were made (attachments included).
func (s *Server) File(court string, n int, at time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dockets []*Docket
	for _, id := range sortedIDs(s.data.dockets) {
		if d := s.data.dockets[id]; d.Court == court {
			dockets = append(dockets, d)
		}
	}
	if len(dockets) == 0 {
		return 0
	}
	r := newRand(s.cfg.Seed + int64(len(s.data.order)))
	made := 0
	for made < n {
		made += s.data.addEntry(r, dockets[r.IntN(len(dockets))], at.Add(time.Duration(made)*time.Millisecond), s.cfg.Start, n-made)
	}
	return made
}

// FileHeld files n documents in court stamped at, but leaves them uncommitted
// (invisible) until Commit: CourtListener stamps date_created when a transaction starts
// and the row becomes visible when it commits, after rows stamped later may have been
// read. It returns the new documents' ids.
func (s *Server) FileHeld(court string, n int, at time.Time) []int64 {
	s.mu.Lock()
	first := len(s.data.order)
	s.mu.Unlock()
	s.File(court, n, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Clone(s.data.order[first:])
	for _, id := range ids {
		s.held[id] = true
	}
	return ids
}

// Commit makes held documents visible.
func (s *Server) Commit(ids ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.held, id)
	}
}

// AttachPDF gives an unavailable document its PDF at time at, as when RECAP receives a
// document after its entry: is_available, filepath_local, sha1 and size are set, and
// date_modified moves to at. It reports whether the document was waiting for one.
func (s *Server) AttachPDF(id int64, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data.docs[id]
	if !ok || d.IsAvailable {
		return false
	}
	dk := s.data.dockets[d.DocketID]
	d.setPDF(dk)
	d.DateModified = at.Truncate(time.Microsecond)
	return true
}

// SetFileStatus makes storage answer status (404, 500, ...) for a document's PDF; 0
// restores the file.
func (s *Server) SetFileStatus(id int64, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.fileStatus, id)
		return
	}
	s.fileStatus[id] = status
}

// ServeHTTP routes a request to the API or to storage.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httpstatus.Wrap(w)
	defer func() {
		s.mu.Lock()
		s.stats.ByStatus[rec.Code]++
		s.mu.Unlock()
	}()
	if strings.HasPrefix(r.URL.Path, "/storage/") {
		s.serveStorage(rec, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/api/rest/v4/") {
		writeJSON(rec, 404, map[string]any{"detail": "Not found."})
		return
	}
	if path := strings.TrimPrefix(r.URL.Path, "/api/rest/v4/"); strings.HasPrefix(path, "recap-query/") || strings.HasPrefix(path, "recap-fetch/") { // recap.go
		if s.authenticate(rec, r, path) && !s.serveRECAP(rec, r, path) {
			writeJSON(rec, 405, map[string]any{"detail": fmt.Sprintf("Method \"%s\" not allowed.", r.Method)})
		}
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeJSON(rec, 405, map[string]any{"detail": fmt.Sprintf("Method \"%s\" not allowed.", r.Method)})
		return
	}
	s.mu.Lock()
	s.n++
	s.stats.Requests++
	n, f := s.n, s.faults
	s.mu.Unlock()

	if f.SlowEvery > 0 && n%f.SlowEvery == 0 {
		select {
		case <-time.After(f.Slow):
		case <-r.Context().Done():
			return
		}
	}
	if f.ServerErrorEvery > 0 && n%f.ServerErrorEvery == 0 {
		codes := []int{500, 502, 503}
		code := codes[(n/f.ServerErrorEvery)%len(codes)]
		rec.Header().Set("Content-Type", "text/html")
		rec.WriteHeader(code)
		fmt.Fprintf(rec, "<h1>Server Error (%d)</h1>", code)
		return
	}
	if f.ThrottleEvery > 0 && n%f.ThrottleEvery == 0 {
		ra := config.Default(f.RetryAfter, 1)
		s.throttled(rec, "5/min", ra)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/rest/v4/")
	if !s.authenticate(rec, r, path) {
		return
	}
	var body any
	status := 200
	switch {
	case path == "recap-documents/":
		status, body = s.listDocuments(r)
	case strings.HasPrefix(path, "recap-documents/"):
		status, body = s.getDocument(strings.TrimSuffix(strings.TrimPrefix(path, "recap-documents/"), "/"), r)
	case path == "docket-entries/":
		status, body = s.listEntries(r)
	case strings.HasPrefix(path, "dockets/") && path != "dockets/":
		status, body = s.getDocket(strings.TrimSuffix(strings.TrimPrefix(path, "dockets/"), "/"), r)
	default:
		status, body = 404, map[string]any{"detail": "Not found."}
	}
	if f.TruncateEvery > 0 && n%f.TruncateEvery == 0 && status == 200 {
		b, _ := json.Marshal(body)
		rec.Header().Set("Content-Type", "application/json")
		rec.Header().Set("Content-Length", strconv.Itoa(len(b)))
		rec.WriteHeader(200)
		_, _ = rec.Write(b[:len(b)/2])
		return
	}
	writeJSON(rec, status, body)
}

// authenticate applies Token authentication, the RECAP permission and the throttle,
// writing the error response DRF would and reporting whether to continue.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, path string) bool {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	switch {
	case h == "":
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		writeJSON(w, 401, map[string]any{"detail": "Authentication credentials were not provided."})
		return false
	case scheme != "Token" || strings.TrimSpace(token) != s.cfg.Token:
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		writeJSON(w, 401, map[string]any{"detail": "Invalid token."})
		return false
	}
	if s.cfg.DenyRECAP && (strings.HasPrefix(path, "recap-documents/") || strings.HasPrefix(path, "docket-entries/")) {
		writeJSON(w, 403, map[string]any{"detail": "You do not have permission to perform this action."})
		return false
	}
	now := s.cfg.Now()
	s.mu.Lock()
	win := s.hits[token]
	if win == nil {
		win = newWindow(s.cfg.Rates)
		s.hits[token] = win
	}
	wait, rate := win.allow(now)
	s.mu.Unlock()
	if wait > 0 {
		s.mu.Lock()
		s.stats.OverLimit++
		s.mu.Unlock()
		s.throttled(w, rate, int(math.Ceil(wait.Seconds())))
		return false
	}
	return true
}

func (s *Server) throttled(w http.ResponseWriter, rate string, retryAfter int) {
	s.mu.Lock()
	s.stats.Throttled++
	s.mu.Unlock()
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeJSON(w, 429, map[string]any{"detail": fmt.Sprintf("Request was throttled. Rate limit exceeded: %s. Expected available in %d seconds.", rate, retryAfter)})
}

func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/storage/")
	s.mu.Lock()
	s.nStorage++
	s.stats.Storage++
	n, f := s.nStorage, s.faults
	var pdf []byte
	status := 0
	for _, d := range s.data.docs {
		if d.FilepathLocal == p && d.IsAvailable {
			pdf, status = d.PDF, s.fileStatus[d.ID]
			break
		}
	}
	s.mu.Unlock()
	if status >= 500 {
		http.Error(w, "storage unavailable", status)
		return
	}
	if pdf == nil || status == 404 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(404)
		_, _ = w.Write([]byte("<Error><Code>NoSuchKey</Code></Error>"))
		return
	}
	if f.CorruptEvery > 0 && n%f.CorruptEvery == 0 {
		pdf = bytes.Replace(pdf, []byte("Case"), []byte("Cxse"), 1)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	_, _ = w.Write(pdf)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// window is DRF's SimpleRateThrottle history for one token: the request times within
// each window, all windows enforced at once.
type window struct {
	rates []rate
}

type rate struct {
	limit int
	span  time.Duration
	name  string
	times []time.Time
}

func newWindow(r Rates) *window {
	w := &window{}
	add := func(limit int, span time.Duration, unit string) {
		if limit > 0 {
			w.rates = append(w.rates, rate{limit: limit, span: span, name: fmt.Sprintf("%d/%s", limit, unit)})
		}
	}
	add(r.PerMinute, time.Minute, "min")
	add(r.PerHour, time.Hour, "hour")
	add(r.PerDay, 24*time.Hour, "day")
	return w
}

// allow records a request at now, or returns how long until the first failing window
// frees a slot, and that window's rate.
func (w *window) allow(now time.Time) (time.Duration, string) {
	for i := range w.rates {
		rt := &w.rates[i]
		keep := rt.times[:0]
		for _, t := range rt.times {
			if now.Sub(t) < rt.span {
				keep = append(keep, t)
			}
		}
		rt.times = keep
		if len(rt.times) >= rt.limit {
			return rt.times[0].Add(rt.span).Sub(now), rt.name
		}
	}
	for i := range w.rates {
		w.rates[i].times = append(w.rates[i].times, now)
	}
	return 0, ""
}

// cursor is DRF's opaque cursor: base64 of "o=<offset>&r=<reverse>&p=<position>"; the
// fake adds "e=<epoch>" so that RotateCursors can invalidate outstanding cursors.
type cursor struct {
	offset   int
	position string
	epoch    int
}

func (c cursor) encode() string {
	v := url.Values{}
	v.Set("o", strconv.Itoa(c.offset))
	v.Set("r", "0")
	v.Set("p", c.position)
	v.Set("e", strconv.Itoa(c.epoch))
	return base64.StdEncoding.EncodeToString([]byte(v.Encode()))
}

func decodeCursor(s string) (cursor, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, err
	}
	v, err := url.ParseQuery(string(raw))
	if err != nil {
		return cursor{}, err
	}
	var c cursor
	c.offset, _ = strconv.Atoi(v.Get("o"))
	c.epoch, _ = strconv.Atoi(v.Get("e"))
	c.position = v.Get("p")
	if v.Get("r") == "1" {
		return cursor{}, fmt.Errorf("reverse cursors are not supported by the fake")
	}
	return c, nil
}

// row is one item of a list in its ordering: key orders it, pos is the key as the cursor
// writes it.
type row struct {
	key  int64
	id   int64
	pos  string
	item func() map[string]any
}

const pageSize = 20

// paginate applies DRF cursor pagination to rows already filtered; the caller holds s.mu,
// and only the page's rows are rendered.
func (s *Server) paginate(r *http.Request, rows []row, desc bool) (int, any) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].key != rows[j].key {
			return (rows[i].key < rows[j].key) != desc
		}
		return (rows[i].id < rows[j].id) != desc
	})
	q := r.URL.Query()
	if q.Get("count") == "on" {
		return 200, map[string]any{"count": len(rows)}
	}
	epoch := s.epoch
	start := 0
	if cs := q.Get("cursor"); cs != "" {
		c, err := decodeCursor(cs)
		if err != nil || c.epoch != epoch {
			return 404, map[string]any{"detail": "Invalid cursor"}
		}
		posKey, err := parsePosition(c.position)
		if err != nil {
			return 404, map[string]any{"detail": "Invalid cursor"}
		}
		start = sort.Search(len(rows), func(i int) bool {
			if desc {
				return rows[i].key <= posKey
			}
			return rows[i].key >= posKey
		})
		for skipped := 0; start < len(rows) && rows[start].key == posKey && skipped < c.offset; skipped++ {
			start++
		}
	}
	end := min(start+pageSize, len(rows))
	results := make([]any, 0, end-start)
	for _, rw := range rows[start:end] {
		results = append(results, applyFieldSelection(rw.item(), q))
	}
	var next any
	if end < len(rows) {
		last := rows[end-1]
		off := 0
		for i := end - 1; i >= 0 && rows[i].key == last.key; i-- {
			off++
		}
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", cursor{offset: off, position: last.pos, epoch: epoch}.encode())
		next = requestBase(r) + r.URL.Path + "?" + nq.Encode()
	}
	cq := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			cq[k] = v
		}
	}
	cq.Set("count", "on")
	return 200, map[string]any{
		"count":    requestBase(r) + r.URL.Path + "?" + cq.Encode(),
		"next":     next,
		"previous": nil,
		"results":  results,
	}
}

// Positions are ids or datetimes, ordered as integers (microseconds for datetimes).
func parsePosition(p string) (int64, error) {
	if n, err := strconv.ParseInt(p, 10, 64); err == nil {
		return n, nil
	}
	t, err := parseDateTime(p)
	if err != nil {
		return 0, err
	}
	return t.UnixMicro(), nil
}

func applyFieldSelection(item map[string]any, q url.Values) map[string]any {
	if omit := q.Get("omit"); omit != "" {
		for _, f := range strings.Split(omit, ",") {
			if outer, inner, ok := strings.Cut(f, "__"); ok {
				if nested, ok := item[outer].([]any); ok {
					for _, n := range nested {
						if m, ok := n.(map[string]any); ok {
							delete(m, inner)
						}
					}
				}
				continue
			}
			delete(item, f)
		}
	}
	if fields := q.Get("fields"); fields != "" {
		keep := map[string]bool{}
		for _, f := range strings.Split(fields, ",") {
			outer, _, _ := strings.Cut(f, "__")
			keep[outer] = true
		}
		for k := range item {
			if !keep[k] {
				delete(item, k)
			}
		}
	}
	return item
}

var pacific = func() *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return time.FixedZone("PDT", -7*3600)
	}
	return loc
}()

// formatDateTime writes a datetime as CourtListener's DB API does: Pacific time with
// microseconds.
func formatDateTime(t time.Time) string {
	return t.In(pacific).Format("2006-01-02T15:04:05.000000-07:00")
}

func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 datetime", s)
}

// Deliver posts a webhook event the way CourtListener does: JSON, an Idempotency-Key that
// every retry reuses, no redirects followed, anything but 2xx a failure. It tries up to
// attempts times, waiting between tries as wait returns (CourtListener waits 3^(n+1)
// minutes; tests pass something shorter), and returns how many deliveries it made.
func Deliver(ctx context.Context, client *http.Client, endpoint string, event []byte, key string, attempts int, wait func(n int) time.Duration) (int, error) {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var last error
	for n := 0; n < attempts; n++ {
		if n > 0 {
			select {
			case <-time.After(wait(n - 1)):
			case <-ctx.Done():
				return n, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(event))
		if err != nil {
			return n, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		req.Header.Set("X-WhSentry-TLS", "true")
		resp, err := c.Do(req)
		if err != nil {
			last = err
			continue
		}
		resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return n + 1, nil
		}
		last = fmt.Errorf("webhook endpoint answered %s", resp.Status)
	}
	return attempts, last
}

// DocketAlertEvent renders a docket-alert webhook event (version 2 envelope, event type
// 1) announcing the given entries, as CourtListener sends it: the entries with their
// RECAP documents, the docket as an id, and no plain text.
func (s *Server) DocketAlertEvent(entryIDs ...int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	results := make([]any, 0, len(entryIDs))
	for _, id := range entryIDs {
		e, ok := s.data.entries[id]
		if !ok {
			return nil, fmt.Errorf("no entry %d", id)
		}
		m := s.renderEntry(e)
		m["docket"] = e.DocketID
		for _, d := range m["recap_documents"].([]any) {
			delete(d.(map[string]any), "plain_text")
		}
		results = append(results, m)
	}
	return json.Marshal(map[string]any{
		"payload": map[string]any{"results": results},
		"webhook": map[string]any{"version": 2, "event_type": 1, "date_created": formatDateTime(s.cfg.Now()), "deprecation_date": nil},
	})
}

// SearchAlertEvent renders a RECAP search-alert webhook event (version 2, event type 2)
// whose alert matched the given documents, as CourtListener sends it: one result per
// docket (search type r), at most three matching documents nested in each, and
// meta.more_docs true when more matched.
func (s *Server) SearchAlertEvent(docIDs ...int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var order []int64
	byDocket := map[int64][]*Document{}
	for _, id := range docIDs {
		d, ok := s.data.docs[id]
		if !ok {
			return nil, fmt.Errorf("no document %d", id)
		}
		if byDocket[d.DocketID] == nil {
			order = append(order, d.DocketID)
		}
		byDocket[d.DocketID] = append(byDocket[d.DocketID], d)
	}
	results := make([]any, 0, len(order))
	for _, dkID := range order {
		dk, docs := s.data.dockets[dkID], byDocket[dkID]
		nested := make([]any, 0, 3)
		for _, d := range docs[:min(3, len(docs))] {
			nested = append(nested, s.renderSearchDoc(d))
		}
		results = append(results, map[string]any{
			"docket_id": dk.ID, "caseName": dk.CaseName, "case_name_full": "", "docketNumber": dk.DocketNumber,
			"court": dk.Court, "court_id": dk.Court, "court_citation_string": "", "dateFiled": dk.DateCreated.Format("2006-01-02"),
			"pacer_case_id": dk.PacerCaseID, "docket_absolute_url": "/docket/" + strconv.FormatInt(dk.ID, 10) + "/" + slug(dk.CaseName) + "/",
			"party": []any{}, "attorney": []any{}, "firm": []any{},
			"meta":            map[string]any{"timestamp": s.cfg.Now().UTC().Format(time.RFC3339Nano), "date_created": dk.DateCreated.UTC().Format(time.RFC3339Nano), "more_docs": len(docs) > 3},
			"recap_documents": nested,
		})
	}
	return json.Marshal(map[string]any{
		"payload": map[string]any{"results": results, "alert": map[string]any{"id": 1, "name": "watch", "query": "q=motion&type=r", "rate": "rt", "alert_type": "r"}},
		"webhook": map[string]any{"version": 2, "event_type": 2, "date_created": formatDateTime(s.cfg.Now()), "deprecation_date": nil},
	})
}

// renderSearchDoc writes a document as the search API nests it in a type r result.
func (s *Server) renderSearchDoc(d *Document) map[string]any {
	e := s.data.entries[d.EntryID]
	var att any
	if d.AttachmentNumber > 0 {
		att = d.AttachmentNumber
	}
	n, _ := strconv.Atoi(d.DocumentNumber)
	m := map[string]any{
		"id": d.ID, "docket_entry_id": d.EntryID, "description": e.Description, "entry_number": e.EntryNumber,
		"entry_date_filed": e.DateFiled.Format("2006-01-02"), "short_description": d.Description,
		"document_type": "PACER Document", "document_number": n, "attachment_number": att, "pacer_doc_id": d.PacerDocID,
		"snippet": "", "is_available": d.IsAvailable, "page_count": d.PageCount, "filepath_local": nil, "cites": []any{},
		"meta": map[string]any{"timestamp": s.cfg.Now().UTC().Format(time.RFC3339Nano), "date_created": d.DateCreated.UTC().Format(time.RFC3339Nano)},
	}
	if d.AttachmentNumber > 0 {
		m["document_type"] = "Attachment"
	}
	if d.IsAvailable {
		m["filepath_local"] = d.FilepathLocal
	}
	return m
}

// requestBase is the scheme and host the request was sent to: DRF builds its links from
// the request, so a server reached at another address links to that address.
func requestBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
