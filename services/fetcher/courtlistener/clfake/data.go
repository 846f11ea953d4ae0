// Package clfake is a faithful fake of the CourtListener REST API v4 on httptest, for
// tests and benchmarks of the fetcher: the same paths, fields and JSON shapes as the
// recorded OPTIONS responses (courtlistener-api-client docs/http_options.json), DRF cursor
// pagination with "count" as a URL, the filter validation that rejects unknown
// parameters, Token authentication and its 401/403 bodies, per-token throttling with
// Retry-After, PDFs under a storage path, and switchable faults (5xx, 429 storms, slow and
// truncated responses, corrupt downloads, rotated cursors). Its data is generated: dockets,
// entries and RECAP documents (with attachments, exhibits and unavailable files) across
// courts, spread over a time range, with deliberate date_created ties.
package clfake

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Docket is a generated docket.
type Docket struct {
	ID           int64
	Court        string
	CaseName     string
	DocketNumber string
	PacerCaseID  string
	DateCreated  time.Time
	DateModified time.Time
}

// Entry is a generated docket entry.
type Entry struct {
	ID           int64
	DocketID     int64
	EntryNumber  int
	DateFiled    time.Time
	Description  string
	PacerSeq     int
	DateCreated  time.Time
	DateModified time.Time
	Docs         []int64
}

// Document is a generated RECAP document: the main document of an entry or an attachment.
type Document struct {
	ID               int64
	EntryID          int64
	DocketID         int64
	Court            string
	DocumentNumber   string
	AttachmentNumber int // 0 for the main document
	Description      string
	PacerDocID       string
	IsAvailable      bool
	FilepathLocal    string
	SHA1             string
	FileSize         int64
	PageCount        int
	DateCreated      time.Time
	DateModified     time.Time
	PDF              []byte
}

var (
	surnames = []string{"Abbott", "Baker", "Castillo", "Dunn", "Ellis", "Fischer", "Garcia", "Hughes", "Ibarra", "Jensen", "Kowalski", "Lindqvist", "Moreno", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka", "Underwood", "Vasquez", "Whitfield", "Young", "Zimmerman"}
	firms    = []string{"Northwind Traders", "Contoso", "Initech", "Globex", "Umbrella Holdings", "Stark Logistics", "Wayne Freight", "Tyrell Systems", "Cyberdyne Labs", "Vandelay Industries"}
	suffixes = []string{"Inc.", "LLC", "Corp.", "Co.", "L.P."}
	events   = []string{"MOTION to Dismiss", "ORDER granting motion", "MEMORANDUM OF LAW in Support", "NOTICE of Appearance", "COMPLAINT", "ANSWER to Complaint", "LETTER addressed to Judge", "DECLARATION in Support", "STIPULATION and Proposed Order", "TRANSCRIPT of Proceedings"}
	attDescs = []string{"Exhibit %d", "Exhibit %d - Email correspondence", "Ex. %d", "Declaration of Counsel", "Text of Proposed Order", "Certificate of Service", "Exhibit %d - Contract"}
)

// generate builds the data set: dockets per court, entries per docket, one main document
// per entry and up to three attachments, created over [start, start+span).
func generate(cfg Config) *store {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x636c66616b65))
	s := newStore()
	docsPerCourt := cfg.DocumentsPerCourt
	step := cfg.Span / time.Duration(max(1, docsPerCourt*len(cfg.Courts)))
	for ci, court := range cfg.Courts {
		var dockets []*Docket
		for i := 0; i < cfg.DocketsPerCourt; i++ {
			s.nextDocket++
			d := &Docket{
				ID:           s.nextDocket,
				Court:        court,
				CaseName:     caseName(r),
				DocketNumber: docketNumber(r, court, i),
				PacerCaseID:  strconv.Itoa(100000 + ci*10000 + i),
			}
			dockets = append(dockets, d)
			s.dockets[d.ID] = d
		}
		t := cfg.Start.Add(time.Duration(ci) * step / time.Duration(len(cfg.Courts)))
		made := 0
		for made < docsPerCourt {
			d := dockets[r.IntN(len(dockets))]
			t = t.Add(time.Duration(r.Int64N(int64(2*step*time.Duration(len(cfg.Courts))) + 1)))
			made += s.addEntry(r, d, t, cfg.Start, docsPerCourt-made)
		}
	}
	return s
}

