package clfake

import (
	"cmp"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func newRand(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0x6e6577)) }

// The lookups the recorded OPTIONS list for numeric and datetime filters.
var (
	numLookups  = []string{"", "exact", "gte", "gt", "lte", "lt", "range"}
	timeLookups = []string{"", "exact", "gte", "gt", "lte", "lt", "range", "year", "month", "day", "hour", "minute", "second"}
	alwaysValid = map[string]bool{"page": true, "page_size": true, "cursor": true, "order_by": true, "format": true, "fields": true, "omit": true, "count": true}
)

// filterSpec says which parameters an endpoint accepts (upstream) and which of those the
// fake implements.
type filterSpec struct {
	accepted    map[string]bool
	implemented map[string]bool
}

func spec(fields map[string][]string, implemented ...string) filterSpec {
	s := filterSpec{accepted: map[string]bool{}, implemented: map[string]bool{}}
	for f, lookups := range fields {
		for _, l := range lookups {
			if l == "" {
				s.accepted[f] = true
			} else {
				s.accepted[f+"__"+l] = true
			}
		}
	}
	for _, p := range implemented {
		s.implemented[p] = true
	}
	return s
}

var docFilters = spec(map[string][]string{
	"id": numLookups, "date_created": timeLookups, "date_modified": timeLookups, "date_upload": timeLookups,
	"document_type": {""}, "document_number": {"", "exact", "gte", "gt", "lte", "lt"}, "pacer_doc_id": {"", "exact", "in"},
	"is_available": {""}, "sha1": {""}, "ocr_status": numLookups, "is_free_on_pacer": {""},
	"docket_entry": {""}, "docket_entry__id": {""}, "docket_entry__docket": {""}, "docket_entry__docket__id": {""},
	"docket_entry__docket__court": {""}, "docket_entry__docket__court__id": {""},
},
	"id", "id__gte", "id__gt", "id__lte", "id__lt",
	"date_created__gte", "date_created__gt", "date_created__lte", "date_created__lt", "date_created__range",
	"date_modified__gte", "date_modified__gt", "date_modified__lte", "date_modified__lt", "date_modified__range",
	"docket_entry__docket__court", "docket_entry__docket__court__id", "docket_entry__docket", "docket_entry__docket__id",
	"docket_entry", "is_available", "pacer_doc_id", "document_number",
)

var entryFilters = spec(map[string][]string{
	"id": numLookups, "entry_number": append(append([]string{}, numLookups...), "isnull"), "date_created": timeLookups,
	"date_modified": timeLookups, "date_filed": {"", "exact", "gte", "gt", "lte", "lt", "range", "year", "month", "day"},
	"pacer_sequence_number": append(append([]string{}, numLookups...), "isnull"),
	"docket":                {""}, "docket__id": {""}, "docket__court": {""}, "docket__court__id": {""}, "recap_documents": {""}, "recap_documents__id": numLookups,
},
	"id", "entry_number", "entry_number__gte", "entry_number__lte", "entry_number__range",
	"date_created__gte", "date_created__lt", "date_modified__gte", "date_modified__lt",
	"docket", "docket__id", "docket__court", "docket__court__id", "recap_documents__id",
)

// validate rejects unknown parameters as CourtListener has since February 2026, and
// parameters it accepts but the fake does not implement (so a test notices).
func validate(q url.Values, fs filterSpec) (int, any) {
	var unknown, unimplemented []string
	for k, v := range q {
		if alwaysValid[k] || len(v) == 0 || v[0] == "" {
			continue
		}
		name := strings.TrimSuffix(k, "!")
		switch {
		case !fs.accepted[name]:
			unknown = append(unknown, k)
		case !fs.implemented[name]:
			unimplemented = append(unimplemented, k)
		}
	}
	if len(unknown) > 0 {
		return 400, map[string]any{"detail": "Unknown filter parameters are not allowed.", "unknown_params": unknown}
	}
	if len(unimplemented) > 0 {
		return 501, map[string]any{"detail": "clfake does not implement these filters: " + strings.Join(unimplemented, ",")}
	}
	return 0, nil
}

