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

	"github.com/docketwatch/docketwatch/pkg/config"
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

// The fields a Source can poll by. date_modified (the default) finds new documents and
// also those whose PDF arrived, or whose text was redone, after they were created:
// RECAP documents very often get their PDF after the entry exists. date_created finds
// only new documents.
const (
	DateCreated  Field = "date_created"
	DateModified Field = "date_modified"
)

// DefaultOverlap is how far behind its position a poll looks again by default.
// CourtListener stamps date_created and date_modified before its transaction commits, so
// a document can become visible after others with later stamps were already read.
const DefaultOverlap = 10 * time.Minute

// Cursor is the resumable position of a Source in one court. It is JSON-serialisable, to
// be stored in a KV bucket; a restart from a saved Cursor neither skips nor repeats.
type Cursor struct {
	Court string `json:"court"`
	Field Field  `json:"field"`
	// From is where the range starts: no query reaches before it.
	From time.Time `json:"from,omitzero"`
	// High is the largest Field value emitted (From before any). Every query starts
	// Overlap before it, to find documents committed late; Done are the documents
	// emitted within that overlap, with the Field value they had, which the query
	// returns again and which are skipped unless that value changed.
	High time.Time `json:"high"`
	Done []Mark    `json:"done,omitempty"`
	// Until, when set, ends the range (Field < Until): a backfill.
	Until time.Time `json:"until,omitzero"`
	// Next is CourtListener's "next" link of the page to read next, "" when the current
	// sweep is finished. It only saves work: when CourtListener no longer accepts it (or
	// the API moved) the sweep restarts from High.
	Next string `json:"next,omitempty"`
	// Emitted counts documents emitted through this cursor, for progress reports.
	Emitted int64 `json:"emitted,omitempty"`
}

// Mark is a document a Cursor emitted and the Field value it had then.
type Mark struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
}

// NewCursor returns the cursor of a crawl of court's documents from since (inclusive)
// until until (exclusive; zero for no end).
func NewCursor(court string, field Field, since, until time.Time) Cursor {
	if field == "" {
		field = DateModified
	}
	return Cursor{Court: court, Field: field, From: since, High: since, Until: until}
}

// Pending reports whether the cursor is in the middle of a sweep: polling again at once
// continues it.
func (c Cursor) Pending() bool { return c.Next != "" }

// Refield returns the cursor ordering by field instead, from the same position: a
// document whose new Field value is below High had its old one below High too (both
// fields only grow, and date_modified ≥ date_created), so it was read before; the rest
// is read again and the Publisher drops what did not change.
func (c Cursor) Refield(field Field) Cursor {
	c.Field, c.Next, c.Done = field, "", nil
	return c
}

// done reports whether the cursor emitted d with the value at already.
func (c Cursor) done(id int64, at time.Time) bool {
	return slices.ContainsFunc(c.Done, func(m Mark) bool { return m.ID == id && m.At.Equal(at) })
}

// low is where the next sweep's query starts.
func (c Cursor) low(overlap time.Duration) time.Time {
	if c.High.IsZero() {
		return c.High
	}
	lo := c.High.Add(-overlap)
	if lo.Before(c.From) {
		lo = c.From
	}
	return lo
}

// mark records that d was emitted with the value at, and forgets marks that fell out of
// the overlap.
func (c *Cursor) mark(id int64, at time.Time, overlap time.Duration) {
	c.Done = slices.DeleteFunc(c.Done, func(m Mark) bool { return m.ID == id })
	c.Done = append(c.Done, Mark{ID: id, At: at})
	if at.After(c.High) {
		c.High = at
	}
	lo := c.High.Add(-overlap)
	c.Done = slices.DeleteFunc(c.Done, func(m Mark) bool { return m.At.Before(lo) })
	c.Emitted++
}

