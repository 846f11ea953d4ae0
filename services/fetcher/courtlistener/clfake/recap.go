package clfake

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
)

// This file fakes RECAP's document APIs: recap-query/ (the fast lookup of what RECAP
// holds) and recap-fetch/ (a purchase from PACER with the caller's PACER credentials),
// with CourtListener's statuses (enqueued → in progress → successful or failed), its
// validation messages and failure messages, and the RECAP-fetch webhook event (event
// type 3) sent when a request ends. Shapes: cl/recap/api_serializers.py, cl/recap/models.py
// and cl/recap/tasks.py upstream.

// RECAPConfig configures the purchase side of the fake. Set it with SetRECAP.
type RECAPConfig struct {
	// PACERUsername and PACERPassword are the PACER login the fake accepts; any other
	// gives CourtListener's PacerLoginException validation error.
	PACERUsername, PACERPassword string
	// Step is how long a fetch stays enqueued and then in progress (default 20 ms).
	Step time.Duration
	// Advance, when set, replaces Step: a fetch moves on (to in progress, then to its
	// end) when the test sends on it, so that a test polling the status sees each one
	// however slow the machine.
	Advance chan struct{}
	// WebhookURL, when set, receives the RECAP-fetch webhook event of every request that
	// ends; WebhookClient posts it (default http.DefaultClient).
	WebhookURL    string
	WebhookClient *http.Client
	// AnswerDelay holds the answer to a purchase request after the request is created,
	// as a slow CourtListener would (a client that gives up meanwhile has bought anyway).
	AnswerDelay time.Duration
	// Sealed lists RECAP document ids PACER refuses to sell: their fetch fails with the
	// message CourtListener records when PACER returns no PDF.
	Sealed map[int64]bool
}

// Purchase is a document the fake bought from PACER on a caller's behalf.
type Purchase struct {
	RequestID int64
	DocID     int64
	Pages     int
}

// recapState is the fake's fetch queue. It is guarded by Server.mu.
type recapState struct {
	cfg       RECAPConfig
	next      int64
	fetches   map[int64]*fetchRow
	purchases []Purchase
	pdfs      map[int64][]byte // the PDF a purchase of a document yields
}

type fetchRow struct {
	id, doc              int64
	court                string
	status               int
	message              string
	created, modified    time.Time
	completed            time.Time
	webhookKey           string
	deliveredTo, attempt int
}

// SetRECAP configures purchases.
func (s *Server) SetRECAP(cfg RECAPConfig) {
	cfg.Step = config.Default(cfg.Step, 20*time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recapLocked().cfg = cfg
}

func (s *Server) recapLocked() *recapState {
	if s.recap == nil {
		s.recap = &recapState{next: 7000, fetches: map[int64]*fetchRow{}, pdfs: map[int64][]byte{}, cfg: RECAPConfig{Step: 20 * time.Millisecond}}
	}
	return s.recap
}

// SetPDF sets the PDF a purchase (or MakeAvailable) of a document yields.
func (s *Server) SetPDF(docID int64, pdf []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recapLocked().pdfs[docID] = pdf
}

// MakeAvailable puts a document's PDF in RECAP as another RECAP user's upload would:
// recap-query/ then returns it and storage serves it.
func (s *Server) MakeAvailable(docID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.makeAvailableLocked(docID)
}

func (s *Server) makeAvailableLocked(docID int64) bool {
	d, ok := s.data.docs[docID]
	if !ok {
		return false
	}
	if pdf := s.recapLocked().pdfs[docID]; pdf != nil {
		d.PDF = pdf
	} else if d.PDF == nil {
		d.PDF = fakePDF(d)
	}
	sum := sha1.Sum(d.PDF)
	d.SHA1 = hex.EncodeToString(sum[:])
	d.FileSize = int64(len(d.PDF))
	dk := s.data.dockets[d.DocketID]
	d.FilepathLocal = fmt.Sprintf("recap/gov.uscourts.%s.%s/gov.uscourts.%s.%s.%s.%d.pdf", d.Court, dk.PacerCaseID, d.Court, dk.PacerCaseID, d.DocumentNumber, d.AttachmentNumber)
	d.IsAvailable = true
	d.DateModified = s.cfg.Now().Truncate(time.Microsecond)
	return true
}

// MakeUnavailable takes a document's PDF out of RECAP (so a test can make one that must
// be looked up or bought).
func (s *Server) MakeUnavailable(docID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.data.docs[docID]; ok {
		d.IsAvailable, d.FilepathLocal, d.SHA1, d.FileSize, d.PDF = false, "", "", 0, nil
	}
}

// FetchRequests returns how many purchase requests the fake has accepted.
func (s *Server) FetchRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recapLocked().fetches)
}

