package docmeta

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// titleSep joins the parts of a document's title.
const titleSep = " · "

// maxTitleRunes bounds a verbatim title or file name inside a document's title: a title
// block can run to a paragraph.
const maxTitleRunes = 90

// Title is the one name of a document wherever people see it (search results, page
// titles, exports, alerts, the parked list), built as a researcher cites it:
//
//	Zepeda Rivas v. Jennings · 20-16276 (9th Cir.) · DktEntry 19 · Order
//
// Each part is left out when unknown. The court is its courts-db citation ("9th Cir.",
// "N.D. Cal.") or else its id; an entry is a "DktEntry" in a federal court of appeals and
// an "ECF No." elsewhere, with its attachment ("ECF No. 736-12"). The last part is the
// document's type, or its verbatim title when the type is not known; with nothing else
// known the title is the verbatim title, then the file name, then the source's id, then
// the document id. A document the extractor has not read yet (no Type: a parked filing)
// is named with what its source and file name say, as the extractor would read it
// without its pages.
func Title(d filing.Document) string {
	if d.Type == "" {
		d = Apply(d, Read(d, nil))
	}
	var parts []string
	if d.Docket.CaseName != "" {
		parts = append(parts, d.Docket.CaseName)
	}
	court, appellate := courtCitation(d.Docket.Court)
	switch {
	case d.Docket.Number != "" && court != "":
		parts = append(parts, d.Docket.Number+" ("+court+")")
	case d.Docket.Number != "":
		parts = append(parts, d.Docket.Number)
	case court != "":
		parts = append(parts, court)
	}
	if entry := entryName(d, appellate); entry != "" {
		parts = append(parts, entry)
	}
	known := len(parts) > 0
	if kind := kindName(d); kind != "" {
		parts = append(parts, kind)
	} else if known && d.Title != "" {
		parts = append(parts, shorten(d.Title))
	}
	if known {
		return strings.Join(parts, titleSep)
	}
	for _, s := range []string{d.Title, blobName(d), d.SourceID, string(d.ID)} {
		// A title that only says what the kind says ("EXHIBIT 4") names nothing more.
		if s = strings.TrimSpace(s); s != "" && (len(parts) == 0 || !strings.EqualFold(strings.Join(strings.Fields(s), " "), parts[0])) {
			if len(parts) > 0 {
				return s + titleSep + parts[0]
			}
			return shorten(s)
		}
	}
	return strings.Join(parts, titleSep)
}

// CourtName is the full name of a court id for people ("Court of Appeals for the Ninth
// Circuit"), or the id itself when courts-db does not know it.
func CourtName(id string) string {
	if c, ok := CourtByID(strings.ToLower(id)); ok && c.Name != "" {
		return c.Name
	}
	return id
}

// courtCitation is how a citation names a court ("9th Cir."), or its id when courts-db
// has no citation, and whether it is a federal court of appeals (whose entries are
// "DktEntry"s).
func courtCitation(id string) (string, bool) {
	if id == "" {
		return "", false
	}
	c, ok := CourtByID(strings.ToLower(id))
	if !ok {
		return id, false
	}
	appellate := c.Type == "appellate" && c.System == "federal"
	if c.Citation == "" {
		return id, appellate
	}
	return c.Citation, appellate
}

func entryName(d filing.Document, appellate bool) string {
	if d.Entry.Number <= 0 {
		return ""
	}
	n := strconv.Itoa(d.Entry.Number)
	if d.Attachment > 0 {
		n += "-" + strconv.Itoa(d.Attachment)
	}
	if appellate {
		return "DktEntry " + n
	}
	return "ECF No. " + n
}

// kindName names what the document is: its exhibit label ("Exhibit 12", canonical per
// filing.ExhibitLabel), else its type ("Order"), nothing for an unknown type.
func kindName(d filing.Document) string {
	if d.ExhibitLabel != "" {
		return d.ExhibitLabel
	}
	if d.Type == "" || d.Type == filing.TypeOther {
		return ""
	}
	s := string(d.Type)
	return strings.ToUpper(s[:1]) + s[1:]
}

func blobName(d filing.Document) string {
	if d.Blob == nil {
		return ""
	}
	return d.Blob.Name
}

// shorten cuts s to maxTitleRunes at a word boundary, with an ellipsis, and folds its
// white space to single spaces.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxTitleRunes {
		return s
	}
	r := []rune(s)[:maxTitleRunes]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > maxTitleRunes/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