// addEntry files one entry with its documents at t and returns how many documents it made.
func (s *store) addEntry(r *rand.Rand, d *Docket, t time.Time, epoch time.Time, room int) int {
	t = t.Truncate(time.Microsecond)
	if d.DateCreated.IsZero() {
		d.DateCreated = t
	}
	d.DateModified = t
	s.nextEntry++
	n := len(s.entriesOf[d.ID]) + 1
	e := &Entry{
		ID: s.nextEntry, DocketID: d.ID, EntryNumber: n, PacerSeq: n * 3,
		DateFiled:   time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC),
		Description: events[r.IntN(len(events))] + " filed by " + surnames[r.IntN(len(surnames))],
		DateCreated: t, DateModified: t,
	}
	s.entries[e.ID] = e
	s.entriesOf[d.ID] = append(s.entriesOf[d.ID], e.ID)
	atts := 0
	if r.IntN(3) == 0 {
		atts = 1 + r.IntN(3)
	}
	atts = min(atts, room-1)
	for a := 0; a <= atts; a++ {
		s.nextDoc++
		doc := &Document{
			ID: s.nextDoc, EntryID: e.ID, DocketID: d.ID, Court: d.Court,
			DocumentNumber:   strconv.Itoa(n),
			AttachmentNumber: a,
			PacerDocID:       fmt.Sprintf("%03d0%08d", 100+len(d.Court), s.nextDoc),
			IsAvailable:      r.IntN(7) != 0,
			PageCount:        1 + r.IntN(40),
			// Attachments are created microseconds after their entry; one in ten documents
			// shares its date_created with the one before, as bulk uploads do.
			DateCreated: t.Add(time.Duration(a) * time.Microsecond),
		}
		if a > 0 && r.IntN(10) == 0 {
			doc.DateCreated = s.docs[s.nextDoc-1].DateCreated
		}
		doc.DateModified = doc.DateCreated
		if a == 0 {
			doc.Description = strings.SplitN(e.Description, " filed", 2)[0]
		} else {
			tmpl := attDescs[r.IntN(len(attDescs))]
			if strings.Contains(tmpl, "%d") {
				doc.Description = fmt.Sprintf(tmpl, a)
			} else {
				doc.Description = tmpl
			}
		}
		if doc.IsAvailable {
			doc.setPDF(d)
		}
		s.docs[doc.ID] = doc
		s.order = append(s.order, doc.ID)
		e.Docs = append(e.Docs, doc.ID)
	}
	return atts + 1
}

// setPDF makes the document available with its PDF.
func (doc *Document) setPDF(d *Docket) {
	doc.IsAvailable = true
	doc.PDF = fakePDF(doc)
	sum := sha1.Sum(doc.PDF)
	doc.SHA1 = hex.EncodeToString(sum[:])
	doc.FileSize = int64(len(doc.PDF))
	doc.FilepathLocal = fmt.Sprintf("recap/gov.uscourts.%s.%s/gov.uscourts.%s.%s.%s.%d.pdf", d.Court, d.PacerCaseID, d.Court, d.PacerCaseID, doc.DocumentNumber, doc.AttachmentNumber)
}

func caseName(r *rand.Rand) string {
	p := surnames[r.IntN(len(surnames))]
	if r.IntN(4) == 0 {
		return "United States v. " + p
	}
	return p + " v. " + firms[r.IntN(len(firms))] + " " + suffixes[r.IntN(len(suffixes))]
}

func docketNumber(r *rand.Rand, court string, i int) string {
	yy := 20 + r.IntN(6)
	last := court[len(court)-1]
	switch {
	case last >= '0' && last <= '9':
		return fmt.Sprintf("%d-%d", yy, 1000+i)
	case last == 'b':
		return fmt.Sprintf("%d-%05d", yy, 10000+i)
	}
	kinds := []string{"cv", "cr", "mc"}
	return fmt.Sprintf("%d:%d-%s-%05d", 1+r.IntN(3), yy, kinds[r.IntN(len(kinds))], 100+i)
}

// fakePDF is a small, well-formed PDF naming the document, distinct per document.
func fakePDF(d *Document) []byte {
	text := fmt.Sprintf("Case %s Document %s-%d", d.PacerDocID, d.DocumentNumber, d.AttachmentNumber)
	stream := "BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET"
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offs := []int{}
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return []byte(b.String())
}

type store struct {
	dockets    map[int64]*Docket
	entries    map[int64]*Entry
	entriesOf  map[int64][]int64
	docs       map[int64]*Document
	order      []int64
	nextDocket int64
	nextEntry  int64
	nextDoc    int64
}

func newStore() *store {
	return &store{
		dockets: map[int64]*Docket{}, entries: map[int64]*Entry{}, entriesOf: map[int64][]int64{}, docs: map[int64]*Document{},
		nextDocket: 4214000, nextEntry: 2208770000, nextDoc: 214670000,
	}
}

func sortedIDs[T any](m map[int64]T) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
