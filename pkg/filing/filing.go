// Package filing is docketwatch's vocabulary: courts, dockets, entries, documents and
// the JSON wire forms that travel between the stages.
//
// Every wire form carries a schema version so that a stage can refuse, rather than
// misread, a message written by a newer release.
package filing

import (
	"fmt"
	"time"
)

// Schema is the version of the wire forms in this package. Bump it when a field changes
// meaning; adding an optional field does not need a bump.
const Schema = 1

// Docket is a case at one court.
type Docket struct {
	// Court is the CourtListener court id: "cand", "nysd", "ca9", "nysb".
	Court string `json:"court,omitempty"`
	// Number is the normalised docket number, "3:20-cv-08570", without judge initials.
	Number   string `json:"number,omitempty"`
	CaseName string `json:"case_name,omitempty"`
	// SourceIDs are the docket's ids at each source ("courtlistener": "68571705",
	// "pacer_case_id": "364380").
	SourceIDs map[string]string `json:"source_ids,omitempty"`
}

// Entry is one docket entry.
type Entry struct {
	// Number is the entry (document) number; 0 when the court gives none.
	Number      int       `json:"number,omitempty"`
	Filed       time.Time `json:"filed,omitzero"`
	Description string    `json:"description,omitempty"`
}

// BlobRef names the PDF bytes of a document in the blob store.
type BlobRef struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Name is the file name the bytes arrived under, for people; never an identity.
	Name string `json:"name,omitempty"`
}

// Document is the main document (attachment 0) or an attachment of a docket entry. It is
// the unit that is extracted, indexed and alerted on. A document without a blob (an RSS
// item whose PDF is not available yet) is still a document: its description is searchable.
type Document struct {
	Schema int   `json:"schema"`
	ID     DocID `json:"id"`
	// Source names where the document was found: "localdir", "courtlistener", "pacerrss".
	Source   string `json:"source"`
	SourceID string `json:"source_id,omitempty"`
	URL      string `json:"url,omitempty"`

	Docket     Docket `json:"docket"`
	Entry      Entry  `json:"entry"`
	Attachment int    `json:"attachment,omitempty"`
	// Description is the attachment's own description ("Exhibit 12 - Email from ...").
	Description  string `json:"description,omitempty"`
	Exhibit      bool   `json:"exhibit,omitempty"`
	ExhibitLabel string `json:"exhibit_label,omitempty"`

	// Title is the document's own title, verbatim from its title block or the source
	// ("NOTICE OF MOTION AND MOTION TO COMPEL"); Type is its kind from a closed list.
	Title string  `json:"title,omitempty"`
	Type  DocType `json:"type,omitempty"`
	// Origins says where each metadata value was found, by field name (FieldCourt…): a
	// value that has no origin here was set by the source that announced the document.
	Origins map[string]Origin `json:"origins,omitempty"`

	Blob         *BlobRef  `json:"blob,omitempty"`
	DiscoveredAt time.Time `json:"discovered_at,omitzero"`
}

// Page is the text of one page of a document.
type Page struct {
	// Number counts from 1.
	Number int    `json:"number"`
	Text   string `json:"text"`
	// OCR says the text came from optical character recognition; Confidence is then
	// Tesseract's mean word confidence in [0,1].
	OCR        bool    `json:"ocr,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	// Engine names what produced the text of this page ("go/1", "poppler/22.12",
	// "tesseract/5.3.0").
	Engine string `json:"engine,omitempty"`
	// Stamp is the ECF header stamp found on the page ("Case 3:20-cv-08570-JD Document
	// 736-12 Filed 04/15/24 Page 1 of 2"), kept out of Text.
	Stamp string `json:"stamp,omitempty"`
}

// EntityType is the kind of a named entity.
type EntityType string

// The entity types docketwatch recognises.
const (
	Organization EntityType = "organization"
	Person       EntityType = "person"
	Place        EntityType = "place"
	Product      EntityType = "product"
	Money        EntityType = "money"
	Date         EntityType = "date"
	DocketNumber EntityType = "docket_number"
	CaseCitation EntityType = "case_citation"
	Statute      EntityType = "statute"
	CourtName    EntityType = "court"
	ExhibitRef   EntityType = "exhibit_ref"
)

// Entity is one named entity, merged over its mentions in a document.
type Entity struct {
	Type EntityType `json:"type"`
	// Canonical is the one name the entity is known by ("Meta Platforms, Inc.").
	Canonical string    `json:"canonical"`
	Mentions  []Mention `json:"mentions,omitempty"`
}

// Mention is one place an entity is named: the page, and byte offsets into that page's Text.
type Mention struct {
	Text  string `json:"text"`
	Page  int    `json:"page"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Text is the message on TEXTS: an extracted document. It is the source of truth that
// re-indexing replays, so it carries everything the index needs.
type Text struct {
	Schema   int      `json:"schema"`
	Document Document `json:"document"`
	Pages    []Page   `json:"pages,omitempty"`
	Entities []Entity `json:"entities,omitempty"`
	// Extractor names the text engine and the metadata rules with their versions ("go/1
	// meta/1"): a change of either republishes on re-extraction. Version orders re-extractions
	// of one document: a higher version replaces a lower one, never the other way round.
	Extractor   string    `json:"extractor"`
	Version     int64     `json:"version"`
	ExtractedAt time.Time `json:"extracted_at"`
}

// Indexed is the message on INDEXED: the document is committed and visible to search.
type Indexed struct {
	Schema int    `json:"schema"`
	ID     DocID  `json:"id"`
	Court  string `json:"court,omitempty"`
	// Version is the Text version now in the index.
	Version int64 `json:"version"`
	// First says this is the first version of the document the index has seen.
	First     bool      `json:"first"`
	Exhibit   bool      `json:"exhibit,omitempty"`
	Pages     int       `json:"pages"`
	IndexedAt time.Time `json:"indexed_at"`
	// TextSeq is the TEXTS stream sequence of the text indexed, so that a stage told by
	// INDEXED reads the text in one direct get (0: not known, as from older indexers).
	TextSeq uint64 `json:"text_seq,omitempty"`
}

// Parked is the message on DEAD: work a stage gave up on, with the reason, kept visible
// and retryable.
type Parked struct {
	Schema   int       `json:"schema"`
	Stage    string    `json:"stage"`
	ID       DocID     `json:"id,omitempty"`
	Reason   string    `json:"reason"`
	Attempts int       `json:"attempts"`
	Subject  string    `json:"subject"`
	Data     []byte    `json:"data"`
	ParkedAt time.Time `json:"parked_at"`
}

// CheckSchema returns an error when a message was written by a newer, incompatible release.
func CheckSchema(got int) error {
	if got < 1 || got > Schema {
		return fmt.Errorf("unsupported schema %d (this build reads 1..%d)", got, Schema)
	}
	return nil
}
