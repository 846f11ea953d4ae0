package entity

import (
	"regexp"
	"sort"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The ECF header stamp ("Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of
// 2", "Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15") repeats on
// every page; it is metadata, not a mention, so a stamp left in the text is masked.
var stampRE = regexp.MustCompile(`(?m)^[ \t]*(?:Appellate )?Case:?[ \t]+[0-9][^\n]*?(?:Document|DktEntry|Page:?[ \t]*\d)[^\n]*$`)

func stampRanges(text string) [][2]int {
	var out [][2]int
	for _, m := range stampRE.FindAllStringIndex(text, -1) {
		line := text[m[0]:m[1]]
		if strings.Contains(line, "Filed") || strings.Contains(line, "Page") {
			out = append(out, [2]int{m[0], m[1]})
		}
	}
	return out
}

const (
	month = `(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)`
	ws    = `[ \t]*\n?[ \t]*`
)

var (
	// Docket numbers: district "3:20-cv-08570-JD", with office and judge initials
	// optional; "17-cv-6761"; the hyphenated form "2-15-cv-00180"; MDL numbers.
	docketDistrictRE = regexp.MustCompile(`\b(?:MDL[ \t]+)?(?:\d{1,2}:)?\d{2}-(?:[a-z]{2,4}|[A-Z]{2,3})-\d{3,6}(?:-[A-Z]{2,4})*\b|\b\d{1,2}-\d{2}-[a-z]{2}-\d{3,6}\b|\bMDL[ \t]+\d{2}-\d{4,6}(?:-[A-Z]{2,4})*\b|\b\d:\d{2}-\d{1,6}\b`)
	// Appellate, bankruptcy and state numbers ("17-3510", "21-12345", "2019-06-0263",
	// "363A14-4") are plain digit groups that phone numbers and ZIP codes also look like,
	// so they count only after a docket cue, or at the start of an RSS title line.
	docketCueRE  = regexp.MustCompile(`(?i)(?:\bNos?\.|\bNumber:?|#:|\bdocketed(?: today)? (?:as|at)(?:\s+number|\s+No\.)?|\bCAPTION FOR|\bCase:)[ \t]*(?::[ \t]*)?`)
	docketBareRE = regexp.MustCompile(`^(?:\d{1,2}:)?\d{2,5}[-–]\d{1,6}(?:[-–]\d{1,5})?(?:-[A-Z]{2,4})*\b|^\d{2,4}[A-Z]\d{2,3}-\d{1,3}\b|^MDL[ \t]+\d{2}-\d{4,6}(?:-[A-Z]{2,4})*`)
	docketListRE = regexp.MustCompile(`^(?:,|,? and|,? &)?\s*`)
	phoneRE      = regexp.MustCompile(`^\d{3}-\d{3}-\d{4}`)
	titleLineRE  = regexp.MustCompile(`(?m)^\d{2}-\d{3,6}\b`)

	moneyRE = regexp.MustCompile(`\$[ \t]?\d{1,3}(?:,\d{3})*(?:\.\d+)?(?:[ \t]+(?:million|billion|thousand|trillion))?\b|\$[ \t]?\d+(?:\.\d+)?(?:[ \t]+(?:million|billion|thousand))?\b`)

	dateRE = regexp.MustCompile(`\b` + month + `(?:` + ws + `\d{1,2}(?:st|nd|rd|th)?(?:,` + ws + `\d{4})?|` + ws + `of` + ws + `\d{4}|` + ws + `\d{4})\b|\b\d{1,2}` + ws + `(?:January|February|March|April|May|June|July|August|September|October|November|December)` + ws + `\d{4}\b|\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b`)

	exhibitRE = regexp.MustCompile(`\b(?:Exhibits?|EXHIBITS?|Exs?\.|Ex\.)[ \t]+(?:No\.[ \t]*)?(?:\d{1,4}[A-Z]?|[A-Z]{1,2}\b)(?:[-–](?:\d{1,4}|[A-Z]{1,2}\b))?`)

	// Statutes and rules.
	statuteParts = []string{
		`\b\d+[ \t]+U\.[ \t]?S\.[ \t]?C\.(?:[ \t]?A\.)?[ \t]*(?:§§?|[Ss]ec(?:tion|s?\.))?[ \t]*\d+[\w.\-]*(?:\([\w]+\))*`,
		`\b\d+[ \t]+C\.[ \t]?F\.[ \t]?R\.[ \t]*(?:§§?|[Pp]art)?[ \t]*\d+[\w.\-]*(?:\([\w]+\))*`,
		`\bFed\.[ \t]?R\.[ \t]?(?:Civ|App|Crim|Evid|Bankr)\.[ \t]?P?\.?[ \t]?\d+(?:\.\d+)?(?:\([\w]+\))*`,
		`\bFed\.[ \t]?R\.[ \t]?(?:Civ|App|Crim|Evid|Bankr)\.[ \t]?P\b`,
		`\bFed\.[ \t]?R\.[ \t]?Evid\.[ \t]?\d+(?:\([\w]+\))*`,
		`\bF(?:RAP|RCP|RCrP|RE)\b(?:[ \t]+\d+(?:\.\d+)?(?:\([\w]+\))*(?:(?:,|,?` + ws + `(?:or|and))` + ws + `\d+(?:\([\w]+\))*)*)?`,
		`\bFederal` + ws + `Rules?` + ws + `of` + ws + `(?:[A-Z][a-z]+` + ws + `(?:and` + ws + `[A-Z][a-z]+` + ws + `)?)?(?:Procedure|Evidence)(?:` + ws + `\d+(?:\([\w]+\))*)?`,
		`\b(?:(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Federal|D\.C\.|\d{1,2}(?:st|nd|rd|th|d))` + ws + `(?:Circuit|Cir\.)` + ws + `)(?:Local` + ws + `)?(?:Rules?(?:` + ws + `\d+(?:\.\d+)*(?:\([\w]+\))*)?|L\.?A\.?R\.?(?:` + ws + `Misc\.)?` + ws + `\d+(?:\.\d+)*)`,
		`\b(?:Local` + ws + `)?Rules?[ \t]+\d+(?:\.\d+)*(?:\([\w]+\))*`,
		`\b[A-Z][A-Za-z.]*(?:[ \t]+[A-Z][A-Za-z.]*)*[ \t]*§§?[ \t]*\d[\w.\-]*(?:\([\w]+\))*`,
		`\b[Ss]ec(?:tions?|s?\.)[ \t]+\d+[A-Za-z]?(?:\([\w]+\))*`,
		`\bU\.[ \t]?S\.[ \t]?Const\.(?:` + ws + `(?:art|amend)\.` + ws + `[IVXLC]+(?:,` + ws + `§[ \t]*\d+)?)?`,
		`\b(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Twelfth|Thirteenth|Fourteenth|Fifteenth|Nineteenth|Twenty-[A-Z][a-z]+)` + ws + `Amendment\b`,
		`\b(?:[A-Z][A-Za-z’'\-]+` + ws + `){1,6}Act\b`,
	}
	// statuteTriggers gives, for each part above, words one of which a match must
	// contain: a part runs only on pages that have one, which keeps the stage fast.
	statuteTriggers = [][]string{{"U.S.C", "U. S. C"}, {"C.F.R", "C. F. R"}, {"Fed."}, {"Fed."}, {"Evid."}, {"FR"},
		{"Federal", "FEDERAL"}, {"Circuit", "Cir."}, {"Rule"}, {"§"}, {"Sec", "sec"}, {"Const."}, {"Amendment"}, {"Act"}}
	statuteREs = func() []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(statuteParts))
		for i, p := range statuteParts {
			out[i] = regexp.MustCompile(p)
		}
		return out
	}()
)

