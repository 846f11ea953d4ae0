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
	Entry      int       // document number
	Attachment int       // attachment number, 0 for the main document
	Filed      time.Time // filed date, zero when absent
	Page       int
	Pages      int
}

var (
	// "Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2"
	districtStamp = regexp.MustCompile(`Case\s+(\d{1,2}:\d{2}-[a-zA-Z]{1,4}-\d{3,6})((?:-[A-Z]{1,4})*)\s+(?:Doc(?:ument)?|Dkt)\.?\s*(?:No\.?\s*)?(\d+)(?:-(\d+))?\s+Filed\s+(\d{1,2}/\d{1,2}/\d{2,4})(?:\s+(?:Entered\s+\S+\s+)?Page\s*(\d+)\s+of\s+(\d+))?`)
	// "Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15"
	appellateStamp = regexp.MustCompile(`Case:\s*(\d{2}-\d{3,6}),\s*(\d{1,2}/\d{1,2}/\d{4}),\s*ID:\s*\d+,\s*DktEntry:\s*(\d+)(?:-(\d+))?,\s*Page\s*(\d+)\s+of\s+(\d+)`)
)

// ParseStamp finds an ECF header stamp in text and returns what it says, and the byte
// range it occupies.
func ParseStamp(text string) (s Stamp, start, end int, ok bool) {
	if m := districtStamp.FindStringSubmatchIndex(text); m != nil {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		s.Docket = strings.ToLower(g(1))
		s.Entry, _ = strconv.Atoi(g(3))
		s.Attachment, _ = strconv.Atoi(g(4))
		s.Filed = parseUSDate(g(5))
		s.Page, _ = strconv.Atoi(g(6))
		s.Pages, _ = strconv.Atoi(g(7))
		return s, m[0], m[1], true
	}
	if m := appellateStamp.FindStringSubmatchIndex(text); m != nil {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		s.Docket = g(1)
		s.Filed = parseUSDate(g(2))
		s.Entry, _ = strconv.Atoi(g(3))
		s.Attachment, _ = strconv.Atoi(g(4))
		s.Page, _ = strconv.Atoi(g(5))
		s.Pages, _ = strconv.Atoi(g(6))
		return s, m[0], m[1], true
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