// ordering returns the key function of an order_by value and whether it is descending.
func ordering(v string, allowed ...string) (field string, desc bool, ok bool) {
	if v == "" {
		v = "-id"
	}
	desc = strings.HasPrefix(v, "-")
	field = strings.TrimPrefix(v, "-")
	for _, a := range allowed {
		if a == field {
			return field, desc, true
		}
	}
	return "", false, false
}

type timeBound struct {
	gte, gt, lte, lt *time.Time
}

func (b timeBound) match(t time.Time) bool {
	return (b.gte == nil || !t.Before(*b.gte)) && (b.gt == nil || t.After(*b.gt)) &&
		(b.lte == nil || !t.After(*b.lte)) && (b.lt == nil || t.Before(*b.lt))
}

func parseTimeBound(q url.Values, field string) (timeBound, error) {
	var b timeBound
	set := func(p **time.Time, s string) error {
		if s == "" {
			return nil
		}
		t, err := parseDateTime(s)
		if err != nil {
			return err
		}
		*p = &t
		return nil
	}
	for _, x := range []struct {
		p **time.Time
		l string
	}{{&b.gte, "gte"}, {&b.gt, "gt"}, {&b.lte, "lte"}, {&b.lt, "lt"}} {
		if err := set(x.p, q.Get(field+"__"+x.l)); err != nil {
			return b, err
		}
	}
	if rg := q.Get(field + "__range"); rg != "" {
		lo, hi, _ := strings.Cut(rg, ",")
		if err := set(&b.gte, lo); err != nil {
			return b, err
		}
		if err := set(&b.lte, hi); err != nil {
			return b, err
		}
	}
	return b, nil
}

// dateFilters are q's date_created and date_modified bounds, or the 400 answer to a bad
// one (st is 0 when both are good).
func dateFilters(q url.Values) (created, modified timeBound, st int, body any) {
	for _, f := range []struct {
		name string
		into *timeBound
	}{{"date_created", &created}, {"date_modified", &modified}} {
		b, err := parseTimeBound(q, f.name)
		if err != nil {
			st, body = badRequest(f.name, err)
			return
		}
		*f.into = b
	}
	return
}

func badRequest(field string, err error) (int, any) {
	return 400, map[string]any{field: []string{"Enter a valid date/time."}, "detail": err.Error()}
}