// SourceConfig configures a Source.
type SourceConfig struct {
	// Fetch stores PDFs; nil emits documents without blobs.
	Fetch FetchFunc
	// Defer takes a document whose PDF could not be fetched now (err says why): the
	// fetcher retries it on its own schedule, and parks it after its attempts, so that
	// one failing PDF does not hold its court. Nil makes the failure the poll's.
	Defer func(ctx context.Context, doc filing.Document, pdf PDF, err error) error
	// MaxPages bounds the pages one Poll reads (default 10), so that a long backfill
	// returns a cursor to persist regularly.
	MaxPages int
	// FetchAttempts is how often a PDF download is tried within a poll (default 2).
	FetchAttempts int
	// Overlap is how far behind its position each sweep starts (default DefaultOverlap;
	// negative: none).
	Overlap time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

// Source polls the RECAP documents of one court at a time.
type Source struct {
	c   *Client
	cfg SourceConfig
}

// NewSource returns a Source reading through c.
func NewSource(c *Client, cfg SourceConfig) *Source {
	cfg.MaxPages = config.Default(cfg.MaxPages, 10)
	cfg.FetchAttempts = config.Default(cfg.FetchAttempts, 2)
	if cfg.Overlap == 0 {
		cfg.Overlap = DefaultOverlap
	}
	cfg.Overlap = max(cfg.Overlap, 0)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{c: c, cfg: cfg}
}

// Poll fetches the documents of cur.Court that are new or changed since cur, in Field
// order, calls emit for each (emit returns an error if it could not publish the document
// durably), and returns the cursor to persist. It reads at most MaxPages pages; Pending
// then says there is more. On error, the returned cursor covers exactly the documents
// emitted before the failure, so persisting it is safe and nothing is lost on resume.
func (s *Source) Poll(ctx context.Context, cur Cursor, emit func(context.Context, filing.Document) error) (Cursor, error) {
	if cur.Court == "" {
		return cur, fault.Permanentf("polling courtlistener: cursor has no court")
	}
	if cur.Field == "" {
		cur.Field = DateModified
	}
	cur.Done = slices.Clone(cur.Done)
	if cur.Next != "" && !s.c.isAPI(cur.Next) {
		// The API URL was changed since the cursor was saved: its position still holds.
		s.cfg.Logger.Info("courtlistener API moved since the cursor was saved, resuming from its position", "court", cur.Court, "high", cur.High)
		cur.Next = ""
	}
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
		cur.Next = next // a failure within the page resumes at the page
		var err2 error
		cur, err2 = s.emitPage(ctx, cur, p.Results, emit)
		if err2 != nil {
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

// firstPage is the query that starts a sweep Overlap before cur.High.
func (s *Source) firstPage(cur Cursor) string {
	q := url.Values{
		"docket_entry__docket__court": {cur.Court},
		"order_by":                    {string(cur.Field)},
		"omit":                        {"plain_text"},
	}
	if lo := cur.low(s.cfg.Overlap); !lo.IsZero() {
		q.Set(string(cur.Field)+"__gte", lo.Format(time.RFC3339Nano))
	}
	if !cur.Until.IsZero() {
		q.Set(string(cur.Field)+"__lt", cur.Until.Format(time.RFC3339Nano))
	}
	return s.c.endpoint("recap-documents/", q)
}

func fieldOf(f Field, d RECAPDocument) time.Time {
	if f == DateModified {
		return d.DateModified.Time
	}
	return d.DateCreated.Time
}

// emitPage resolves and emits the documents of one page in order, marking each done
// after its emit succeeded.
func (s *Source) emitPage(ctx context.Context, cur Cursor, docs []RECAPDocument, emit func(context.Context, filing.Document) error) (Cursor, error) {
	// A page read again after a failure holds documents below the overlap: the sweep
	// passed them already.
	lo := cur.low(s.cfg.Overlap)
	var todo []RECAPDocument
	for _, d := range docs {
		if at := fieldOf(cur.Field, d); !at.Before(lo) && !cur.done(d.ID, at) {
			todo = append(todo, d)
		}
	}
	entries, err := resolve(ctx, s.c, todo)
	if err != nil {
		return cur, fmt.Errorf("polling courtlistener %s: %w", cur.Court, err)
	}
	for _, d := range todo {
		doc := documentOf(cur.Court, d, entries[d.ID], s.c.StorageURL, s.cfg.Now())
		deferred := false
		if d.Available() && s.cfg.Fetch != nil {
			blob, err := s.fetch(ctx, doc, d)
			switch {
			case err == nil:
				doc.Blob = blob
			case ctx.Err() != nil:
				return cur, ctx.Err()
			case s.cfg.Defer != nil:
				if err := s.cfg.Defer(ctx, doc, pdfOf(doc.URL, d), err); err != nil {
					return cur, fmt.Errorf("deferring pdf of %s: %w", doc.ID, err)
				}
				deferred = true
			case fault.IsPermanent(err):
				// Without a Defer, a file that is not the one described is left out.
				s.cfg.Logger.Warn("pdf failed verification, emitting without it", "doc_id", doc.ID, "err", err)
			default:
				return cur, fmt.Errorf("polling courtlistener %s: %w", cur.Court, err)
			}
		}
		if !deferred {
			if err := emit(ctx, doc); err != nil {
				return cur, fmt.Errorf("emitting %s: %w", doc.ID, err)
			}
		}
		cur.mark(d.ID, fieldOf(cur.Field, d), s.cfg.Overlap)
	}
	return cur, nil
}

// pdfOf says where a document's PDF is and what it must be.
func pdfOf(url string, d RECAPDocument) PDF {
	p := PDF{URL: url, SHA1: d.SHA1}
	if d.FileSize != nil {
		p.Size = *d.FileSize
	}
	return p
}

// fetch stores a document's PDF, trying again after a failure, and returns the last
// failure when every attempt failed.
func (s *Source) fetch(ctx context.Context, doc filing.Document, d RECAPDocument) (*filing.BlobRef, error) {
	p := pdfOf(doc.URL, d)
	var err error
	for attempt := 0; attempt < s.cfg.FetchAttempts; attempt++ {
		var ref filing.BlobRef
		ref, err = s.cfg.Fetch(ctx, p.URL, p.SHA1, p.Size)
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
	return nil, fmt.Errorf("fetching pdf of %s: %w", doc.ID, err)
}

// entryAPI is what resolving documents needs of the API; *Client is one.
type entryAPI interface {
	Docket(ctx context.Context, id int64) (Docket, error)
	Entries(ctx context.Context, docketID, lo, hi int64) ([]DocketEntry, error)
}

// resolved is what a document's docket and entry say about it.
type resolved struct {
	docket Docket
	entry  *DocketEntry
}

// resolve fetches the docket and the entries of the documents of a page: one docket
// request per new docket (cached) and one entries request per docket.
func resolve(ctx context.Context, api entryAPI, docs []RECAPDocument) (map[int64]resolved, error) {
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
		dk, err := api.Docket(ctx, id)
		if err != nil {
			return nil, err
		}
		byDoc := map[int64]*DocketEntry{}
		if sp := spans[id]; sp.lo >= 0 {
			entries, err := api.Entries(ctx, id, sp.lo, sp.hi)
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

// documentOf builds the filing.Document of a RECAP document; storage maps its
// filepath_local to the PDF's URL.
func documentOf(court string, d RECAPDocument, r resolved, storage func(string) string, now time.Time) filing.Document {
	doc := filing.Document{
		Schema:       filing.Schema,
		Source:       SourceName,
		SourceID:     "rd:" + strconv.FormatInt(d.ID, 10),
		Description:  d.Description,
		DiscoveredAt: now,
	}
	if d.FilepathLocal != nil && *d.FilepathLocal != "" {
		doc.URL = storage(*d.FilepathLocal)
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
	finish(&doc)
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
