package docmeta

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/docketwatch/docketwatch/services/extractor/entity"
)

var (
	parenthetical = regexp.MustCompile(`\s*[(\[][^)\]]*[)\]]`)
	footnoteMark  = regexp.MustCompile(`([A-Za-z.])\d{1,2}\b`)
	etAlAnywhere  = regexp.MustCompile(`(?i),?\s+et\.?\s+al\.?,?`)
	// What may follow a comma inside one party's name: "Power Boats, Inc.", "Nichols, Jr.",
	// the year of a date ("Executed on April 9, 2018").
	nameSuffix   = regexp.MustCompile(`(?i)^\s*(?:(?:19|20)\d\d|inc|llc|l\.l\.c|ltd|co|corp|n\.a|llp|l\.l\.p|lp|l\.p|p\.c|pllc|plc|s\.a|a\.g|gmbh|jr|sr|ii|iii|iv)\b\.?`)
	orgWord      = regexp.MustCompile(`(?i)\b(?:inc|llc|ltd|co|corp|corporation|company|bank|association|assn|trust|fund|group|partners|holdings|county|city|state|states|department|dept|commission|commissioner|board|agency|authority|district|university|school|church|chapel|union|society|council|office|service|services|systems?|insurance|america|national|international|federal|republic|government|committee|estate|litigation|products|foundation|center|hospital|limited|private|l\.?p|n\.a)\b\.?`)
	periodAbbrev = map[string]bool{"inc": true, "corp": true, "co": true, "ltd": true, "jr": true, "sr": true, "bros": true, "assn": true, "dept": true}
	initial      = regexp.MustCompile(`^[A-Za-z]\.?$`)
	smallWords   = map[string]bool{"a": true, "an": true, "and": true, "as": true, "at": true, "by": true, "for": true, "in": true,
		"of": true, "on": true, "or": true, "the": true, "to": true, "v.": true, "ex": true, "rel.": true, "de": true, "du": true}
	// Kept in capitals when a caption in capitals is re-cased.
	acronyms = map[string]bool{"LLC": true, "LLP": true, "LP": true, "PLLC": true, "PLC": true, "N.A.": true, "USA": true,
		"U.S.": true, "P.C.": true, "II": true, "III": true, "IV": true, "FBI": true, "IRS": true, "NFL": true, "FDIC": true, "SEC": true}
)

// shortParty cleans one party's name as court clerks enter it in PACER: what follows the
// first comma ("in her official capacity", "et al.") goes unless it is part of the name
// ("Inc."), a caption in capitals is re-cased, and with surname a person is named by
// surname ("JANET T. MILLS" → "Mills").
func shortParty(s string, surname bool) string {
	s = parenthetical.ReplaceAllString(s, "")
	s = etAlAnywhere.ReplaceAllString(s, "")
	s = footnoteMark.ReplaceAllString(s, "$1")
	s = strings.Join(strings.Fields(s), " ")
	s = cutAtComma(s)
	s = strings.Trim(s, " ,;:.-–—_")
	// The trim took the period of an abbreviation that ends the name ("Acme Co.").
	if words := strings.Fields(s); len(words) > 1 && periodAbbrev[strings.ToLower(words[len(words)-1])] {
		s += "."
	}
	if upperShare(s) > 0.7 {
		s = titleCase(s)
	}
	if surname {
		s = bySurname(s)
	}
	return s
}

func cutAtComma(s string) string {
	out := ""
	for {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return out + s
		}
		out += s[:i]
		if nameSuffix.MatchString(s[i+1:]) {
			m := nameSuffix.FindString(s[i+1:])
			out += "," + m
			s = s[i+1+len(m):]
			continue
		}
		return out
	}
}

// bySurname drops the first name, and middle names and initials after it, of a name that
// reads as a person's: two to four words, the first a common first name, no word of an
// organisation's name.
func bySurname(s string) string {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 || orgWord.MatchString(s) || !entity.IsFirstName(strings.Trim(words[0], ".,")) {
		return s
	}
	i := 1
	for i < len(words)-1 && (initial.MatchString(words[i]) || entity.IsFirstName(words[i])) {
		i++
	}
	rest := words[i:]
	// A suffix is not a surname: "Joseph Nichols, Jr." is Nichols.
	if len(rest) > 1 && nameSuffix.MatchString(rest[len(rest)-1]) {
		rest = rest[:len(rest)-1]
	}
	return strings.TrimRight(strings.Join(rest, " "), ",")
}

var (
	// sovereign is a party that prosecutes ("United States of America", "State of Ohio",
	// "The People of the State of California", "Commonwealth of Virginia").
	sovereign = regexp.MustCompile(`(?i)^(?:the\s+)?(?:united\s+states|usa|u\.s\.a?\.?|people|state|commonwealth)\b`)
	// personWord is a word of a person's name: letters, with a hyphen, apostrophe or the
	// period of an initial.
	personWord = regexp.MustCompile(`^[A-Za-z][A-Za-z'.-]*,?$`)
	// thingWord names what a forfeiture case is brought against ("United States v. Real
	// Property"): no person.
	thingWord = regexp.MustCompile(`(?i)\b(?:property|properties|premises|currency|funds|dollars|proceeds|vessel|vehicle|aircraft|parcel|acres|account|accounts|contents|sealed)\b`)
)

// prosecuted names the party a sovereign prosecutes by surname when it reads as a person
// (two to four words of letters, none of an organisation's name or of a thing forfeited),
// whether or not its first name is in the list bySurname knows: "Haitao Xiang" → "Xiang".
func prosecuted(s string) string {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 || orgWord.MatchString(s) || thingWord.MatchString(s) {
		return s
	}
	for _, w := range words {
		if !personWord.MatchString(w) || smallWords[strings.ToLower(w)] {
			return s
		}
	}
	if nameSuffix.MatchString(words[len(words)-1]) && len(words) > 2 {
		words = words[:len(words)-1]
	}
	return strings.TrimRight(words[len(words)-1], ",")
}

func upperShare(s string) float64 {
	var up, letters int
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				up++
			}
		}
	}
	if letters == 0 {
		return 0
	}
	return float64(up) / float64(letters)
}

// titleCase re-cases a name written in capitals: "MIDLAND FUNDING LLC" → "Midland
// Funding LLC", "STATE OF NORTH CAROLINA" → "State of North Carolina".
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		trimmed := strings.TrimRight(w, ",;:")
		switch {
		case acronyms[trimmed]:
			continue
		case i > 0 && smallWords[strings.ToLower(trimmed)]:
			words[i] = strings.ToLower(w)
		default:
			words[i] = capitalise(strings.ToLower(w))
		}
	}
	return strings.Join(words, " ")
}

// capitalise upper-cases the first letter of w and of each part after a hyphen,
// apostrophe or period ("o'hagan" → "O'Hagan", "u.s." → "U.S.").
func capitalise(w string) string {
	rs := []rune(w)
	up := true
	for i, r := range rs {
		if up && unicode.IsLetter(r) {
			rs[i] = unicode.ToUpper(r)
		}
		up = r == '-' || r == '.' || r == '/' || r == '&' || r == '\'' && i == 1
	}
	return string(rs)
}
