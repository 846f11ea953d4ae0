package pacerrss

import (
	"regexp"
	"strconv"
	"strings"
)

// The docket number regexes of juriscraper's DocketReport, one per court kind. Go's RE2
// has no look-behind, so the district pattern's "(?<!\d)" becomes a non-digit (or the
// start) before the captured number.
var (
	districtNumber   = regexp.MustCompile(`(?:^|\D)((?:\d{1,2}:)?\d\d-[a-zA-Z]{1,5}-\d{1,10})`)
	bankruptcyNumber = regexp.MustCompile(`(?:#:\s+)?((?:\d-)?\d\d-\d*)`)
	appellateNumber  = regexp.MustCompile(`(\d\d-\d+)`)

	// A district number with its optional judge initials and defendant number:
	// "1:20-cr-00070-TKW-MAL-1", "3:21-~gr-00001", "1:15-mc-00105-P1".
	districtFull = regexp.MustCompile(`^(\d{1,2}):(\d\d)-([a-zA-Z0-9~]{1,5})-(\d{1,10})((?:-[A-Za-z][A-Za-z0-9/_]*)*)(?:-(\d+))?$`)
	// A bankruptcy number: "16-10992-smb", "15-32065-bjh11", "10-01083-8-RDD".
	bankruptcyFull = regexp.MustCompile(`^(\d\d)-(\d+)(?:-(\d))?(?:-([A-Za-z]{1,4})\d*)?$`)
	appellateFull  = regexp.MustCompile(`^\d\d-\d+$`)
)

// Components are the parts of a federal docket number, as CourtListener stores them
// beside the number (federal_dn_* fields). Empty means absent.
type Components struct {
	OfficeCode             string `json:"office_code,omitempty"`
	CaseType               string `json:"case_type,omitempty"`
	JudgeInitialsAssigned  string `json:"judge_initials_assigned,omitempty"`
	JudgeInitialsReferred  string `json:"judge_initials_referred,omitempty"`
	FederalDefendantNumber int    `json:"federal_defendant_number,omitempty"`
}

// docketNumber finds the docket number in an item title by the court kind's pattern.
// Bankruptcy courts sometimes use district-style numbers, so both are tried there.
func docketNumber(kind Kind, title string) string {
	var res []*regexp.Regexp
	switch kind {
	case Bankruptcy:
		res = []*regexp.Regexp{districtNumber, bankruptcyNumber}
	case Appellate:
		res = []*regexp.Regexp{appellateNumber}
	default:
		res = []*regexp.Regexp{districtNumber}
	}
	for _, re := range res {
		if m := re.FindStringSubmatch(title); m != nil {
			return m[1]
		}
	}
	return ""
}

// ParseComponents splits a raw docket number ("1:18-cr-00224-KMW-1", "16-10992-smb")
// into its components. Appellate and unrecognised numbers have none.
func ParseComponents(raw string) (Components, bool) {
	raw = strings.TrimSpace(raw)
	if m := districtFull.FindStringSubmatch(raw); m != nil {
		c := Components{OfficeCode: m[1], CaseType: m[3]}
		var judges []string
		for _, j := range strings.Split(m[5], "-") {
			if j != "" {
				judges = append(judges, j)
			}
		}
		if len(judges) > 0 {
			c.JudgeInitialsAssigned = judges[0]
		}
		if len(judges) > 1 {
			c.JudgeInitialsReferred = judges[1]
		}
		if m[6] != "" {
			c.FederalDefendantNumber, _ = strconv.Atoi(m[6])
		}
		return c, true
	}
	if m := bankruptcyFull.FindStringSubmatch(raw); m != nil {
		return Components{OfficeCode: m[3], JudgeInitialsAssigned: m[4]}, true
	}
	return Components{}, false
}

// NormalizeDocketNumber returns the form of a docket number that docketwatch uses in
// DocIDs: "1:18-cv-03365" (case type lower-cased, judge initials and defendant number
// dropped), "16-10992" for bankruptcy, "19-8054" for appellate cases. A number in no
// known form is returned trimmed, with inner white space removed so that it can be part
// of a DocID.
func NormalizeDocketNumber(raw string) string {
	raw = strings.TrimSpace(raw)
	if m := districtFull.FindStringSubmatch(raw); m != nil {
		return m[1] + ":" + m[2] + "-" + strings.ToLower(m[3]) + "-" + m[4]
	}
	if m := bankruptcyFull.FindStringSubmatch(raw); m != nil {
		return m[1] + "-" + m[2]
	}
	if appellateFull.MatchString(raw) {
		return raw
	}
	return strings.Join(strings.Fields(raw), "")
}
