package entity

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The ECF header stamp ("Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of
// 2", "Case: 20-16276, 08/05/2020, ID: 11778722, DktEntry: 19, Page 1 of 15") repeats on
// every page; it is metadata, not a mention, so a stamp left in the text is masked.
var stampRE = lazy(`(?m)^[ \t]*(?:Appellate )?Case:?[ \t]+[0-9][^\n]*?(?:Document|DktEntry|Page:?[ \t]*\d)[^\n]*$`)

func stampRanges(text string) [][2]int {
	var out [][2]int
	last := -1
	// A stamp line contains "Case"; only the lines that do are tried.
	for from := 0; ; {
		k := strings.Index(text[from:], "Case")
		if k < 0 {
			break
		}
		at := from + k
		from = at + 4
		ls := strings.LastIndexByte(text[:at], '\n') + 1
		if ls == last {
			continue
		}
		last = ls
		le := len(text)
		if n := strings.IndexByte(text[at:], '\n'); n >= 0 {
			le = at + n
		}
		// The line alone is the window: (?m)^ and $ hold at its edges as on the page.
		m := stampRE.FindStringIndex(text[ls:le])
		if m == nil {
			continue
		}
		if line := text[ls+m[0] : ls+m[1]]; strings.Contains(line, "Filed") || strings.Contains(line, "Page") {
			out = append(out, [2]int{ls + m[0], ls + m[1]})
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
	docketDistrictRE = lazy(`\b(?:MDL[ \t]+)?(?:\d{1,2}:)?\d{2}-(?:[a-z]{2,4}|[A-Z]{2,3})-\d{3,6}(?:-[A-Z]{2,4})*\b|\b\d{1,2}-\d{2}-[a-z]{2}-\d{3,6}\b|\bMDL[ \t]+\d{2}-\d{4,6}(?:-[A-Z]{2,4})*\b|\b\d:\d{2}-\d{1,6}\b`)
	// Appellate, bankruptcy and state numbers ("17-3510", "21-12345", "2019-06-0263",
	// "363A14-4") are plain digit groups that phone numbers and ZIP codes also look like,
	// so they count only after a docket cue, or at the start of an RSS title line.
	docketCueRE  = lazy(`(?i)(?:\bNos?\.|\bNumber:?|#:|\bdocketed(?: today)? (?:as|at)(?:\s+number|\s+No\.)?|\bCAPTION FOR|\bCase:)[ \t]*(?::[ \t]*)?`)
	docketBareRE = lazy(`^(?:\d{1,2}:)?\d{2,5}[-–]\d{1,6}(?:[-–]\d{1,5})?(?:-[A-Z]{2,4})*\b|^\d{2,4}[A-Z]\d{2,3}-\d{1,3}\b|^MDL[ \t]+\d{2}-\d{4,6}(?:-[A-Z]{2,4})*`)
	docketListRE = lazy(`^(?:,|,? and|,? &)?\s*`)
	phoneRE      = lazy(`^\d{3}-\d{3}-\d{4}`)

	moneyRE = lazy(`\$[ \t]?\d{1,3}(?:,\d{3})*(?:\.\d+)?(?:[ \t]+(?:million|billion|thousand|trillion))?\b|\$[ \t]?\d+(?:\.\d+)?(?:[ \t]+(?:million|billion|thousand))?\b`)

	dateRE = lazy(`\b` + month + `(?:` + ws + `\d{1,2}(?:st|nd|rd|th)?(?:,` + ws + `\d{4})?|` + ws + `of` + ws + `\d{4}|` + ws + `\d{4})\b|\b\d{1,2}` + ws + `(?:January|February|March|April|May|June|July|August|September|October|November|December)` + ws + `\d{4}\b|\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b`)

	exhibitRE = lazy(`\b(?:Exhibits?|EXHIBITS?|Exs?\.|Ex\.)[ \t]+(?:No\.[ \t]*)?(?:\d{1,4}[A-Z]?|[A-Z]{1,2}\b)(?:[-–](?:\d{1,4}|[A-Z]{1,2}\b))?`)

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
	// statuteRules are statuteParts as rules: the words each part's matches contain, and
	// how far a match reaches around them.
	statuteRules = []*rule{
		{keys: []string{"U.S.C", "U. S. C"}, back: 16, fwd: 48},
		{keys: []string{"C.F.R", "C. F. R"}, back: 16, fwd: 48},
		{keys: []string{"Fed."}, startWord: true, fwd: 48},
		{keys: []string{"Fed."}, startWord: true, fwd: 48},
		{keys: []string{"Fed."}, startWord: true, fwd: 48},
		{keys: []string{"FRAP", "FRCP", "FRCrP", "FRE"}, startWord: true, fwd: 96},
		{keys: []string{"Federal"}, startWord: true, fwd: 112},
		{keys: []string{"Circuit", "Cir."}, back: 48, fwd: 64},
		{keys: []string{"Rule"}, back: 16, fwd: 48},
		// The words before "§" stay on its line; a line is rarely longer than this.
		{keys: []string{"§"}, back: 240, fwd: 48, can: capsBefore("§", -1)},
		{keys: []string{"Sec", "sec"}, startWord: true, fwd: 40},
		{keys: []string{"Const."}, back: 16, fwd: 48},
		{keys: []string{"Amendment"}, endWord: true, back: 48},
		// Up to six capitalised words before "Act".
		{keys: []string{"Act"}, endWord: true, back: 240, can: capsBefore("Act", 6)},
	}
)

func init() {
	for i, p := range statuteParts {
		statuteRules[i].re = lazy(p)
	}
}

var (
	docketRule = &rule{re: docketDistrictRE, digitBefore: "-:", back: 20, fwd: 40}
	moneyRule  = &rule{re: moneyRE, keys: []string{"$"}, fwd: 40}
	dateRule   = &rule{re: dateRE, keys: []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}, startWord: true, digitBefore: "/", back: 16, fwd: 48,
		can: monthThenNumber}
	exhibitRule = &rule{re: exhibitRE, keys: []string{"Exhibit", "EXHIBIT", "Ex.", "Exs."}, startWord: true, fwd: 40}
	cueRule     = &rule{re: docketCueRE, keys: []string{"no.", "nos.", "number", "#:", "docketed", "caption for", "case:"}, fold: true, fwd: 48}
	// "ALN 1:10-": the court code, blanks, then one digit before the colon.
	courtCodeRule = &rule{re: courtCodeRE, digitBefore: ":", back: 12, fwd: 4,
		accept: func(text string, at int) bool { return at >= 2 && (text[at-2] == ' ' || text[at-2] == '\t') }}
)

// capsBefore returns a check that a run of capitalised words from p reaches key: at most
// max words (any number when max < 0), each a capital then letters, dots, apostrophes
// or hyphens, apart by blanks ("Cal. Bus. & Prof. Code §" stops at "&": only "Prof." on
// can start that match).
func capsBefore(key string, max int) func(text string, p int) bool {
	return func(text string, p int) bool {
		for n := 0; max < 0 || n < max; n++ {
			if p >= len(text) || !isUpper(text[p]) {
				return false
			}
			for p < len(text) && (isASCIILetter(text[p]) || text[p] == '.' || text[p] == '\'' || text[p] == '-' ||
				strings.HasPrefix(text[p:], "’")) {
				if text[p] >= utf8.RuneSelf {
					p += len("’")
				} else {
					p++
				}
			}
			for nl := false; p < len(text) && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' && !nl); p++ {
				nl = nl || text[p] == '\n'
			}
			if strings.HasPrefix(text[p:], key) {
				return true
			}
		}
		return false
	}
}

// monthThenNumber says whether a date can start at p: a number, or a month name
// followed, across blanks, by a number or "of" ("May 5", "March of 2020"; not the verb
// "May" or "March Madness").
func monthThenNumber(text string, p int) bool {
	if !isASCIILetter(text[p]) {
		return true
	}
	k := p
	for k < len(text) && (isASCIILetter(text[k]) || text[k] == '.') {
		k++
	}
	for nl := false; k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' && !nl); k++ {
		nl = nl || text[k] == '\n'
	}
	return k < len(text) && (isDigit(text[k]) || text[k] == 'o')
}

