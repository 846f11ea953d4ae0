package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// IndexDocument is the bleve document of a Text under Mapping, indexed at now. The pages
// are joined into one text field; page_starts keeps each page's byte offset (and its
// number when pages are not numbered 1, 2, 3, …) so that a match location names its page.
func IndexDocument(t filing.Text, now time.Time) map[string]any {
	d := t.Document
	var text strings.Builder
	starts := make([]string, 0, len(t.Pages))
	for i, p := range t.Pages {
		if i > 0 {
			text.WriteString(PageSeparator)
		}
		start := strconv.Itoa(text.Len())
		if p.Number != 0 && p.Number != i+1 {
			start += "@" + strconv.Itoa(p.Number)
		}
		starts = append(starts, start)
		text.WriteString(p.Text)
	}
	stored := d
	stored.Description = strings.TrimSpace(d.Description)
	docJSON, _ := json.Marshal(stored)
	doc := map[string]any{
		FieldText:         text.String(),
		FieldPageStarts:   strings.Join(starts, ","),
		FieldPages:        len(t.Pages),
		FieldCaseName:     d.Docket.CaseName,
		FieldDescription:  strings.TrimSpace(d.Entry.Description + "\n" + d.Description),
		FieldDocket:       d.Docket.Number,
		FieldDocType:      DocType(d),
		FieldExhibit:      d.Exhibit,
		FieldSource:       d.Source,
		FieldVersion:      VersionKey(t.Version),
		FieldIndexed:      now.UTC(),
		FieldDocumentJSON: string(docJSON),
		// A document without a date sorts below every date; "dated" puts it last when the
		// oldest come first. Values rather than missing fields keep search-after exact:
		// bleve's placeholder for a missing value does not survive a cursor.
		FieldFiledSort: UndatedSortKey,
		FieldDated:     "0",
	}
	if meta := pageMetas(t.Pages); meta != "" {
		doc[FieldPagesJSON] = meta
	}
	if d.Docket.Court != "" {
		// An empty value would be counted as a court of its own, with a blank name.
		doc[FieldCourt] = d.Docket.Court
	}
	if d.Entry.Number > 0 {
		doc[FieldEntry] = d.Entry.Number
	}
	if d.ExhibitLabel != "" {
		doc[FieldExhibitLabel] = d.ExhibitLabel
	}
	if !d.Entry.Filed.IsZero() {
		filed := d.Entry.Filed.UTC()
		doc[FieldFiled] = filed
		doc[FieldFiledSort] = filed.Format(FiledSortLayout)
		doc[FieldDated] = "1"
		doc[FieldYear] = strconv.Itoa(filed.Year())
	}
	if len(t.Entities) > 0 {
		byType := map[string][]string{}
		var all []string
		var kept []filing.Entity
		type key struct {
			t    filing.EntityType
			name string
		}
		seen := map[key]bool{}
		for _, e := range t.Entities {
			name := strings.TrimSpace(e.Canonical)
			k := key{e.Type, name}
			if name == "" || seen[k] {
				continue
			}
			seen[k] = true
			kept = append(kept, filing.Entity{Type: e.Type, Canonical: name})
			all = append(all, name)
			if search.KnownEntityType(e.Type) {
				byType[EntityField(e.Type)] = append(byType[EntityField(e.Type)], name)
			}
		}
		doc[FieldEntity] = all
		for f, names := range byType {
			doc[f] = names
		}
		entJSON, _ := json.Marshal(kept)
		doc[FieldEntitiesJSON] = string(entJSON)
	}
	return doc
}

// PageSeparator joins pages in the text field: two newlines, so that no phrase spans pages
// by accident of a glued word, and snippets read naturally.
const PageSeparator = "\n\n"

// VersionKey orders versions as strings: bleve's numbers are float64, which cannot hold
// nanosecond timestamps exactly.
func VersionKey(v int64) string { return fmt.Sprintf("%020d", v) }

// PageMeta is what a page's text does not say about it: how it was read (its text layer
// by an engine, or OCR with a confidence) and its court stamp. It is stored beside the
// text (pages_json) so that the document page can say which pages were OCR'd.
type PageMeta struct {
	Number     int     `json:"n"`
	OCR        bool    `json:"ocr,omitempty"`
	Confidence float64 `json:"conf,omitempty"`
	Engine     string  `json:"engine,omitempty"`
	Stamp      string  `json:"stamp,omitempty"`
}

// pageMetas encodes the pages' PageMeta, "" when no page has any.
func pageMetas(pages []filing.Page) string {
	var metas []PageMeta
	for i, p := range pages {
		if !p.OCR && p.Engine == "" && p.Stamp == "" {
			continue
		}
		n := p.Number
		if n == 0 {
			n = i + 1
		}
		metas = append(metas, PageMeta{Number: n, OCR: p.OCR, Confidence: p.Confidence, Engine: p.Engine, Stamp: p.Stamp})
	}
	if len(metas) == 0 {
		return ""
	}
	b, _ := json.Marshal(metas)
	return string(b)
}

// ApplyPageMetas sets on pages what the stored pages_json says of them; an index written
// before pages_json existed has none, and its pages stay as they are.
func ApplyPageMetas(pages []filing.Page, stored string) {
	if stored == "" {
		return
	}
	var metas []PageMeta
	if json.Unmarshal([]byte(stored), &metas) != nil {
		return
	}
	byNumber := make(map[int]PageMeta, len(metas))
	for _, m := range metas {
		byNumber[m.Number] = m
	}
	for i := range pages {
		if m, ok := byNumber[pages[i].Number]; ok {
			pages[i].OCR, pages[i].Confidence, pages[i].Engine, pages[i].Stamp = m.OCR, m.Confidence, m.Engine, m.Stamp
		}
	}
}
