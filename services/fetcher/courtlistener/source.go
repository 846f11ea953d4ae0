package courtlistener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
)

// SourceName is what documents from CourtListener carry in filing.Document.Source.
const SourceName = "courtlistener"

// FetchFunc stores the PDF at url, which must have the given SHA-1 and size ("" and 0
// when unknown), and returns where it was stored. The fetcher provides it (typically
// Client.Download into the blob store). A Permanent error means the file is not the one
// described; anything else is retried.
type FetchFunc func(ctx context.Context, url, wantSHA1 string, wantSize int64) (filing.BlobRef, error)

// Field is the datetime a Source orders and resumes by.
type Field string

// The fields a Source can poll by: date_created finds new documents; date_modified also
// finds documents whose PDF became available later (they are emitted again, enriched).
const (
	DateCreated  Field = "date_created"
	DateModified Field = "date_modified"
)

// Cursor is the resumable position of a Source in one court. It is JSON-serialisable, to
// be stored in a KV bucket; a restart from a saved Cursor neither skips nor repeats.
type Cursor struct {
	Court string `json:"court"`
	Field Field  `json:"field"`
	// High is the Field value of the last document emitted (or the start of the range
	// before any); AtHigh are the ids emitted with exactly that value, which the next
	// query (Field >= High) returns again and which are skipped.
	High   time.Time `json:"high"`
	AtHigh []int64   `json:"at_high,omitempty"`
	// Until, when set, ends the range (Field < Until): a backfill.
	Until time.Time `json:"until,omitzero"`
	// Next is CourtListener's "next" link of the page to read next, "" when the current
	// sweep is finished. It only saves work: when CourtListener no longer accepts it the
	// sweep restarts from High.
	Next string `json:"next,omitempty"`
	// Emitted counts documents emitted through this cursor, for progress reports.
	Emitted int64 `json:"emitted,omitempty"`
}

// NewCursor returns the cursor of a crawl of court's documents from since (inclusive)
// until until (exclusive; zero for no end).
func NewCursor(court string, field Field, since, until time.Time) Cursor {
	if field == "" {
		field = DateCreated
	}
	return Cursor{Court: court, Field: field, High: since, Until: until}
}

// Pending reports whether the cursor is in the middle of a sweep: polling again at once
// continues it.
func (c Cursor) Pending() bool { return c.Next != "" }

// SourceConfig configures a Source.
type SourceConfig struct {
	// Fetch stores PDFs; nil emits documents without blobs.
	Fetch FetchFunc
	// MaxPages bounds the pages one Poll reads (default 10), so that a long backfill
	// returns a cursor to persist regularly.
	MaxPages int
	// FetchAttempts is how often a PDF download is tried (default 3).
	FetchAttempts int
	Logger        *slog.Logger
	Now           func() time.Time
}

// Source polls the RECAP documents of one court at a time.
type Source struct {
	c   *Client
	cfg SourceConfig
}

// NewSource returns a Source reading through c.
func NewSource(c *Client, cfg SourceConfig) *Source {
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 10
	}
	if cfg.FetchAttempts <= 0 {
		cfg.FetchAttempts = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{c: c, cfg: cfg}
}