// pageHits are a page's rule triggers.
type pageHits [][]hit

func (h pageHits) of(r *rule) []hit { return h[r.id] }

// patternSpans finds the legal types that have a fixed shape.
func patternSpans(text string, h pageHits) []span {
	var out []span
	add := func(t filing.EntityType, r *rule) {
		for _, m := range r.find(text, h.of(r)) {
			out = append(out, span{typ: t, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	add(filing.DocketNumber, docketRule)
	add(filing.Money, moneyRule)
	add(filing.Date, dateRule)
	add(filing.ExhibitRef, exhibitRule)
	for _, r := range statuteRules {
		for _, m := range r.find(text, h.of(r)) {
			s := text[m[0]:m[1]]
			if strings.HasSuffix(s, "Act") && !actLooksNamed(s) {
				continue
			}
			out = append(out, span{typ: filing.Statute, start: m[0], end: m[1], prio: prioPattern})
		}
	}
	// Cued docket numbers, and lists after a cue ("Nos. 19031-13, 27735-13").
	for _, c := range cueRule.find(text, h.of(cueRule)) {
		pos := c[1]
		for n := 0; n < 8; n++ {
			m := docketBareRE.FindStringIndex(ahead(text, pos, 40))
			if m == nil || phoneRE.MatchString(ahead(text, pos+m[0], 16)) {
				break
			}
			out = append(out, span{typ: filing.DocketNumber, start: pos + m[0], end: pos + m[1], prio: prioPattern})
			pos += m[1]
			sep := docketListRE.FindStringIndex(ahead(text, pos, 16))
			// Only a list separator may continue the list; a bare newline after a
			// comma does ("Nos. 19031-13, 27735-13, Filed …\n11905-14" does not).
			if sep == nil || sep[1] == 0 || !strings.ContainsAny(text[pos:pos+sep[1]], ",&") && !strings.Contains(text[pos:pos+sep[1]], "and") {
				break
			}
			pos += sep[1]
		}
	}
	for _, m := range titleLines(text) {
		out = append(out, span{typ: filing.DocketNumber, start: m[0], end: m[1], prio: prioPattern})
	}
	return out
}

// titleLines finds a docket number that opens a line (an RSS item title: "17-3510 In
// re …"): `(?m)^\d{2}-\d{3,6}\b`, written out because it runs at every line start.
func titleLines(text string) [][2]int {
	var out [][2]int
	for ls := 0; ls < len(text); {
		if ls+5 < len(text) && isDigit(text[ls]) && isDigit(text[ls+1]) && text[ls+2] == '-' {
			e := ls + 3
			for e < len(text) && isDigit(text[e]) {
				e++
			}
			if n := e - ls - 3; n >= 3 && n <= 6 && (e == len(text) || !isWordByte(text[e])) {
				out = append(out, [2]int{ls, e})
			}
		}
		k := strings.IndexByte(text[ls:], '\n')
		if k < 0 {
			break
		}
		ls += k + 1
	}
	return out
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// ahead is the text from pos for an anchored expression: at least n bytes, ended where a
// word ends before white space, so that neither a word (\b) nor a run of blanks that an
// expression may skip ("21      Mass.      1" in -layout text) is cut. Anchored
// expressions get a bounded input because Go's backtracker clears a bitmap the size of
// its input on every call.
func ahead(text string, pos, n int) string {
	e := min(len(text), pos+n)
	for k := 0; e < len(text) && e > pos && k < maxStretch; k++ {
		if isSpaceByte(text[e]) && !isSpaceByte(text[e-1]) {
			break
		}
		e++
	}
	for e < len(text) && !utf8.RuneStart(text[e]) {
		e++
	}
	return text[pos:e]
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

// courtNameParts are the court names, matched without regard to case ("UNITED STATES
// COURT OF APPEALS", "United States District Court for the …"); courtAbbrevParts the
// case-sensitive forms. On a whole page they would be one alternation, tried in this
// order; each is a rule of its own instead (courtRules), because the alternation is too
// large for Go's backtracker and ran at 1 MB/s.
var (
	courtNameParts = []string{
		`(?:united` + ws + `states` + ws + `|u\.s\.` + ws + `)?court` + ws + `of` + ws + `appeals?(?:` + ws + `for` + ws + `the` + ws + `(?:` + ordinalCircuit + `)` + ws + `circuit)?`,
		`(?:united` + ws + `states` + ws + `|u\.s\.` + ws + `)?(?:district|bankruptcy)` + ws + `court(?:` + ws + `(?:for|of)` + ws + `the` + ws + `(?:(?:northern|southern|eastern|western|middle|central)` + ws + `)?district` + ws + `of` + ws + `[a-z]+(?:` + ws + `(?:york|jersey|carolina|dakota|virginia|hampshire|mexico|island|of` + ws + `columbia))?)?`,
		`(?:for` + ws + `)?the` + ws + `(?:(?:northern|southern|eastern|western|middle|central)` + ws + `)?district` + ws + `of` + ws + `[a-z]+(?:` + ws + `(?:york|jersey|carolina|dakota|virginia|hampshire|mexico|island))?`,
		`(?:united` + ws + `states` + ws + `)?(?:supreme` + ws + `court|tax` + ws + `court|court` + ws + `of` + ws + `federal` + ws + `claims)(?:` + ws + `of` + ws + `(?:the` + ws + `united` + ws + `states|[a-z]+(?:` + ws + `(?:carolina|dakota|york|jersey|virginia|hampshire|mexico|island))?))?`,
		`superior` + ws + `court(?:,` + ws + `[a-z]+` + ws + `county)?`,
		`(?:united` + ws + `states` + ws + `)?judicial` + ws + `panel` + ws + `(?:on|for)` + ws + `multidistrict` + ws + `litigation`,
		`court` + ws + `of` + ws + `(?:[a-z’']+` + ws + `){1,3}claims`,
		// Up to three words on the line of "Appeals Board" or the line before, and a line
		// of one word above them ("TENNESSEE\nWORKERS' COMPENSATION\nAPPEALS BOARD"); a
		// longer line above is another name.
		`(?:(?m:^)[a-z’']+[ \t]*\n[ \t]*)?(?:[a-z’']+(?:[ \t]+[a-z’']+){0,2}` + ws + `)?appeals` + ws + `board`,
		`bankruptcy` + ws + `appellate` + ws + `panel`,
	}
	courtAbbrevParts = []string{
		`\b` + ordinalCircuit + `\s+Circuit\b`,
		`\b` + ordinalCircuit + `[ \t]+CIRCUIT\b`,
		`\b[SNEWMC]\.[ \t]?D\.[ \t]?(?:N\.[ \t]?Y\.|Cal\.|[A-Z][a-z]+\.?)`,
		`\b[SENW]DNY\b`,
		`\bD\.[ \t]?D\.[ \t]?C\.`,
		`\b(?:Ala|Ariz|Ark|Cal|Colo|Conn|Del|Fla|Ga|Ill|Ind|Iowa|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|N\.[HJMY]|N\.[CD]|Ohio|Okla|Or|Pa|S\.[CD]|Tenn|Tex|Utah|Va|W\.[ \t]?Va|Wash|Wis|Wyo)\.[ \t]+[NSEWMC]\.D\.`,
	}
	// courtRules are the parts above in order, each with the word its matches contain.
	courtRules = []*rule{
		{keys: []string{"appeal"}, fold: true, back: 64, fwd: 72},
		{keys: []string{"district", "bankruptcy"}, fold: true, back: 48, fwd: 120},
		{keys: []string{"district"}, fold: true, back: 48, fwd: 48},
		{keys: []string{"supreme", "tax", "federal"}, fold: true, back: 48, fwd: 64},
		{keys: []string{"superior"}, fold: true, fwd: 56},
		{keys: []string{"judicial"}, fold: true, back: 32, fwd: 64},
		{keys: []string{"claims"}, fold: true, back: 96},
		{keys: []string{"board"}, fold: true, back: 128},
		{keys: []string{"appellate"}, fold: true, back: 32, fwd: 32},
		{keys: []string{"Circuit"}, endWord: true, back: 48},
		{keys: []string{"CIRCUIT"}, endWord: true, back: 48},
		{keys: []string{"D."}, back: 4, fwd: 24},
		{keys: []string{"SDNY", "EDNY", "NDNY", "WDNY"}, endWord: true},
		{keys: []string{"D."}, back: 4, fwd: 12},
		{keys: []string{"D."}, back: 24},
	}
)

func init() {
	for i, p := range courtNameParts {
		courtRules[i].re = lazy(`(?i:\b` + p + `)`)
	}
	for i, p := range courtAbbrevParts {
		courtRules[len(courtNameParts)+i].re = lazy(p)
	}
}

// courtMatches finds court names as the one alternation of all parts would on the whole
// page: the leftmost match first and, of matches at one place, the earlier part's.
func courtMatches(text string, h pageHits) [][2]int {
	type m struct{ s, e, part int }
	var all []m
	for i, r := range courtRules {
		for _, x := range r.find(text, h.of(r)) {
			all = append(all, m{x[0], x[1], i})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s < all[j].s
		}
		return all[i].part < all[j].part
	})
	var out [][2]int
	end := -1
	for _, x := range all {
		if x.s < end || x.e == x.s {
			continue
		}
		out = append(out, [2]int{x.s, x.e})
		end = x.e
	}
	return out
}

// courtCodeRE finds PACER court codes before a docket number ("ALN 1:10-259").
var courtCodeRE = lazy(`\b[A-Z]{2}[NSEWMC][ \t]+\d:\d{2}-`)

// courtSpans finds court names. A match must start with a capital letter: "the district
// court" in running text is a generic reference, "District Court" a name.
func courtSpans(text string, h pageHits) []span {
	var out []span
	for _, m := range courtMatches(text, h) {
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
	for _, m := range courtCodeRule.find(text, h.of(courtCodeRule)) {
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