// patternSpans finds the legal types that have a fixed shape.
func patternSpans(text string) []span {
	var out []span
	add := func(t filing.EntityType, locs [][]int) {
		for _, m := range locs {
			out = append(out, span{typ: t, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	add(filing.DocketNumber, docketDistrictRE.FindAllStringIndex(text, -1))
	add(filing.Money, moneyRE.FindAllStringIndex(text, -1))
	add(filing.Date, dateRE.FindAllStringIndex(text, -1))
	add(filing.ExhibitRef, exhibitRE.FindAllStringIndex(text, -1))
	for i, re := range statuteREs {
		if !containsAny(text, statuteTriggers[i]) {
			continue
		}
		for _, m := range re.FindAllStringIndex(text, -1) {
			s := text[m[0]:m[1]]
			if strings.HasSuffix(s, "Act") && !actLooksNamed(s) {
				continue
			}
			out = append(out, span{typ: filing.Statute, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	// Cued docket numbers, and lists after a cue ("Nos. 19031-13, 27735-13").
	for _, c := range docketCueRE.FindAllStringIndex(text, -1) {
		pos := c[1]
		for n := 0; n < 8; n++ {
			m := docketBareRE.FindStringIndex(text[pos:])
			if m == nil || phoneRE.MatchString(text[pos+m[0]:]) {
				break
			}
			out = append(out, span{typ: filing.DocketNumber, start: pos + m[0], end: pos + m[1], prio: prioPattern})
			pos += m[1]
			sep := docketListRE.FindStringIndex(text[pos:])
			// Only a list separator may continue the list; a bare newline after a
			// comma does ("Nos. 19031-13, 27735-13, Filed …\n11905-14" does not).
			if sep == nil || sep[1] == 0 || !strings.ContainsAny(text[pos:pos+sep[1]], ",&") && !strings.Contains(text[pos:pos+sep[1]], "and") {
				break
			}
			pos += sep[1]
		}
	}
	for _, m := range titleLineRE.FindAllStringIndex(text, -1) {
		out = append(out, span{typ: filing.DocketNumber, start: m[0], end: m[1], prio: prioPattern})
	}
	return out
}

func containsAny(text string, subs []string) bool {
	for _, s := range subs {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// actLooksNamed rejects "The Act" and sentence fragments: a named act has at least two
// capitalised words before "Act".
func actLooksNamed(s string) bool {
	f := strings.Fields(s)
	if len(f) < 3 {
		return false
	}
	switch f[0] {
	case "The", "This", "That", "Such", "Under", "See", "In":
		return len(f) >= 4
	}
	return true
}

const ordinalCircuit = `(?:First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth|Eleventh|Federal|D\.C\.|District of Columbia|\d{1,2}(?:st|nd|rd|th))`

var courtRE = regexp.MustCompile(`(?i:` + strings.Join([]string{
	`(?:united` + ws + `states` + ws + `|u\.s\.` + ws + `)?court` + ws + `of` + ws + `appeals?(?:` + ws + `for` + ws + `the` + ws + `(?:` + ordinalCircuit + `)` + ws + `circuit)?`,
	`(?:united` + ws + `states` + ws + `|u\.s\.` + ws + `)?(?:district|bankruptcy)` + ws + `court(?:` + ws + `(?:for|of)` + ws + `the` + ws + `(?:(?:northern|southern|eastern|western|middle|central)` + ws + `)?district` + ws + `of` + ws + `[a-z]+(?:` + ws + `(?:york|jersey|carolina|dakota|virginia|hampshire|mexico|island|of` + ws + `columbia))?)?`,
	`(?:for` + ws + `)?the` + ws + `(?:(?:northern|southern|eastern|western|middle|central)` + ws + `)?district` + ws + `of` + ws + `[a-z]+(?:` + ws + `(?:york|jersey|carolina|dakota|virginia|hampshire|mexico|island))?`,
	`(?:united` + ws + `states` + ws + `)?(?:supreme` + ws + `court|tax` + ws + `court|court` + ws + `of` + ws + `federal` + ws + `claims)(?:` + ws + `of` + ws + `(?:the` + ws + `united` + ws + `states|[a-z]+(?:` + ws + `(?:carolina|dakota|york|jersey|virginia|hampshire|mexico|island))?))?`,
	`superior` + ws + `court(?:,` + ws + `[a-z]+` + ws + `county)?`,
	`(?:united` + ws + `states` + ws + `)?judicial` + ws + `panel` + ws + `(?:on|for)` + ws + `multidistrict` + ws + `litigation`,
	`court` + ws + `of` + ws + `(?:[a-z’']+` + ws + `){1,3}claims`,
	`(?:[a-z’']+` + ws + `){0,3}appeals` + ws + `board`,
	`bankruptcy` + ws + `appellate` + ws + `panel`,
}, "|") + `)|\b` + ordinalCircuit + `\s+Circuit\b|\b` + ordinalCircuit + `[ \t]+CIRCUIT\b|\b[SNEWMC]\.[ \t]?D\.[ \t]?(?:N\.[ \t]?Y\.|Cal\.|[A-Z][a-z]+\.?)|\b[SENW]DNY\b|\bD\.[ \t]?D\.[ \t]?C\.|\b(?:Ala|Ariz|Ark|Cal|Colo|Conn|Del|Fla|Ga|Ill|Ind|Iowa|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|N\.[HJMY]|N\.[CD]|Ohio|Okla|Or|Pa|S\.[CD]|Tenn|Tex|Utah|Va|W\.[ \t]?Va|Wash|Wis|Wyo)\.[ \t]+[NSEWMC]\.D\.`)

// courtTriggers are words every court name contains; the court expression runs only
// in a window around them, because one case-insensitive alternation over a whole page
// is the slowest part of the stage.
var courtTriggers = []string{"ourt", "OURT", "ircuit", "IRCUIT", "istrict", "ISTRICT", "oard", "OARD", "anel", "ANEL", "D.", "DNY"}

func courtMatches(text string) [][]int {
	var wins [][2]int
	for _, t := range courtTriggers {
		for from := 0; ; {
			k := strings.Index(text[from:], t)
			if k < 0 {
				break
			}
			at := from + k
			wins = append(wins, [2]int{max(0, at-90), min(len(text), at+110)})
			from = at + len(t)
		}
	}
	if len(wins) == 0 {
		return nil
	}
	sort.Slice(wins, func(i, j int) bool { return wins[i][0] < wins[j][0] })
	merged := [][2]int{wins[0]}
	for _, w := range wins[1:] {
		if l := &merged[len(merged)-1]; w[0] <= l[1] {
			l[1] = max(l[1], w[1])
		} else {
			merged = append(merged, w)
		}
	}
	var out [][]int
	for _, w := range merged {
		// Start the window at a line or word start so that \b and case tests hold.
		s := w[0]
		for s > 0 && text[s-1] != '\n' && text[s-1] != ' ' && w[0]-s < 40 {
			s--
		}
		for _, m := range courtRE.FindAllStringIndex(text[s:w[1]], -1) {
			out = append(out, []int{s + m[0], s + m[1]})
		}
	}
	return out
}

// courtCodeRE finds PACER court codes before a docket number ("ALN 1:10-259").
var courtCodeRE = regexp.MustCompile(`\b[A-Z]{2}[NSEWMC][ \t]+\d:\d{2}-`)

// courtSpans finds court names. A match must start with a capital letter: "the district
// court" in running text is a generic reference, "District Court" a name.
func courtSpans(text string) []span {
	var out []span
	for _, m := range courtMatches(text) {
		s := text[m[0]:m[1]]
		if s[0] < 'A' || s[0] > 'Z' {
			// "for the Eastern District of …" after a court name is part of it; alone
			// and lower-case it is not a name.
			continue
		}
		if isCourtWordOnly(s) {
			continue
		}
		out = append(out, span{typ: filing.CourtName, start: m[0], end: m[1], prio: prioCourt})
	}
	for _, m := range courtCodeRE.FindAllStringIndex(text, -1) {
		out = append(out, span{typ: filing.CourtName, start: m[0], end: m[0] + 3, prio: prioCourt})
	}
	return mergeAdjacentCourts(text, out)
}

// isCourtWordOnly rejects matches that are only a generic word ("Court of Appeal" alone
// is kept; "Appeals Board" preceded by nothing capitalised is kept; "District of"
// sequences inside other names are handled by overlap).
func isCourtWordOnly(s string) bool {
	l := strings.ToLower(s)
	return l == "the" || l == ""
}

// mergeAdjacentCourts joins "UNITED STATES COURT OF APPEALS" and "FOR THE SIXTH CIRCUIT"
// on the next line into one mention.
func mergeAdjacentCourts(text string, ss []span) []span {
	if len(ss) < 2 {
		return ss
	}
	out := []span{ss[0]}
	for _, s := range ss[1:] {
		last := &out[len(out)-1]
		gap := text[last.end:s.start]
		if strings.TrimSpace(gap) == "" && strings.Count(gap, "\n") <= 1 && s.start > last.end {
			t := strings.ToLower(text[s.start:s.end])
			if strings.HasPrefix(t, "for ") || strings.HasPrefix(t, "the ") {
				last.end = s.end
				continue
			}
		}
		out = append(out, s)
	}
	return out
}
