package courtlistener

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RECAPDocument is a document or attachment as the recap-documents endpoint returns it
// (plain_text omitted).
type RECAPDocument struct {
	ID               int64   `json:"id"`
	ResourceURI      string  `json:"resource_uri"`
	AbsoluteURL      string  `json:"absolute_url"`
	DateCreated      Time    `json:"date_created"`
	DateModified     Time    `json:"date_modified"`
	SHA1             string  `json:"sha1"`
	PageCount        *int    `json:"page_count"`
	FileSize         *int64  `json:"file_size"`
	FilepathLocal    *string `json:"filepath_local"`
	DocumentNumber   string  `json:"document_number"`
	AttachmentNumber *int    `json:"attachment_number"`
	PacerDocID       string  `json:"pacer_doc_id"`
	IsAvailable      *bool   `json:"is_available"`
	DocumentType     int     `json:"document_type"`
	Description      string  `json:"description"`
}

// Available reports whether CourtListener holds the PDF.
func (d RECAPDocument) Available() bool {
	return d.IsAvailable != nil && *d.IsAvailable && d.FilepathLocal != nil && *d.FilepathLocal != ""
}

// DocketID reads the docket id from the document's absolute_url
// ("/docket/4214664/140/1/slug/"): the v4 serializer has no docket_entry field, and this
// route is CourtListener's stable public URL. It returns 0 when the URL has another form.
func (d RECAPDocument) DocketID() int64 {
	rest, ok := strings.CutPrefix(d.AbsoluteURL, "/docket/")
	if !ok {
		return 0
	}
	idStr, _, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// DocketEntry is an entry of the docket-entries endpoint.
type DocketEntry struct {
	ID             int64           `json:"id"`
	Docket         json.RawMessage `json:"docket"` // a URL in the REST API, an int id in webhooks
	DateFiled      string          `json:"date_filed"`
	TimeFiled      *string         `json:"time_filed"`
	EntryNumber    *int64          `json:"entry_number"`
	Description    string          `json:"description"`
	RECAPDocuments []RECAPDocument `json:"recap_documents"`
}

// DocketID returns the entry's docket id, whether the docket is given as a URL or an id.
func (e DocketEntry) DocketID() int64 {
	var n int64
	if json.Unmarshal(e.Docket, &n) == nil {
		return n
	}
	var u string
	if json.Unmarshal(e.Docket, &u) != nil {
		return 0
	}
	u = strings.TrimSuffix(u, "/")
	n, _ = strconv.ParseInt(u[strings.LastIndexByte(u, '/')+1:], 10, 64)
	return n
}

// Filed returns the entry's filing date, with its time when the court gave one.
func (e DocketEntry) Filed() time.Time {
	d, err := time.Parse("2006-01-02", e.DateFiled)
	if err != nil {
		return time.Time{}
	}
	if e.TimeFiled != nil {
		if t, err := time.Parse("15:04:05", *e.TimeFiled); err == nil {
			d = d.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
		}
	}
	return d
}

// Docket is the part of a docket the fetcher needs.
type Docket struct {
	ID           int64  `json:"id"`
	CourtID      string `json:"court_id"`
	CaseName     string `json:"case_name"`
	DocketNumber string `json:"docket_number"`
	PacerCaseID  string `json:"pacer_case_id"`
}

// page is a page of a cursor-paginated list. count is a URL in cursor mode and an
// integer in page mode; it is not needed to crawl, so it is kept raw.
type page[T any] struct {
	Count   json.RawMessage `json:"count"`
	Next    *string         `json:"next"`
	Results []T             `json:"results"`
}

// Time is a CourtListener datetime: ISO-8601 with an offset and microseconds. It keeps
// the text it was read from, because a cursor position must be sent back exactly.
type Time struct {
	time.Time
	Raw string
}

// UnmarshalJSON reads a datetime or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("reading datetime %q: %w", s, err)
	}
	*t = Time{Time: v, Raw: s}
	return nil
}

// MarshalJSON writes the datetime as read.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format(time.RFC3339Nano))
}
