package filing

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Stamp is what the ECF header stamp on every page of a filing says.
type Stamp struct {
	Docket     string    // normalised docket number, without judge initials
	Entry      int       // entry (document) number, 0 when the stamp gives only a document id
	Attachment int       // attachment number, 0 for the main document
	Filed      time.Time // filed date, zero when absent
	Page       int
	Pages      int
	// CourtMark is the court a district stamp names after the filed date ("Colorado" in
	// "Filed 04/16/21 USDC Colorado Page 1 of 16"); most stamps name none.
	CourtMark string
}

// The stamp starts with the case number and goes on with fields in an order that
// varies by court:
//
//	Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2
//	Case 8:19-bk-12345-ES Doc 45 Filed 01/02/20 Entered 01/02/20 10:11:12 Desc Main Document Page 1 of 5
//	Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15
//	Case: 20-1507 Document: 00117684624 Page: 1 Date Filed: 12/22/2020 Entry ID: 6391370
//	Appellate Case: 21-8001 Document: 010110462922 Date Filed: 01/11/2021 Page: 1
//	Case 17-3510, Document 1-1, 10/31/2017, 2161300, Page1 of 2
//	Appeal: 17-1234 Doc: 17 Filed: 10/31/2017 Pg: 1 of 1
//	Case 1:20-cv-01234-RM Document 5 Filed 01/02/20 USDC Colorado Page 1 of 16
//
// so it is read as an anchor followed by a run of known fields, each right after the last.
var (
	stampAnchor = regexp.MustCompile(`(?:Appellate\s+)?(?:Case|Appeal|USCA\d*\s+Case\s*#?):?\s*((?:\d{1,2}:)?\d{2}-(?:[a-zA-Z]{1,4}-)?\d{3,6})((?:-[A-Za-z]{1,4})*)\b`)
	stampFields = []struct {
		name string
		re   *regexp.Regexp
	}{
		{"doc", regexp.MustCompile(`^[\s,]*(?:Document|Doc|DktEntry|Dkt)[:.]?\s*(?:No\.?\s*)?(\d+)(?:-(\d+))?`)},
		{"filed", regexp.MustCompile(`^[\s,]*(?:Date\s+)?Filed:?\s*(\d{1,2}/\d{1,2}/\d{2,4})`)},
		{"pageof", regexp.MustCompile(`^[\s,]*(?:Page|Pg):?\s*(\d+)\s*of\s*(\d+)`)},
		{"usdc", regexp.MustCompile(`^[\s,]*USDC((?:\s+[A-Z][A-Za-z.]*){1,3}?)\s+(?:Page|Pg):?\s*(\d+)\s*of\s*(\d+)`)},
		{"page", regexp.MustCompile(`^[\s,]*Page:?\s*(\d+)`)},
		{"pages", regexp.MustCompile(`^[\s,]*Pages:?\s*(\d+)`)},
		{"date", regexp.MustCompile(`^[\s,]*(\d{1,2}/\d{1,2}/\d{4})\b`)},
		{"id", regexp.MustCompile(`^[\s,]*(?:Page\s*ID\s*#:?\s*\d+|(?:Entry\s+)?ID:?\s*\d+|\d{5,}\b)`)},
		{"entered", regexp.MustCompile(`^[\s,]*Entered:?\s*\d{1,2}/\d{1,2}/\d{2,4}(?:\s+\d{1,2}:\d{2}:\d{2})?`)},
		{"desc", regexp.MustCompile(`^[\s,]*Desc\s+(?:Main\s+Document|Exhibit\b[^\n]{0,40}?(?:Page|$)|[A-Z][a-z]+)`)},
	}
)

// ParseStamp finds an ECF header stamp in text and returns what it says and the byte
// range it occupies. A case number alone ("Case: 17-2400" in a sentence) is not a stamp:
// it needs a document number or a filed date and a second field.
func ParseStamp(text string) (s Stamp, start, end int, ok bool) {
	for _, a := range stampAnchor.FindAllStringSubmatchIndex(text, -1) {
		s = Stamp{Docket: strings.ToLower(text[a[2]:a[3]])}
		pos, fields, key := a[1], 0, false
		seen := map[string]bool{}
	next:
		for fields < 8 {
			for _, f := range stampFields {
				if seen[f.name] {
					continue
				}
				m := f.re.FindStringSubmatchIndex(text[pos:])
				if m == nil {
					continue
				}
				g := func(i int) string {
					if m[2*i] < 0 {
						return ""
					}
					return text[pos+m[2*i] : pos+m[2*i+1]]
				}
				switch f.name {
				case "doc":
					// Appellate "Document: 00117684624" is a document id, not an entry number.
					if n := g(1); len(n) <= 6 {
						s.Entry, _ = strconv.Atoi(n)
						s.Attachment, _ = strconv.Atoi(g(2))
					}
					key = true
				case "filed", "date":
					if s.Filed.IsZero() {
						s.Filed = parseUSDate(g(1))
					}
					key = true
					seen["filed"], seen["date"] = true, true
				case "pageof":
					s.Page, _ = strconv.Atoi(g(1))
					s.Pages, _ = strconv.Atoi(g(2))
					seen["page"] = true
				case "usdc":
					s.CourtMark = strings.TrimSpace(g(1))
					s.Page, _ = strconv.Atoi(g(2))
					s.Pages, _ = strconv.Atoi(g(3))
					seen["page"] = true
				case "page":
					s.Page, _ = strconv.Atoi(g(1))
				case "pages":
					s.Pages, _ = strconv.Atoi(g(1))
				}
				seen[f.name] = true
				pos += m[1]
				fields++
				continue next
			}
			break
		}
		if key && fields >= 2 {
			return s, a[0], pos, true
		}
	}
	return Stamp{}, 0, 0, false
}

// parseUSDate reads "04/15/24" and "04/15/2024"; two-digit years are 20xx.
func parseUSDate(s string) time.Time {
	for _, layout := range []string{"01/02/2006", "1/2/2006", "01/02/06", "1/2/06"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
