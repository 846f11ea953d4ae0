package docmeta

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// RECAP names the PDFs it archives gov.uscourts.COURT.CASE.DOC.ATTACHMENT.pdf: for a
// district or bankruptcy court CASE is the PACER case id and DOC the entry number
// ("gov.uscourts.azd.1085839.3.0.pdf"); for a court of appeals CASE is the docket number
// and DOC the PACER document id ("gov.uscourts.ca1.12-2209.00106475093.0.pdf").
var recapName = regexp.MustCompile(`^gov\.uscourts\.([a-z0-9]+)\.([0-9a-z:-]+)\.(\d+)\.(\d+)\.pdf$`)

// recapFile is what a RECAP file name says.
type recapFile struct {
	Court       string
	Docket      string // appellate names only
	PacerCaseID string // district and bankruptcy names only
	Entry       int    // district and bankruptcy names only
	Attachment  int
}

func parseRECAPName(name string) (recapFile, bool) {
	m := recapName.FindStringSubmatch(strings.ToLower(filepath.Base(name)))
	if m == nil {
		return recapFile{}, false
	}
	if _, known := CourtByID(m[1]); !known {
		return recapFile{}, false
	}
	f := recapFile{Court: m[1]}
	f.Attachment, _ = strconv.Atoi(m[4])
	if strings.Contains(m[2], "-") {
		f.Docket = m[2]
		return f, true
	}
	f.PacerCaseID = m[2]
	f.Entry, _ = strconv.Atoi(m[3])
	return f, true
}