// Purchases returns what the fake bought from PACER, in order.
func (s *Server) Purchases() []Purchase {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Purchase(nil), s.recapLocked().purchases...)
}

// serveRECAP answers recap-query/ and recap-fetch/ and reports whether path was one of
// them. The caller has authenticated the request.
func (s *Server) serveRECAP(w http.ResponseWriter, r *http.Request, path string) bool {
	switch {
	case path == "recap-query/" && r.Method == http.MethodGet:
		st, body := s.recapQuery(r)
		writeJSON(w, st, body)
	case path == "recap-fetch/" && r.Method == http.MethodPost:
		st, body := s.createFetch(r)
		s.mu.Lock()
		delay := s.recapLocked().cfg.AnswerDelay
		s.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return true
		}
		writeJSON(w, st, body)
	case path == "recap-fetch/" && r.Method == http.MethodGet:
		st, body := s.listFetches(r)
		writeJSON(w, st, body)
	case strings.HasPrefix(path, "recap-fetch/") && r.Method == http.MethodGet:
		st, body := s.getFetch(strings.TrimSuffix(strings.TrimPrefix(path, "recap-fetch/"), "/"))
		writeJSON(w, st, body)
	default:
		return false
	}
	return true
}

// recapQuery is the fast lookup: the available documents of a court among the given
// PACER doc ids, page-number paginated (BigPagination, 300 a page).
func (s *Server) recapQuery(r *http.Request) (int, any) {
	q := r.URL.Query()
	if len(q) == 0 {
		// Upstream's check fires only when no parameter is sent at all.
		return 400, map[string]any{"detail": "pacer_doc_id is a required filter."}
	}
	for k := range q {
		switch k {
		case "docket_entry__docket__court", "pacer_doc_id", "pacer_doc_id__in", "page", "page_size", "format", "fields":
		default:
			return 400, map[string]any{"detail": "Unknown filter parameters are not allowed.", "unknown_params": []string{k}}
		}
	}
	want := map[string]bool{}
	for _, id := range strings.Split(q.Get("pacer_doc_id__in"), ",") {
		if id != "" {
			want[id] = true
		}
	}
	if id := q.Get("pacer_doc_id"); id != "" {
		want[id] = true
	}
	court := q.Get("docket_entry__docket__court")
	s.mu.Lock()
	defer s.mu.Unlock()
	var results []any
	ids := sortedIDs(s.data.docs)
	for i := len(ids) - 1; i >= 0; i-- { // -id
		d := s.data.docs[ids[i]]
		if !d.IsAvailable || !want[d.PacerDocID] || court != "" && d.Court != court {
			continue
		}
		results = append(results, map[string]any{"pacer_doc_id": d.PacerDocID, "filepath_local": d.FilepathLocal, "acms_document_guid": "", "id": d.ID})
		if len(results) == 300 {
			break
		}
	}
	if results == nil {
		results = []any{}
	}
	return 200, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results}
}