// Poll fetches the documents of cur.Court that are new since cur, in Field order, calls
// emit for each (emit returns an error if it could not publish the document durably), and
// returns the cursor to persist. It reads at most MaxPages pages; Pending then says there
// is more. On error, the returned cursor covers exactly the documents emitted before the
// failure, so persisting it is safe and nothing is repeated or lost on resume.
func (s *Source) Poll(ctx context.Context, cur Cursor, emit func(context.Context, filing.Document) error) (Cursor, error) {
	if cur.Court == "" {
		return cur, fault.Permanentf("polling courtlistener: cursor has no court")
	}
	if cur.Field == "" {
		cur.Field = DateCreated
	}
	cur.AtHigh = slices.Clone(cur.AtHigh)
	for pages := 0; pages < s.cfg.MaxPages; pages++ {
		next := cur.Next
		if next == "" {
			next = s.firstPage(cur)
		}
		var p page[RECAPDocument]
		err := s.c.getJSON(ctx, next, &p)
		if errors.Is(err, ErrInvalidCursor) && cur.Next != "" {
			s.cfg.Logger.Info("courtlistener cursor expired, resuming from position", "court", cur.Court, "high", cur.High)
			// The sweep is not over: "" would say it is when MaxPages ends the poll here.
			// The first-page query from High is a "next" that never expires.
			cur.Next = s.firstPage(cur)
			continue
		}
		if err != nil {
			return cur, fmt.Errorf("polling courtlistener %s: %w", cur.Court, err)
		}
		var err2 error
		cur, err2 = s.emitPage(ctx, cur, p.Results, emit)
		if err2 != nil {
			// Restart the page from High: everything before it was emitted.
			cur.Next = ""
			return cur, err2
		}
		cur.Next = ""
		if p.Next != nil {
			cur.Next = *p.Next
		}
		if cur.Next == "" {
			break
		}
	}
	return cur, nil
}

// firstPage is the query that starts a sweep at cur.High.
func (s *Source) firstPage(cur Cursor) string {
	q := url.Values{
		"docket_entry__docket__court": {cur.Court},
		"order_by":                    {string(cur.Field)},
		"omit":                        {"plain_text"},
	}
	if !cur.High.IsZero() {
		q.Set(string(cur.Field)+"__gte", cur.High.Format(time.RFC3339Nano))
	}
	if !cur.Until.IsZero() {
		q.Set(string(cur.Field)+"__lt", cur.Until.Format(time.RFC3339Nano))
	}
	return s.c.endpoint("recap-documents/", q)
}

func (s *Source) fieldOf(cur Cursor, d RECAPDocument) time.Time {
	if cur.Field == DateModified {
		return d.DateModified.Time
	}
	return d.DateCreated.Time
}

// emitPage resolves and emits the documents of one page in order, advancing the cursor
// after each successful emit.
func (s *Source) emitPage(ctx context.Context, cur Cursor, docs []RECAPDocument, emit func(context.Context, filing.Document) error) (Cursor, error) {
	var todo []RECAPDocument
	for _, d := range docs {
		at := s.fieldOf(cur, d)
		if at.Before(cur.High) || at.Equal(cur.High) && slices.Contains(cur.AtHigh, d.ID) {
			continue
		}
		todo = append(todo, d)
	}
	entries, err := s.resolve(ctx, todo)
	if err != nil {
		return cur, fmt.Errorf("polling courtlistener %s: %w", cur.Court, err)
	}
	for _, d := range todo {
		res := entries[d.ID]
		doc := s.document(cur.Court, d, res)
		if d.Available() && s.cfg.Fetch != nil {
			blob, err := s.fetch(ctx, doc, d)
			if err != nil {
				return cur, fmt.Errorf("polling courtlistener %s: %w", cur.Court, err)
			}
			doc.Blob = blob
		}
		if err := emit(ctx, doc); err != nil {
			return cur, fmt.Errorf("emitting %s: %w", doc.ID, err)
		}
		at := s.fieldOf(cur, d)
		if at.After(cur.High) {
			cur.High, cur.AtHigh = at, cur.AtHigh[:0]
		}
		cur.AtHigh = append(cur.AtHigh, d.ID)
		cur.Emitted++
	}
	return cur, nil
}

