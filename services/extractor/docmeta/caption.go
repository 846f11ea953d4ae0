package docmeta

import (
	"regexp"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// courtLines is how far down a first page the court's name is looked for: its caption
// or letterhead is at the top, and the body names other courts.
const courtLines = 25

// captionLines is how much of a first page is searched for the caption and title block:
// they sit above the body, and the body names other courts and cases.
const captionLines = 60

var (
	lineNumber = regexp.MustCompile(`^\d{1,2}(?:\s+|$)`)
	// A two-column caption separates the parties from the case number with ")", "]" or
	// "§" (pleading paper) or a run of spaces (layout text).
	columnSep       = regexp.MustCompile(`\s*(?:[)\]§:]\s*$|\s[)\]§]\s|\s{3,})`)
	courtPhrase     = regexp.MustCompile(`(?i)(?:united\s+states\s+|u\.\s?s\.\s+)?(?:court\s+of\s+appeals|district\s+court|bankruptcy\s+court)`)
	courtWord       = regexp.MustCompile(`(?i)\b(court|circuit|appeals|panel|board|tribunal)\b`)
	versusLine      = regexp.MustCompile(`(?i)^[-–—]?\s*(v\.?|vs\.?|versus|against)\s*[-–—]?(?:\s+(?:No\.?\s*)?[\d:-]+\S*)?$`)
	inReLine        = regexp.MustCompile(`(?i)^(in\s+re|in\s+the\s+matter\s+of|ex\s+parte)\b[:,]?\s*(.*)$`)
	labelled        = regexp.MustCompile(`(?i)^(?:case\s+(?:name|title)|short\s+title|re|in\s+re|caption)\s*:\s*(.+)$`)
	roleLine        = regexp.MustCompile(`(?i)^[\s,]*(?:(?:and\s+)?(?:plaintiffs?|defendants?|appell(?:ee|ant)s?|petitioners?|respondents?|debtors?|claimants?|intervenors?|movants?|cross|counter|third[- ]party|real\s+part(?:y|ies)\s+in\s+interest)[\s,\-/–]*)+[.,;]?$`)
	trailingRole    = regexp.MustCompile(`(?i)[,\s]+(?:(?:plaintiffs?|defendants?|appell(?:ee|ant)s?|petitioners?|respondents?)[\s,\-/–]*)+[.,]?$`)
	docketInCaption = regexp.MustCompile(`(?i)\b(?:Case|Civil(?:\s+Action)?|Criminal(?:\s+Action)?|Docket|Adv(?:ersary)?\.?(?:\s+Pro(?:c|ceeding))?|Bankruptcy|Appeal)?\s*(?:Nos?\.|Numbers?|#)\s*:?\s*(\d{4}-\d{2}-\d{4}|(?:\d{1,2}:)?\d{2}-[A-Za-z]{2,4}-\d{3,6}|\d{2}-\d{3,6}|\d{3,6}[A-Z]?\d{0,2}-\d{1,2})\b`)
	underscores     = regexp.MustCompile(`^[_\-=*\s]+$`)
)

// captionText returns the top lines of the first page that has text, without line
// numbers of pleading paper, each reduced to its left column.
func captionText(pages []filing.Page) (full, left []string) {
	for _, p := range pages {
		if strings.TrimSpace(p.Text) == "" {
			continue
		}
		for l := range strings.SplitSeq(p.Text, "\n") {
			l = strings.TrimSpace(lineNumber.ReplaceAllString(strings.TrimSpace(l), ""))
			if l == "" || underscores.MatchString(l) {
				if len(full) > 0 && full[len(full)-1] != "" {
					full, left = append(full, ""), append(left, "")
				}
				continue
			}
			full = append(full, l)
			lc := l
			if strings.ContainsAny(l[:1], ")]§") {
				lc = ""
			} else if loc := columnSep.FindStringIndex(l); loc != nil && loc[0] > 0 {
				lc = strings.TrimSpace(l[:loc[0]])
			}
			left = append(left, lc)
			if len(full) >= captionLines {
				break
			}
		}
		return full, left
	}
	return nil, nil
}

// readCaption reads the caption and title block of the first page with text; it reports
// whether the page names its court at its head (a caption or a court's letterhead).
func (m *Meta) readCaption(pages []filing.Page) (namesCourt bool) {
	full, left := captionText(pages)
	if len(full) == 0 {
		return false
	}
	c, namesCourt := captionCourt(full)
	if namesCourt {
		m.set(filing.FieldCourt, filing.FromCaption, false, func() { m.Court = c })
	}
	if name := captionCaseName(left, full); name != "" {
		m.set(filing.FieldCaseName, filing.FromCaption, false, func() { m.CaseName = name })
	}
	if n := labelledValue(full, "Case Number:"); n != "" {
		if st, _, _, ok := filing.ParseStamp("Case " + n + " Document 1 Filed 01/01/2000"); ok {
			m.set(filing.FieldDocket, filing.FromCaption, false, func() { m.Docket = st.Docket })
		}
	}
	for _, l := range full {
		// The Judicial Panel on Multidistrict Litigation numbers its dockets "MDL No. 2168",
		// which its docket sheet's header prints.
		if n := mdlNumber.FindStringSubmatch(l); n != nil && docketHeader.MatchString(l) {
			m.set(filing.FieldDocket, filing.FromCaption, false, func() { m.Docket = "MDL No. " + n[1] })
			break
		}
	}
	for _, l := range full {
		l = strings.NewReplacer("–", "-", "—", "-", "‐", "-").Replace(l)
		if d := docketInCaption.FindStringSubmatch(l); d != nil {
			m.set(filing.FieldDocket, filing.FromCaption, false, func() { m.Docket = strings.ToLower(d[1]) })
			break
		}
	}
	if text := labelledValue(full, "Docket Text:"); text != "" {
		// A notice of electronic filing is titled by the entry it announces.
		if typ := Classify(text); typ != filing.TypeOther {
			m.set(filing.FieldTitle, filing.FromTitleBlock, false, func() { m.Title = text })
			m.set(filing.FieldType, filing.FromTitleBlock, false, func() { m.Type = typ })
		}
	}
	if title, typ := titleBlock(full); typ != "" {
		m.set(filing.FieldTitle, filing.FromTitleBlock, title == "", func() { m.Title = title })
		m.set(filing.FieldType, filing.FromTitleBlock, false, func() { m.Type = typ })
	}
	return namesCourt
}

// captionCourt finds the first caption line (with the one or two after it, for names
// broken over lines) that courts-db recognises.
func captionCourt(lines []string) (string, bool) {
	for i, l := range lines[:min(len(lines), courtLines)] {
		if !courtWord.MatchString(l) && (i+1 >= len(lines) || !courtWord.MatchString(lines[i+1])) {
			continue
		}
		// The longest window first: "UNITED STATES DISTRICT COURT" alone names no court.
		for n := 3; n >= 1; n-- {
			if i+n > len(lines) {
				continue
			}
			if c, ok := FindCourt(strings.Join(lines[i:i+n], " ")); ok {
				return c.ID, true
			}
		}
		// A letterhead prints other columns beside the court's name ("CLERK  UNITED STATES
		// COURT OF APPEALS  TELEPHONE" over "FOR THE THIRD CIRCUIT  215-597-2995").
		if p := courtPhrase.FindString(l); p != "" && i+1 < len(lines) {
			if c, ok := FindCourt(p + " " + lines[i+1]); ok {
				return c.ID, true
			}
		}
	}
	// A clerk's letterhead may give the court only by its web address.
	for _, l := range lines {
		if m := courtSite.FindStringSubmatch(l); m != nil {
			if c, ok := CourtByID(strings.ToLower(m[1])); ok {
				return c.ID, true
			}
		}
	}
	return "", false
}

// courtSite is a federal court's own web address, named by its CourtListener id
// ("www.ca3.uscourts.gov").
var courtSite = regexp.MustCompile(`(?i)\bwww\.([a-z0-9]+)\.uscourts\.gov\b`)

// stampCourt names the district court of a stamp's mark ("Colorado", "ED Michigan").
func stampCourt(mark string) (string, bool) {
	if mark == "" {
		return "", false
	}
	for _, s := range []string{"United States District Court for the District of " + mark, "United States District Court " + mark} {
		if c, ok := FindCourt(s); ok {
			return c.ID, true
		}
	}
	return "", false
}

// captionCaseName reads "PARTY v. PARTY" or "In re PARTY" from a caption, whichever comes
// first, or a labelled name ("Case Name: …", "Re: …") of a notice or letter, or else a
// short title standing on its own line.
func captionCaseName(left, full []string) string {
	if name, ok := docketSheetTitle(full); ok {
		return name
	}
	for i, l := range left {
		if l == "" {
			continue
		}
		if m := inReLine.FindStringSubmatch(l); m != nil {
			parts := append([]string{m[2]}, partyBelow(left, i+1)...)
			for j, p := range parts {
				if loc := numberInName.FindStringIndex(p); loc != nil {
					parts[j] = p[:loc[0]]
				}
			}
			return inRePrefix(m[1]) + " " + shortParty(strings.Join(parts, " "), false)
		}
		if versusLine.MatchString(l) {
			a, b := partyAbove(left, i-1), partyBelow(left, i+1)
			if a != "" && len(b) > 0 {
				return caseName(a, strings.Join(b, " "))
			}
		}
		if before, after, ok := cutVersus(l); ok && upperShare(before) > 0.7 && len(strings.Fields(before)) >= 2 {
			// "TARRANT REGIONAL WATER DISTRICT v." on one line, the other party below.
			if after == "" {
				after = strings.Join(partyBelow(left, i+1), " ")
			}
			return caseName(before, after)
		}
	}
	for i, l := range full {
		if m := labelled.FindStringSubmatch(l); m != nil {
			value := numberLead.ReplaceAllString(m[1], "")
			if before, after, ok := cutVersus(value); ok {
				return caseName(before, after)
			}
		}
		// A notice of electronic filing gives the name PACER holds, on the next line.
		if strings.EqualFold(l, "Case Name:") {
			var name []string
			for _, n := range full[i+1:] {
				if n == "" || strings.HasSuffix(n, ":") || len(name) == 3 {
					break
				}
				name = append(name, n)
			}
			return filing.HarmonizeCaseName(strings.Join(name, " "))
		}
	}
	// "West American Insurance Company v. Gifford et al": the case's short title on a
	// line of its own (a docket sheet, a cover page).
	for _, l := range left {
		if m := titleLine.FindStringSubmatch(l); m != nil && upperShare(l) <= 0.7 {
			return caseName(m[1], m[2])
		}
	}
	return ""
}

var (
	// docketHeader heads a PACER docket sheet ("CIVIL DOCKET FOR CASE #: 1:09-cv-00515",
	// "Court of Appeals Docket #: 10-1095", "Bankruptcy Petition #: 17-80033").
	docketHeader     = regexp.MustCompile(`(?i)\bdocket\s+for\s+case\s+#|\bcourt\s+of\s+appeals\s+docket\s+#|\bbankruptcy\s+petition\s+#`)
	bankruptcyHeader = regexp.MustCompile(`(?i)\bbankruptcy\s+petition\s+#`)
	debtorLine       = regexp.MustCompile(`(?i)^debtor(?:[\s-]+in[\s-]+possession)?$`)
	mdlNumber        = regexp.MustCompile(`(?i)#:\s*MDL\s+No\.?\s*(\d{1,5})\b`)
	caseTitleLine    = regexp.MustCompile(`(?i)^case\s+(?:title|name)\s*:\s*(.+)$`)
)

// sheetTitleLines is how far under its header a docket sheet prints the case's title:
// the district's title comes next, the appellate one after the dates and nature of suit.
const sheetTitleLines = 8

// docketSheetTitle reads the case's title from a PACER docket sheet, where the party
// listing below (with addresses and counsel) is no caption. CourtListener's case_name
// is the title PACER prints under the sheet's header, harmonised but not shortened
// ("(PC) Mitchell v. Rennick et al" → "(PC) Mitchell v. Rennick", "Case title: In the
// Matter of …"); a bankruptcy petition's sheet, which prints none, names the case by
// its first debtor, as juriscraper's docket parser does. ok says the page is a sheet.
func docketSheetTitle(lines []string) (name string, ok bool) {
	for i, l := range lines {
		if !docketHeader.MatchString(l) {
			continue
		}
		for j := i + 1; j < min(len(lines), i+1+sheetTitleLines); j++ {
			t := lines[j]
			if roleLine.MatchString(t) || debtorLine.MatchString(t) {
				break // the party listing begins
			}
			if m := caseTitleLine.FindStringSubmatch(t); m != nil {
				return sheetName(m[1]), true
			}
			if _, _, vs := cutVersus(t); vs || inReLine.MatchString(t) {
				// A long title wraps onto one more line, which holds no label.
				if k := j + 1; k < len(lines) && lines[k] != "" && !strings.Contains(lines[k], ":") && !roleLine.MatchString(lines[k]) && upperShare(lines[k]) >= upperShare(t) {
					t += " " + lines[k]
				}
				return sheetName(t), true
			}
		}
		if bankruptcyHeader.MatchString(l) {
			for j := i + 1; j+1 < len(lines); j++ {
				if debtorLine.MatchString(lines[j]) {
					return sheetName(lines[j+1]), true
				}
			}
		}
		return "", true
	}
	return "", false
}

// sheetName spells a docket sheet's title as CourtListener keeps it, re-cased when
// PACER holds it in capitals.
func sheetName(s string) string {
	s = filing.HarmonizeCaseName(s)
	if upperShare(s) > 0.7 {
		s = titleCase(s)
	}
	return s
}

// inRePrefix writes the head of a name without an adverse party as CourtListener keeps
// it: "In re", "In the Matter of" or "Ex parte", whatever the caption's case.
func inRePrefix(head string) string {
	switch strings.ToLower(strings.Join(strings.Fields(head), " ")) {
	case "in the matter of":
		return "In the Matter of"
	case "ex parte":
		return "Ex parte"
	}
	return "In re"
}

var (
	// titleLine is a line that is nothing but a case name in mixed case, each side a few
	// capitalised words (a sentence that cites a case goes on, or ends in a comma).
	titleLine = regexp.MustCompile(`^((?:\(\w+\)\s+)?[A-Z][^\s,;:]*(?:,?\s+[^\s,;:]+){0,7}?)(?:,?\s+et\s+al\.?)?\s+(?:v\.?|vs\.?)\s+([A-Z][^\s,;:]*(?:,?\s+[^\s,;:]+){0,9}?)(?:,?\s+et\s+al\.?)?$`)
	// fieldLine is a labelled field of a form or docket sheet ("Assigned to: …"): no part
	// of a party's name.
	fieldLine = regexp.MustCompile(`^[A-Z][a-z]+(?:\s+[A-Za-z]+){0,3}:\s+\S`)
	// numberInName starts the case number that a caption line runs into after the name
	// ("IN RE: Bard IVC Filters Products No. MDL 15-02641-PHX-DGC").
	numberInName = regexp.MustCompile(`(?i)\s+(?:case\s+|civil\s+action\s+)?nos?\.\s|\s+\d{1,2}:\d{2}-`)
	// numberLead is a case number before a name ("Case No. 17-3994, Island Creek …").
	numberLead = regexp.MustCompile(`(?i)^(?:case\s+)?nos?\.?\s*[\w:-]+,?\s*`)
)

// labelledValue returns the value of a "Label:" line of a notice, on the same line or the
// next.
func labelledValue(lines []string, label string) string {
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, label)
		if !ok {
			continue
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			return rest
		}
		if i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

var versusInline = regexp.MustCompile(`(?i)\s(?:v\.?|vs\.?)\s`)

func cutVersus(s string) (before, after string, ok bool) {
	if strings.HasSuffix(strings.ToLower(s), " v.") {
		return strings.TrimSuffix(strings.TrimSuffix(s, "."), " v"), "", true
	}
	loc := versusInline.FindStringIndex(s)
	if loc == nil {
		return "", "", false
	}
	return s[:loc[0]], s[loc[1]:], true
}

// partyAbove gathers the first party upward from line i: role and address lines
// ("Plaintiff,", "12 Harbor Street") are skipped, and the name ends at a blank line, the
// court, or a case number.
func partyAbove(left []string, i int) string {
	var got []string
	for ; i >= 0; i-- {
		l := left[i]
		switch {
		case l == "":
			if len(got) > 0 {
				return strings.Join(got, " ")
			}
		case roleLine.MatchString(l), addressLine.MatchString(l):
			if len(got) > 0 {
				return strings.Join(got, " ")
			}
		case boundary(l):
			return strings.Join(got, " ")
		default:
			got = append([]string{l}, got...)
			if len(got) == 4 {
				return strings.Join(got, " ")
			}
		}
	}
	return strings.Join(got, " ")
}

// partyBelow gathers the party that starts at line i, to its role or address line or a
// blank line.
func partyBelow(left []string, i int) []string {
	var got []string
	for ; i < len(left) && len(got) < 4; i++ {
		l := left[i]
		switch {
		case l == "":
			if len(got) > 0 {
				return got
			}
		case roleLine.MatchString(l), addressLine.MatchString(l), boundary(l), isTitleLine(l):
			return got
		default:
			got = append(got, l)
		}
	}
	return got
}

var boundaryLine = regexp.MustCompile(`(?i)^(?:(?:case|civil|criminal|docket|adv)\b.*\bno\b|no\.|nos\.|\(|\[|on\s+(?:appeal|petition|review)|appeal\s+from|petition\s+for|before\b)`)

// isTitleLine says whether l is a title in capitals ("ORDER", "O R D E R") rather than the
// next line of a party's name.
func isTitleLine(l string) bool {
	return upperShare(l) > 0.8 && Classify(collapseSpaced(l)) != filing.TypeOther && len(strings.Fields(l)) <= 12
}

// addressLine is a line of a postal address (a street, a suite, a box, a city with its
// state and ZIP code): counsel's or a party's address in a listing, no part of a name.
var addressLine = regexp.MustCompile(`(?i)^\d{1,6}\s+(?:[nsew]\.?\s+)?[a-z][\w.']*(?:\s+[\w.']+){0,4}\s+(?:ave(?:nue)?|st(?:reet)?|r(?:oa)?d|blvd|boulevard|dr(?:ive)?|lane|ln|way|place|plaza|pkwy|parkway|hwy|highway|square|terrace)\b|\bsuite\s+\d|\bp\.?\s?o\.?\s+box\b|,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?$`)

func boundary(l string) bool {
	return boundaryLine.MatchString(l) || fieldLine.MatchString(l) || courtWord.MatchString(l) && strings.Contains(strings.ToLower(l), "court")
}

// caseName joins two parties the way CourtListener spells case names.
func caseName(a, b string) string {
	a, b = trailingRole.ReplaceAllString(a, ""), trailingRole.ReplaceAllString(b, "")
	a, b = shortParty(a, true), shortParty(b, true)
	if a == "" || b == "" {
		return ""
	}
	if sovereign.MatchString(a) {
		b = prosecuted(b)
	}
	return filing.HarmonizeCaseName(a + " v. " + b)
}