// createFetch validates a purchase as PacerFetchQueueSerializer does and enqueues it.
func (s *Server) createFetch(r *http.Request) (int, any) {
	if err := r.ParseForm(); err != nil {
		return 400, map[string]any{"detail": "Malformed request."}
	}
	f := r.PostForm
	invalid := func(msg string) (int, any) { return 400, map[string]any{"non_field_errors": []string{msg}} }
	if f.Get("request_type") == "" {
		return 400, map[string]any{"request_type": []string{"This field is required."}}
	}
	for _, k := range []string{"pacer_username", "pacer_password"} {
		if f.Get(k) == "" {
			return 400, map[string]any{k: []string{"This field is required."}}
		}
	}
	if f.Get("request_type") != "2" {
		return 501, map[string]any{"detail": "clfake implements PDF fetches (request_type 2) only"}
	}
	if f.Get("recap_document") == "" {
		return invalid("recap_document is a required field for attachment page and PDF fetches.")
	}
	rdID, err := strconv.ParseInt(f.Get("recap_document"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.recapLocked()
	d, ok := s.data.docs[rdID]
	if err != nil || !ok {
		return 400, map[string]any{"recap_document": []string{fmt.Sprintf("Invalid pk \"%s\" - object does not exist.", f.Get("recap_document"))}}
	}
	if d.IsAvailable {
		return invalid(fmt.Sprintf("Cannot fetch a PDF for recap_document %d. That document is already marked as available in our database (is_available = True).", rdID))
	}
	if f.Get("pacer_username") != rs.cfg.PACERUsername || f.Get("pacer_password") != rs.cfg.PACERPassword || rs.cfg.PACERUsername == "" {
		return invalid("PacerLoginException: Invalid username/password: Login Failed")
	}
	rs.next++
	now := s.cfg.Now()
	fr := &fetchRow{id: rs.next, doc: rdID, court: d.Court, status: 1, created: now, modified: now, webhookKey: newUUID()}
	rs.fetches[fr.id] = fr
	go s.work(fr.id, rs.cfg)
	return 201, s.renderFetch(fr)
}

// work moves a request through in progress to its end, as CourtListener's Celery task
// does, then sends the webhook event.
func (s *Server) work(id int64, cfg RECAPConfig) {
	step := func() {
		if cfg.Advance != nil {
			<-cfg.Advance
		} else {
			time.Sleep(cfg.Step)
		}
	}
	step()
	s.mu.Lock()
	fr := s.recap.fetches[id]
	fr.status, fr.modified = 4, s.cfg.Now()
	s.mu.Unlock()
	step()
	s.mu.Lock()
	d := s.data.docs[fr.doc]
	now := s.cfg.Now()
	fr.modified, fr.completed = now, now
	switch {
	case cfg.Sealed[fr.doc]:
		// PACER answered without a PDF: CourtListener's fetch_pacer_doc_by_rd message.
		fr.status = 3
		fr.message = fmt.Sprintf("Unable to get PDF for RECAP Document '%d' at '%s' with doc id '%s'", d.ID, d.Court, d.PacerDocID)
	case d.IsAvailable:
		fr.status, fr.message = 2, "Successfully completed fetch and save."
	default:
		s.makeAvailableLocked(fr.doc)
		s.recap.purchases = append(s.recap.purchases, Purchase{RequestID: fr.id, DocID: fr.doc, Pages: d.PageCount})
		fr.status, fr.message = 2, "Successfully completed fetch and save."
	}
	event, _ := json.Marshal(map[string]any{
		"payload": s.renderFetch(fr),
		"webhook": map[string]any{"version": 2, "event_type": 3, "date_created": formatDateTime(now), "deprecation_date": nil},
	})
	key := fr.webhookKey
	s.mu.Unlock()
	if cfg.WebhookURL == "" {
		return
	}
	client := cfg.WebhookClient
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = Deliver(ctx, client, cfg.WebhookURL, event, key, 5, func(n int) time.Duration { return cfg.Step << n })
}

// renderFetch is PacerFetchQueueSerializer's output (the credentials are write-only).
func (s *Server) renderFetch(fr *fetchRow) map[string]any {
	var completed any
	if !fr.completed.IsZero() {
		completed = formatDateTime(fr.completed)
	}
	d := s.data.docs[fr.doc]
	return map[string]any{
		"id": fr.id, "court": fr.court, "docket": nil, "recap_document": fr.doc,
		"date_created": formatDateTime(fr.created), "date_modified": formatDateTime(fr.modified), "date_completed": completed,
		"status": fr.status, "request_type": 2, "message": fr.message,
		"pacer_case_id": s.data.dockets[d.DocketID].PacerCaseID, "docket_number": "",
		"de_date_start": nil, "de_date_end": nil, "de_number_start": nil, "de_number_end": nil,
		"show_parties_and_counsel": true, "show_terminated_parties": false, "show_list_of_member_cases": false,
	}
}

func (s *Server) getFetch(idStr string) (int, any) {
	id, err := strconv.ParseInt(idStr, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	fr, ok := s.recapLocked().fetches[id]
	if err != nil || !ok {
		return 404, map[string]any{"detail": "No PacerFetchQueue matches the given query."}
	}
	return 200, s.renderFetch(fr)
}

// listFetches lists the caller's fetch requests, newest first, filtered by
// date_created__gte and request_type.
func (s *Server) listFetches(r *http.Request) (int, any) {
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("date_created__gte"); v != "" {
		t, err := parseDateTime(v)
		if err != nil {
			return badRequest("date_created", err)
		}
		since = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.recapLocked()
	var rows []*fetchRow
	for _, fr := range rs.fetches {
		if !fr.created.Before(since) && (q.Get("request_type") == "" || q.Get("request_type") == "2") {
			rows = append(rows, fr)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].id > rows[j].id })
	results := make([]any, 0, len(rows))
	for _, fr := range rows {
		results = append(results, s.renderFetch(fr))
	}
	return 200, map[string]any{"count": len(results), "next": nil, "previous": nil, "results": results}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