func (s *Server) listDocuments(r *http.Request) (int, any) {
	q := r.URL.Query()
	if st, body := validate(q, docFilters); st != 0 {
		return st, body
	}
	field, desc, ok := ordering(q.Get("order_by"), "id", "date_created", "date_modified", "date_upload")
	if !ok {
		return 400, map[string]any{"detail": "Invalid ordering."}
	}
	created, modified, st, body := dateFilters(q)
	if st != 0 {
		return st, body
	}
	court := cmp.Or(q.Get("docket_entry__docket__court"), q.Get("docket_entry__docket__court__id"))
	docket := cmp.Or(q.Get("docket_entry__docket"), q.Get("docket_entry__docket__id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []row
	for _, id := range s.data.order {
		d := s.data.docs[id]
		if s.held[id] || court != "" && d.Court != court || docket != "" && strconv.FormatInt(d.DocketID, 10) != docket ||
			q.Get("docket_entry") != "" && strconv.FormatInt(d.EntryID, 10) != q.Get("docket_entry") ||
			q.Get("pacer_doc_id") != "" && d.PacerDocID != q.Get("pacer_doc_id") ||
			q.Get("document_number") != "" && d.DocumentNumber != q.Get("document_number") ||
			q.Get("is_available") != "" && strconv.FormatBool(d.IsAvailable) != strings.ToLower(q.Get("is_available")) ||
			!created.match(d.DateCreated) || !modified.match(d.DateModified) || !idMatch(q, d.ID) {
			continue
		}
		rows = append(rows, docRow(s, d, field))
	}
	return s.paginate(r, rows, desc)
}

func idMatch(q url.Values, id int64) bool {
	check := func(p string, ok func(v int64) bool) bool {
		s := q.Get(p)
		if s == "" {
			return true
		}
		v, err := strconv.ParseInt(s, 10, 64)
		return err == nil && ok(v)
	}
	return check("id", func(v int64) bool { return id == v }) && check("id__gte", func(v int64) bool { return id >= v }) &&
		check("id__gt", func(v int64) bool { return id > v }) && check("id__lte", func(v int64) bool { return id <= v }) &&
		check("id__lt", func(v int64) bool { return id < v })
}

func docRow(s *Server, d *Document, field string) row {
	rw := row{id: d.ID, item: func() map[string]any { return s.renderDoc(d, true) }}
	switch field {
	case "date_created":
		rw.key, rw.pos = d.DateCreated.UnixMicro(), formatDateTime(d.DateCreated)
	case "date_modified", "date_upload":
		rw.key, rw.pos = d.DateModified.UnixMicro(), formatDateTime(d.DateModified)
	default:
		rw.key, rw.pos = d.ID, strconv.FormatInt(d.ID, 10)
	}
	return rw
}

func (s *Server) getDocument(idStr string, r *http.Request) (int, any) {
	id, err := strconv.ParseInt(idStr, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data.docs[id]
	if err != nil || !ok || s.held[id] {
		return 404, map[string]any{"detail": "No RECAPDocument matches the given query."}
	}
	return 200, applyFieldSelection(s.renderDoc(d, true), r.URL.Query())
}

func (s *Server) getDocket(idStr string, r *http.Request) (int, any) {
	id, err := strconv.ParseInt(idStr, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data.dockets[id]
	if err != nil || !ok {
		return 404, map[string]any{"detail": "No Docket matches the given query."}
	}
	return 200, applyFieldSelection(s.renderDocket(d), r.URL.Query())
}

func (s *Server) listEntries(r *http.Request) (int, any) {
	q := r.URL.Query()
	if st, body := validate(q, entryFilters); st != 0 {
		return st, body
	}
	field, desc, ok := ordering(q.Get("order_by"), "id", "date_created", "date_modified")
	if !ok {
		return 400, map[string]any{"detail": "Invalid ordering."}
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if v := q.Get("entry_number"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		lo, hi = n, n
	}
	if v := q.Get("entry_number__gte"); v != "" {
		lo, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("entry_number__lte"); v != "" {
		hi, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := q.Get("entry_number__range"); v != "" {
		a, b, _ := strings.Cut(v, ",")
		lo, _ = strconv.ParseInt(a, 10, 64)
		hi, _ = strconv.ParseInt(b, 10, 64)
	}
	created, modified, st, body := dateFilters(q)
	if st != 0 {
		return st, body
	}
	docket := cmp.Or(q.Get("docket"), q.Get("docket__id"))
	court := cmp.Or(q.Get("docket__court"), q.Get("docket__court__id"))
	rdID := q.Get("recap_documents__id")
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []row
	for _, id := range sortedIDs(s.data.entries) {
		e := s.data.entries[id]
		dk := s.data.dockets[e.DocketID]
		if docket != "" && strconv.FormatInt(e.DocketID, 10) != docket || court != "" && dk.Court != court ||
			int64(e.EntryNumber) < lo || int64(e.EntryNumber) > hi || !created.match(e.DateCreated) || !modified.match(e.DateModified) ||
			!idMatch(q, e.ID) || rdID != "" && !containsID(e.Docs, rdID) {
			continue
		}
		rw := row{id: e.ID, item: func() map[string]any { return s.renderEntry(e) }}
		switch field {
		case "date_created":
			rw.key, rw.pos = e.DateCreated.UnixMicro(), formatDateTime(e.DateCreated)
		case "date_modified":
			rw.key, rw.pos = e.DateModified.UnixMicro(), formatDateTime(e.DateModified)
		default:
			rw.key, rw.pos = e.ID, strconv.FormatInt(e.ID, 10)
		}
		rows = append(rows, rw)
	}
	return s.paginate(r, rows, desc)
}

func containsID(ids []int64, s string) bool {
	for _, id := range ids {
		if strconv.FormatInt(id, 10) == s {
			return true
		}
	}
	return false
}

func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// renderDoc writes a RECAPDocument with every field of the v4 serializer.
func (s *Server) renderDoc(d *Document, withText bool) map[string]any {
	dk := s.data.dockets[d.DocketID]
	abs := "/docket/" + strconv.FormatInt(d.DocketID, 10) + "/" + d.DocumentNumber + "/"
	var att any
	docType := 1
	if d.AttachmentNumber > 0 {
		abs += strconv.Itoa(d.AttachmentNumber) + "/"
		att, docType = d.AttachmentNumber, 2
	}
	abs += slug(dk.CaseName) + "/"
	m := map[string]any{
		"resource_uri": s.APIBase() + "recap-documents/" + strconv.FormatInt(d.ID, 10) + "/",
		"id":           d.ID, "tags": []any{}, "absolute_url": abs,
		"date_created": formatDateTime(d.DateCreated), "date_modified": formatDateTime(d.DateModified),
		"sha1": d.SHA1, "page_count": d.PageCount, "file_size": nil,
		"filepath_local": nil, "filepath_ia": "", "ia_upload_failure_count": nil,
		"thumbnail": nil, "thumbnail_status": 0, "ocr_status": nil, "date_upload": nil,
		"document_number": d.DocumentNumber, "attachment_number": att, "pacer_doc_id": d.PacerDocID,
		"is_available": d.IsAvailable, "is_free_on_pacer": nil, "is_sealed": nil,
		"document_type": docType, "description": d.Description, "acms_document_guid": "",
	}
	if withText {
		m["plain_text"] = ""
	}
	if d.IsAvailable {
		m["file_size"] = d.FileSize
		m["filepath_local"] = d.FilepathLocal
		m["date_upload"] = formatDateTime(d.DateCreated)
		m["ocr_status"] = 2
		m["thumbnail_status"] = 1
		// Text as Doctor would have extracted it; large on purpose, which is why clients
		// omit it.
		m["plain_text"] = strings.Repeat("UNITED STATES DISTRICT COURT "+dk.CaseName+". ", 40*d.PageCount)
		if !withText {
			delete(m, "plain_text")
		}
	}
	return m
}

func (s *Server) renderEntry(e *Entry) map[string]any {
	docs := make([]any, 0, len(e.Docs))
	for _, id := range e.Docs {
		if !s.held[id] {
			docs = append(docs, s.renderDoc(s.data.docs[id], true))
		}
	}
	return map[string]any{
		"resource_uri":    s.APIBase() + "docket-entries/" + strconv.FormatInt(e.ID, 10) + "/",
		"id":              e.ID,
		"docket":          s.APIBase() + "dockets/" + strconv.FormatInt(e.DocketID, 10) + "/",
		"recap_documents": docs,
		"date_created":    formatDateTime(e.DateCreated), "date_modified": formatDateTime(e.DateModified),
		"date_filed": e.DateFiled.Format("2006-01-02"), "time_filed": nil,
		"entry_number":          e.EntryNumber,
		"recap_sequence_number": e.DateFiled.Format("2006-01-02") + "." + leftPad(e.EntryNumber),
		"pacer_sequence_number": e.PacerSeq, "description": e.Description, "tags": []any{},
	}
}

func leftPad(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func (s *Server) renderDocket(d *Docket) map[string]any {
	return map[string]any{
		"resource_uri": s.APIBase() + "dockets/" + strconv.FormatInt(d.ID, 10) + "/",
		"id":           d.ID, "court": s.APIBase() + "courts/" + d.Court + "/", "court_id": d.Court,
		"original_court_info": nil, "idb_data": nil, "clusters": []any{}, "audio_files": []any{},
		"assigned_to": nil, "referred_to": nil, "bankruptcy_information": nil,
		"absolute_url": "/docket/" + strconv.FormatInt(d.ID, 10) + "/" + slug(d.CaseName) + "/",
		"date_created": formatDateTime(d.DateCreated), "date_modified": formatDateTime(d.DateModified),
		"source": 1, "appeal_from_str": "", "assigned_to_str": "", "referred_to_str": "", "panel_str": "",
		"date_last_index": nil, "date_filed": d.DateCreated.Format("2006-01-02"), "date_terminated": nil,
		"date_last_filing": d.DateModified.Format("2006-01-02"), "case_name_short": "", "case_name": d.CaseName,
		"case_name_full": "", "slug": slug(d.CaseName), "docket_number": d.DocketNumber,
		"docket_number_core": strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, d.DocketNumber),
		"docket_number_raw": d.DocketNumber, "pacer_case_id": d.PacerCaseID, "cause": "", "nature_of_suit": "",
		"jury_demand": "", "jurisdiction_type": "", "blocked": false, "date_blocked": nil,
		"appeal_from": nil, "parent_docket": nil, "tags": []any{}, "panel": []any{},
	}
}