// fetch stores a document's PDF, trying again after a failure. A file that keeps failing
// verification is left out: the document is still emitted, without a blob.
func (s *Source) fetch(ctx context.Context, doc filing.Document, d RECAPDocument) (*filing.BlobRef, error) {
	var size int64
	if d.FileSize != nil {
		size = *d.FileSize
	}
	var err error
	for attempt := 0; attempt < s.cfg.FetchAttempts; attempt++ {
		var ref filing.BlobRef
		ref, err = s.cfg.Fetch(ctx, doc.URL, d.SHA1, size)
		if err == nil {
			return &ref, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if w := fault.RetryAfter(err); w > 0 {
			if err := s.c.cfg.Sleep(ctx, w); err != nil {
				return nil, err
			}
		}
	}
	if fault.IsPermanent(err) {
		s.cfg.Logger.Warn("pdf failed verification, emitting without it", "doc_id", doc.ID, "err", err)
		return nil, nil
	}
	return nil, fmt.Errorf("fetching pdf of %s: %w", doc.ID, err)
}

// resolved is what a document's docket and entry say about it.
type resolved struct {
	docket Docket
	entry  *DocketEntry
}

// resolve fetches the docket and the entries of the documents of a page: one docket
// request per new docket (cached) and one entries request per docket.
func (s *Source) resolve(ctx context.Context, docs []RECAPDocument) (map[int64]resolved, error) {
	type span struct{ lo, hi int64 }
	spans := map[int64]*span{}
	var order []int64
	for _, d := range docs {
		id := d.DocketID()
		if id == 0 {
			continue
		}
		n, err := strconv.ParseInt(d.DocumentNumber, 10, 64)
		sp := spans[id]
		if sp == nil {
			sp = &span{lo: -1}
			spans[id] = sp
			order = append(order, id)
		}
		if err == nil {
			if sp.lo < 0 || n < sp.lo {
				sp.lo = n
			}
			sp.hi = max(sp.hi, n)
		}
	}
	out := map[int64]resolved{}
	for _, id := range order {
		dk, err := s.c.Docket(ctx, id)
		if err != nil {
			return nil, err
		}
		byDoc := map[int64]*DocketEntry{}
		if sp := spans[id]; sp.lo >= 0 {
			entries, err := s.c.Entries(ctx, id, sp.lo, sp.hi)
			if err != nil {
				return nil, err
			}
			for i := range entries {
				for _, rd := range entries[i].RECAPDocuments {
					byDoc[rd.ID] = &entries[i]
				}
			}
		}
		for _, d := range docs {
			if d.DocketID() == id {
				out[d.ID] = resolved{docket: dk, entry: byDoc[d.ID]}
			}
		}
	}
	return out, nil
}

// document builds the filing.Document of a RECAP document.
func (s *Source) document(court string, d RECAPDocument, r resolved) filing.Document {
	doc := filing.Document{
		Schema:       filing.Schema,
		Source:       SourceName,
		SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
		Description:  d.Description,
		DiscoveredAt: s.cfg.Now(),
	}
	if d.FilepathLocal != nil && *d.FilepathLocal != "" {
		doc.URL = s.c.StorageURL(*d.FilepathLocal)
	}
	if d.AttachmentNumber != nil {
		doc.Attachment = *d.AttachmentNumber
	}
	fillDocket(&doc, court, r.docket)
	if n, err := strconv.Atoi(d.DocumentNumber); err == nil {
		doc.Entry.Number = n
	}
	if r.entry != nil {
		doc.Entry.Filed = r.entry.Filed()
		doc.Entry.Description = r.entry.Description
	}
	if label, ok := filing.ExhibitLabel(d.Description); ok {
		doc.Exhibit, doc.ExhibitLabel = true, label
	}
	doc.ID = filing.NewDocID(doc.Docket.Court, doc.Docket.Number, doc.Entry.Number, doc.Attachment)
	if doc.ID == "" {
		doc.ID = filing.SourceDocID("cl", doc.SourceID)
	}
	return doc
}

func fillDocket(doc *filing.Document, court string, dk Docket) {
	doc.Docket.Court = dk.CourtID
	if doc.Docket.Court == "" {
		doc.Docket.Court = court
	}
	doc.Docket.Number = pacerrss.NormalizeDocketNumber(dk.DocketNumber)
	doc.Docket.CaseName = dk.CaseName
	if dk.ID != 0 {
		doc.Docket.SourceIDs = map[string]string{"courtlistener": strconv.FormatInt(dk.ID, 10)}
		if dk.PacerCaseID != "" {
			doc.Docket.SourceIDs["pacer_case_id"] = dk.PacerCaseID
		}
	}
}
