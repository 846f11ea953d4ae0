package pacerrss

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Source is the name documents from the feeds carry in filing.Document.Source.
const Source = "pacerrss"

// Document turns a feed entry into a document without a PDF. Its DocID is the court-based
// id when the entry has a number, so that CourtListener's copy of the same filing enriches
// it; an entry without a number (a minute order, "Close Adversary Case") is known by the
// PACER doc id, or else by a hash of what identifies it in the feed.
func (e Entry) Document(discovered time.Time) filing.Document {
	court := CourtListenerID(e.Court)
	number := NormalizeDocketNumber(e.DocketNumber)
	desc := strings.TrimSpace(e.ShortDescription)
	d := filing.Document{
		Schema:   filing.Schema,
		Source:   Source,
		SourceID: e.key(),
		URL:      e.DocURL,
		Docket: filing.Docket{
			Court:    court,
			Number:   number,
			CaseName: e.CaseName,
		},
		Entry:        filing.Entry{Filed: e.Filed, Description: desc},
		DiscoveredAt: discovered,
	}
	if d.URL == "" {
		d.URL = e.Link
	}
	if e.PacerCaseID != "" {
		d.Docket.SourceIDs = map[string]string{"pacer_case_id": e.PacerCaseID}
	}
	if n, err := strconv.Atoi(e.DocumentNumber); err == nil && n > 0 {
		d.Entry.Number = n
	}
	// A feed item describes the main document of an entry; it is an exhibit when the
	// court's event name says so.
	if label, ok := filing.ExhibitLabel(desc); ok {
		d.Exhibit, d.ExhibitLabel = true, label
	}
	d.ID = filing.NewDocID(court, number, d.Entry.Number, 0)
	if d.ID == "" {
		if e.PacerDocID != "" {
			d.ID = filing.SourceDocID("pacer", court+"/"+e.PacerDocID)
		} else {
			d.ID = filing.SourceDocID(Source, court+"/"+e.key())
		}
	}
	return d
}

// key identifies an entry within a court's feed across polls: the PACER doc id when
// there is one, else a hash of docket, time and event names (the way CourtListener
// de-duplicates feed items).
func (e Entry) key() string {
	if e.PacerDocID != "" {
		return e.PacerDocID
	}
	h := sha256.Sum256([]byte(strings.Join([]string{e.Court, e.DocketNumber, e.PacerCaseID, e.Filed.UTC().Format(time.RFC3339), e.DocumentNumber, strings.TrimSpace(e.ShortDescription)}, "\x00")))
	return "h" + hex.EncodeToString(h[:12])
}

// Documents returns the documents of every entry of the feed, in feed order.
func (f *Feed) Documents(discovered time.Time) []filing.Document {
	out := make([]filing.Document, 0, len(f.Entries))
	for _, e := range f.Entries {
		out = append(out, e.Document(discovered))
	}
	return out
}
