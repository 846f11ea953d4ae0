package docmeta

import (
	"regexp"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Version names the rules that read metadata. It is part of the extractor's version
// string (filing.Text.Extractor), so bumping it makes re-extraction republish documents
// that were read by older rules.
const Version = "meta/5"

// Meta is what a document says about itself, each value with the origin it was read from
// (by filing.Field* name). Zero values were not found.
type Meta struct {
	Court       string
	Docket      string
	CaseName    string
	Entry       int
	Attachment  int
	Filed       time.Time
	Title       string
	Type        filing.DocType
	PacerCaseID string
	Origins     map[string]filing.Origin
}

// set records v for field unless the field already holds a value of an origin at least as
// strong; it reports whether v was taken.
func (m *Meta) set(field string, origin filing.Origin, empty bool, assign func()) {
	if empty {
		return
	}
	if m.Origins == nil {
		m.Origins = map[string]filing.Origin{}
	}
	if old, ok := m.Origins[field]; ok && old.Strength() >= origin.Strength() {
		return
	}
	assign()
	m.Origins[field] = origin
}

// Read reads a document's metadata from what its source said of it (the type its
// description names), its file name (a RECAP name), the ECF stamp of its first stamped
// page, and the caption and title block of its first pages.
func Read(doc filing.Document, pages []filing.Page) Meta {
	var m Meta
	// The attachment's own description describes it; the entry's describes the main
	// document ("MOTION to compel" for the exhibits attached to it too).
	desc := doc.Entry.Description
	if doc.Attachment > 0 || doc.Description != "" {
		desc = doc.Description
	}
	if typ := classifyEvent(desc); typ != filing.TypeOther {
		if typ == filing.TypeBrief && !briefAt(doc.Docket.Court, desc) {
			typ = filing.TypeMemorandum
		}
		m.set(filing.FieldType, filing.FromSource, false, func() { m.Type = typ })
	}
	fileName := ""
	if doc.Blob != nil {
		fileName = doc.Blob.Name
	}
	if f, ok := parseRECAPName(fileName); ok {
		m.set(filing.FieldCourt, filing.FromFileName, f.Court == "", func() { m.Court = f.Court })
		m.set(filing.FieldDocket, filing.FromFileName, f.Docket == "", func() { m.Docket = f.Docket })
		m.set(filing.FieldEntry, filing.FromFileName, f.Entry == 0, func() { m.Entry = f.Entry })
		if f.Entry != 0 || f.Docket != "" {
			m.set(filing.FieldAttachment, filing.FromFileName, false, func() { m.Attachment = f.Attachment })
		}
		m.PacerCaseID = f.PacerCaseID
	}
	m.readStamp(pages)
	if !m.readCaption(pages) {
		m.attachmentIsExhibit()
	}
	return m
}

// attachmentIsExhibit types an attachment of an entry as an exhibit when its head names
// no court (Read calls it then) and it has no title of its own: a paper of the case
// names its court in its caption or letterhead, so an attachment that does not (a
// letter, a form, a receipt) was brought from outside as evidence, while a clerk's
// letter attached to an appellate entry, or a titled "[Proposed] Order", is not.
func (m *Meta) attachmentIsExhibit() {
	if m.Attachment == 0 || m.Title != "" {
		return
	}
	if o, ok := m.Origins[filing.FieldType]; ok && o != filing.FromTitleBlock {
		return
	}
	m.Type = filing.TypeExhibit
	m.Origins[filing.FieldType] = filing.FromTitleBlock
}

func (m *Meta) readStamp(pages []filing.Page) {
	for _, p := range pages {
		st, _, _, ok := filing.ParseStamp(p.Stamp)
		if !ok {
			continue
		}
		from := filing.FromStamp
		m.set(filing.FieldDocket, from, st.Docket == "", func() { m.Docket = st.Docket })
		m.set(filing.FieldEntry, from, st.Entry == 0, func() { m.Entry = st.Entry })
		m.set(filing.FieldAttachment, from, st.Entry == 0, func() { m.Attachment = st.Attachment })
		m.set(filing.FieldFiled, from, st.Filed.IsZero(), func() { m.Filed = st.Filed })
		if c, ok := stampCourt(st.CourtMark); ok {
			m.set(filing.FieldCourt, from, false, func() { m.Court = c })
		}
		return
	}
}

// Apply completes doc with m. A value the document already holds wins when its origin is
// at least as strong; a value the document holds without a recorded origin came from the
// source that announced it (filing.FromSource).
func Apply(doc filing.Document, m Meta) filing.Document {
	origins := map[string]filing.Origin{}
	for k, v := range doc.Origins {
		origins[k] = v
	}
	take := func(field string, has bool, assign func()) {
		o, ok := m.Origins[field]
		if !ok {
			return
		}
		cur, recorded := origins[field]
		if has && !recorded {
			cur = filing.FromSource
			origins[field] = cur
		}
		if has && cur.Strength() >= o.Strength() {
			return
		}
		assign()
		origins[field] = o
	}
	take(filing.FieldCourt, doc.Docket.Court != "", func() { doc.Docket.Court = m.Court })
	take(filing.FieldDocket, doc.Docket.Number != "", func() { doc.Docket.Number = m.Docket })
	take(filing.FieldCaseName, doc.Docket.CaseName != "", func() { doc.Docket.CaseName = m.CaseName })
	take(filing.FieldEntry, doc.Entry.Number != 0, func() { doc.Entry.Number = m.Entry })
	// An attachment number belongs to its entry: it is taken with the entry, or when the
	// entry already known is the one read.
	if doc.Entry.Number == m.Entry {
		take(filing.FieldAttachment, doc.Attachment != 0, func() { doc.Attachment = m.Attachment })
	}
	take(filing.FieldFiled, !doc.Entry.Filed.IsZero(), func() { doc.Entry.Filed = m.Filed })
	take(filing.FieldTitle, doc.Title != "", func() { doc.Title = m.Title })
	take(filing.FieldType, doc.Type != "" && doc.Type != filing.TypeOther, func() { doc.Type = m.Type })
	if m.PacerCaseID != "" {
		if doc.Docket.SourceIDs["pacer_case_id"] == "" {
			ids := map[string]string{"pacer_case_id": m.PacerCaseID}
			for k, v := range doc.Docket.SourceIDs {
				ids[k] = v
			}
			doc.Docket.SourceIDs = ids
		}
	}
	if doc.Type == "" {
		doc.Type = filing.TypeOther
	}
	if len(origins) > 0 {
		doc.Origins = origins
	}
	return doc
}

// appealOrAmicus marks a brief that is one in a trial court too: an amicus's, or a
// party's in an appeal the court hears ("Appellant's Brief" in a bankruptcy appeal).
var appealOrAmicus = regexp.MustCompile(`(?i)\b(?:amicus|amici|appeal|appell(?:ant|ee)s?)\b`)

// briefAt says whether a paper a docket text calls a brief is one by doc.go's definition
// (an appeal's or an amicus's): a trial court's "Post-Hearing Brief" or "Brief in support
// of vacating the conviction" is a party's memorandum. A court the source does not name,
// or that courts-db does not know as a trial court, keeps the brief.
func briefAt(court, desc string) bool {
	c, ok := CourtByID(court)
	return !ok || c.Type != "trial" || appealOrAmicus.MatchString(desc)
}
