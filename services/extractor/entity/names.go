package entity

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// tok is one word of a page.
type tok struct {
	s, e int
	text string
	// poss marks a possessive whose "'s" was cut off: the name ends there ("Xiang’s
	// counsel", "Canal's Insurance Policy").
	poss bool
}

// cutPossessives cuts "'s" and "’s" off the words that end with them.
func cutPossessives(toks []tok) {
	for i := range toks {
		t := &toks[i]
		for _, suf := range []string{"'s", "’s"} {
			if len(t.text) > len(suf)+1 && strings.HasSuffix(t.text, suf) {
				t.text = t.text[:len(t.text)-len(suf)]
				t.e -= len(suf)
				t.poss = true
			}
		}
	}
}

// abbrev lists words whose final dot is part of the word, not a sentence end.
var abbrev = map[string]bool{"Inc.": true, "Corp.": true, "Co.": true, "Jr.": true, "Sr.": true, "St.": true,
	"Mr.": true, "Mrs.": true, "Ms.": true, "Dr.": true, "Ltd.": true, "Bros.": true, "No.": true, "Hon.": true,
	"Esq.": true, "ESQ.": true, "INC.": true, "CO.": true, "CORP.": true, "Mt.": true, "Ft.": true, "Prof.": true}

var (
	orgSuffix = setOf("Inc.", "Inc", "INC.", "INC", "LLC", "L.L.C.", "Corp.", "Corp", "CORP.", "Corporation", "CORPORATION",
		"Company", "COMPANY", "Co.", "CO.", "LP", "L.P.", "LLP", "L.L.P.", "PLLC", "P.A.", "P.C.", "AB", "AG", "GP", "Ltd.", "Ltd",
		"Incorporated", "INCORPORATED", "N.A.", "S.A.", "GmbH", "plc", "PLC")
	orgHead = setOf("Church", "Chapel", "Association", "Society", "Foundation", "League", "Council", "Conference", "Federation",
		"Union", "Network", "Department", "Bureau", "Office", "Agency", "Administration", "Commission", "Institute", "University",
		"College", "School", "Hospital", "Center", "Centre", "Bank", "Group", "Fund", "Trust", "Partners", "Associates", "Holdings",
		"Services", "Technologies", "Research", "Capital", "Programs", "Enforcement", "Investigation", "Fellowship", "Firm",
		"Authority", "Police", "Committee", "Ministry", "Museum", "Laboratories", "Labs", "Industries", "Enterprises", "Systems",
		"Alliance", "Coalition", "Party", "Organization", "Organisation", "Airlines", "Insurance", "Assurance", "Operations",
		"Funding", "Management", "Protection", "Service", "Security", "Division", "Branch", "Counsel", "Baptist", "Sheriffs",
		"Sheriffs’", "Attorneys", "Judaism", "Rabbis", "Communications", "Media", "Pharmaceuticals", "Motors", "Energy",
		"Electronics", "Telecommunications", "Scripts", "Amusements", "Surplus", "Boats", "Construct")
	// roleWords are the words of procedure and form that capitalisation makes look like
	// names: the parties' roles, the court, document parts.
	roleWords = setOf("Plaintiff", "Plaintiffs", "Defendant", "Defendants", "Appellant", "Appellants", "Appellee", "Appellees",
		"Petitioner", "Petitioners", "Respondent", "Respondents", "Debtor", "Debtors", "Creditor", "Creditors", "Court", "Courts",
		"Clerk", "Counsel", "Judge", "Judges", "Justice", "Order", "Motion", "Exhibit", "Exhibits", "Case", "Document", "Page",
		"Filed", "Date", "Docket", "Re", "RE", "Dear", "Sincerely", "Attorney", "General", "Governor", "Magistrate", "Chief",
		"Presiding", "Circuit", "Employee", "Employer", "Commissioner", "Secretary", "Director", "Head", "Branch", "Trustee",
		"Intervenor", "Amicus", "Amici", "Panel", "State", "States", "Government", "Party", "Parties", "Complaint", "Answer",
		"Memorandum", "Opinion", "Notice", "Letter", "Reply", "Brief", "Declaration", "Summons", "Schedule", "Section", "Rule",
		"Rules", "Form", "Statement", "Application", "Appearance", "Transcript", "Deposition", "Report", "Certificate", "Proposed",
		"Entered", "Affirmed", "Remanded", "Reversed", "Vacated", "Dismissed", "Granted", "Denied", "Enclosure", "Via", "Tel",
		"Telephone", "Fax", "Clerk's", "Clerk’s", "CLERK'S", "Bar", "Designation", "Issues", "Phone", "Website", "Suite", "Floor", "Room", "Box", "Street", "Avenue", "Inquiries", "Website:",
		"Mr.", "Ms.", "Mrs.", "Dr.", "Hon.", "Honorable", "Esq.", "ESQ.", "ESQ", "Esq", "Deputy", "Solicitor", "Assistant",
		"Special", "Manager", "Staff", "Pro", "Se", "Hac", "Vice", "Affiliations", "Disclosure", "Disclosures", "Corporate", "Civil",
		"Cover", "Sheet", "Request", "Issuance", "Discovery", "Dismiss", "Petition", "Other", "Support", "Law", "Sub", "Arg",
		"Unlike", "Despite", "Though", "Both", "Consequently", "Accordingly", "Effective", "Attached", "Enclosed", "Failure",
		"Should", "Parties", "Counseled", "Timely", "Please", "Review", "Inquiries", "Following", "Before", "After", "Under",
		"Upon", "Initial", "Management", "Conference", "Scheduling", "Deadlines", "Proceedings", "Hearing", "Briefing",
		"Responses", "Notified", "Setting", "Appearances", "Memo", "Opinion1", "Tax", "Returns", "Loan", "Many", "Three", "Two",
		"One", "Federal", "Schedule", "Syllabus", "Certiorari", "Id", "Id.", "Ibid.", "Supp", "Sec.")
	determiners = setOf("The", "This", "That", "These", "Those", "A", "An", "Each", "Every", "All", "Any", "No", "Some", "Such",
		"Its", "Their", "Our", "His", "Her", "My", "Your", "Which", "What", "Said", "Same", "Either", "Neither", "Both", "Another")
	partyRoles = setOf("Plaintiff", "Plaintiffs", "Defendant", "Defendants", "Appellant", "Appellants", "Appellee", "Appellees",
		"Petitioner", "Petitioners", "Respondent", "Respondents", "Debtor", "Debtors", "Creditor", "Creditors", "Intervenor")
	publicWords = setOf("State", "Federal", "General", "National")
	subUnit     = setOf("Branch", "Division", "Unit", "Section", "Bureau")
	ordinals    = setOf("First", "Second", "Third", "Fourth", "Fifth")
	courtOffice = setOf("Clerk", "Court", "Courts", "Judge", "Judges", "Magistrate")
	// stopStart are function words that begin sentences and headings.
	stopStart = setOf("The", "THE", "This", "That", "These", "Those", "A", "An", "In", "On", "At", "For", "Of", "By", "To",
		"From", "With", "And", "Or", "But", "If", "As", "See", "Cf.", "Also", "It", "He", "She", "They", "We", "I", "You", "His",
		"Her", "Their", "Our", "Its", "My", "Your", "There", "Here", "When", "Where", "While", "Whether", "Because", "Although",
		"However", "Thus", "Therefore", "Moreover", "Further", "Furthermore", "Finally", "First", "Second", "Third", "Each",
		"Every", "All", "Any", "No", "Not", "Some", "Such", "What", "Which", "Who", "Whom", "Why", "How", "Yes", "cc", "Cc",
		"Is", "Are", "Was", "Were", "Be", "Has", "Have", "Had", "Do", "Does", "Did", "Can", "May", "Must", "Will", "Would",
		"Shall", "Should", "Could", "Might", "Then", "Than", "So", "Now", "Only", "Even", "Just", "Very", "Truly", "Yours",
		"Respectfully", "Submitted", "Mr", "Ms", "Mrs", "Dr", "Between", "Against", "Within", "Without", "Into", "Over",
		"Unless", "Until", "Since", "During", "Per", "Via", "Rather", "Other", "Instead", "Likewise", "Similarly", "Indeed",
		"Nor", "Nothing", "Neither", "Either", "Many", "Most", "Few", "More", "Less", "Much", "Same", "Both", "Once", "Twice")
	titleWords = setOf("Mr.", "Ms.", "Mrs.", "Dr.", "Judge", "Justice", "Hon.", "Honorable", "Governor", "Senator",
		"Representative", "Magistrate", "Presiding", "Chief", "Circuit", "Mr", "Ms", "Mrs", "Dr", "Professor", "Prof.", "Officer",
		"Sheriff", "Detective", "Sergeant", "Agent", "Commissioner", "President", "CEO", "Attorney", "Trustee")
	connectors   = setOf("of", "the", "for", "and", "&", "de", "del", "la", "van", "von", "der", "du", "da", "y", "in", "on", "N", "OF", "THE", "FOR", "AND", "ON")
	personSuffix = setOf("Jr.", "Jr", "Sr.", "II", "III", "IV", "JR.", "SR.")
	productHead  = setOf("API", "SDK", "APIs", "App", "Platform", "Software", "System", "Filter", "Device")
	productCue   = regexp.MustCompile(`^[ \t]*(?:account|system|filer|filing|website|site|platform|app|application|software|device|filter|interface|API|SDK|user|login|database|service)s?\b`)
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func isCap(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsUpper(r)
}

func isInitial(t string) bool {
	return len(t) == 2 && t[1] == '.' && t[0] >= 'A' && t[0] <= 'Z' || len(t) >= 4 && strings.Count(t, ".") >= 2 && isCap(t) && len(t) <= 6
}

func isAllCaps(t string) bool {
	n := 0
	for _, r := range t {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n > 0
}

// tokenize splits a page into words, keeping an abbreviation's dot and dropping a
// sentence-final one. A token is what the expression
//
//	(?:[A-Z]\.){2,}|\p{L}[\p{L}0-9'’\-]*(?:/[A-Za-z]+)?\.?|\d[\d,\-]*[A-Za-z]*|[&,()“”";:]
//
// finds (initials "U.S.", words, numbers, punctuation that separates names), written out
// because the expression ran at 7 MB/s and every byte of every page passes through it.
func tokenize(text string) []tok { return appendTokens(make([]tok, 0, len(text)/4), text) }

// appendTokens appends text's tokens to out.
func appendTokens(out []tok, text string) []tok {
	for i := 0; i < len(text); {
		e, w := tokenEnd(text, i)
		if e < 0 {
			i += w
			continue
		}
		t, te := text[i:e], e
		if strings.HasSuffix(t, ".") && len(t) > 2 && !abbrev[t] && strings.Count(t, ".") == 1 {
			t = t[:len(t)-1]
			te--
		}
		out = append(out, tok{s: i, e: te, text: t})
		i = e
	}
	return out
}

// tokenEnd returns the end of the token that starts at i, or -1 and the width of the
// character at i when none does.
func tokenEnd(text string, i int) (end, width int) {
	c := text[i]
	switch {
	case c >= 'A' && c <= 'Z' && i+3 < len(text) && text[i+1] == '.':
		j := i
		for j+1 < len(text) && text[j] >= 'A' && text[j] <= 'Z' && text[j+1] == '.' {
			j += 2
		}
		if j-i >= 4 {
			return j, 0
		}
		return wordEnd(text, i+1), 0
	case isASCIILetter(c):
		return wordEnd(text, i+1), 0
	case isDigit(c):
		j := i + 1
		for j < len(text) && (isDigit(text[j]) || text[j] == ',' || text[j] == '-') {
			j++
		}
		for j < len(text) && isASCIILetter(text[j]) {
			j++
		}
		return j, 0
	case c == '&' || c == ',' || c == '(' || c == ')' || c == '"' || c == ';' || c == ':':
		return i + 1, 0
	case c < utf8.RuneSelf:
		return -1, 1
	}
	r, w := utf8.DecodeRuneInString(text[i:])
	switch {
	case r == '“' || r == '”':
		return i + w, 0
	case unicode.IsLetter(r):
		return wordEnd(text, i+w), 0
	}
	return -1, w
}

// wordEnd continues a word from j: letters, digits, apostrophes and hyphens, then an
// optional "/Word" ("CM/ECF") and a dot.
func wordEnd(text string, j int) int {
	for j < len(text) {
		c := text[j]
		if isASCIILetter(c) || isDigit(c) || c == '\'' || c == '-' {
			j++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, w := utf8.DecodeRuneInString(text[j:])
		if r != '’' && !unicode.IsLetter(r) {
			break
		}
		j += w
	}
	if j+1 < len(text) && text[j] == '/' && isASCIILetter(text[j+1]) {
		j += 2
		for j < len(text) && isASCIILetter(text[j]) {
			j++
		}
	}
	if j < len(text) && text[j] == '.' {
		j++
	}
	return j
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// names is the general recogniser: organisations, people, places and products.
func (r *Recognizer) names(text string, taken []span, doc *docState) []span {
	// The token and mask buffers are the document's, reused page after page.
	doc.toks = appendTokens(doc.toks[:0], text)
	toks := doc.toks
	cutPossessives(toks)
	var out []span
	// A coverage mask keeps the overlap test linear in the page length.
	mask := doc.boolBuf(len(text) + 1)
	for _, t := range taken {
		for k := t.start; k < t.end; k++ {
			mask[k] = true
		}
	}
	occupied := func(s, e int) bool {
		for k := s; k < e; k++ {
			if mask[k] {
				return true
			}
		}
		return false
	}
	i := 0
	for i < len(toks) {
		if !isCap(toks[i].text) || occupied(toks[i].s, toks[i].e) {
			i++
			continue
		}
		j := i + 1
		for j < len(toks) {
			t := toks[j]
			if occupied(t.s, t.e) || !r.joins(text, toks, j) {
				break
			}
			j++
		}
		// Do not end on a connector.
		for j > i+1 && (connectors[toks[j-1].text] || toks[j-1].text == ",") {
			j--
		}
		// The firm line of an address block is decided first, so that a firm named like a
		// person ("Jackson Kelly") is not learnt as one.
		if firmLine(text, toks[i:j], out) {
			s, e := toks[i].s, toks[j-1].e
			doc.learn(filing.Organization, text[s:e])
			out = append(out, span{typ: filing.Organization, start: s, end: e, prio: prioName})
		} else {
			got := r.classify(text, toks, i, j, doc)
			if len(got) == 1 && got[0].typ == filing.Organization && orgSuffix[toks[j-1].text] {
				// "Grace, Tisdale,\nClifton, P.A.": a firm of names and commas.
				if s := commaNamesBefore(text, got[0].start); s < got[0].start {
					for len(out) > 0 && out[len(out)-1].end > s {
						out = out[:len(out)-1]
					}
					got[0].start = s
					doc.learn(filing.Organization, text[s:got[0].end])
				}
			}
			out = append(out, got...)
		}
		i = j
	}
	out = append(out, r.definitions(text, out, doc)...)
	for _, m := range addressStates(text) {
		if !occupied(m[0], m[1]) {
			out = append(out, span{typ: filing.Place, start: m[0], end: m[1], prio: prioName})
		}
	}
	return out
}

// streetLineRE is the street line of an address: a number or a number word, then a
// capitalised word ("175 E. Main Street", "One Pennsylvania Plaza").
var streetLineRE = regexp.MustCompile(`^[ \t]*(?:\d+[A-Za-z]?|One|Two|Three|Four|Five)[ \t]+[A-Z]`)

// firmLine says whether a run is the firm's line of an address block: alone on its line,
// below a line that is a person's name and above a street line ("Kathryn M. Barber /
// McGuireWoods / 800 East Canal Street"). Generic words ("Law Office") are no name.
func firmLine(text string, ws []tok, found []span) bool {
	// The line above is one person's name: the last name found.
	if len(found) == 0 || found[len(found)-1].typ != filing.Person {
		return false
	}
	p := found[len(found)-1]
	s, e := ws[0].s, ws[len(ws)-1].e
	ls := strings.LastIndexByte(text[:s], '\n') + 1
	le := strings.IndexByte(text[e:], '\n')
	if ls == 0 || le < 0 || strings.TrimSpace(text[ls:s]) != "" || strings.TrimSpace(text[e:e+le]) != "" {
		return false
	}
	pls := strings.LastIndexByte(text[:ls-1], '\n') + 1
	if p.end >= ls || p.start < pls || strings.TrimSpace(text[p.end:ls]) != "" ||
		strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(text[pls:p.start], "Mr."), "Ms."), "Mrs."), "Dr.")) != "" {
		return false
	}
	generic := true
	for _, w := range ws {
		if !roleWords[w.text] && !orgHead[w.text] && !connectors[w.text] {
			generic = false
		}
	}
	return !generic && streetLineRE.MatchString(ahead(text, e+le+1, 16))
}

// commaNamesBefore extends a company's name back over single capitalised words each
// followed by a comma ("Grace, Tisdale, Clifton, P.A.", "Skadden, Arps, Slate, …"), up to
// four, stopping at a word that ends a longer name ("Jane Doe, Acme, Inc." keeps Doe out)
// or is a role or function word.
func commaNamesBefore(text string, s int) int {
	for n := 0; n < 4; n++ {
		k := s
		for k > 0 && isBlank(text[k-1]) {
			k--
		}
		if k == s || k == 0 || text[k-1] != ',' {
			return s
		}
		we := k - 1
		ws := we
		for ws > 0 && isASCIILetter(text[ws-1]) {
			ws--
		}
		w := text[ws:we]
		if len(w) < 2 || !isUpper(w[0]) || ws > 0 && isWordByte(text[ws-1]) || roleWords[w] || stopStart[w] || orgSuffix[w] {
			return s
		}
		// The word before must not be a capitalised name word.
		b := ws
		for b > 0 && (text[b-1] == ' ' || text[b-1] == '\t') {
			b--
		}
		if b < ws && b > 0 && isASCIILetter(text[b-1]) {
			pw := b
			for pw > 0 && isASCIILetter(text[pw-1]) {
				pw--
			}
			if isUpper(text[pw]) && !stopStart[text[pw:b]] {
				return s
			}
		}
		s = ws
	}
	return s
}

// addressStates finds the state of an address line, "Pittsburgh, PA 15222": the code in
// `[A-Za-z.], ([A-Z]{2})(?:[ \t]+\d{5}(?:-\d{4})?)?[ \t]*(?:\n|$)`, found from each comma.
func addressStates(text string) [][2]int {
	var out [][2]int
	for from := 0; ; {
		k := strings.IndexByte(text[from:], ',')
		if k < 0 {
			return out
		}
		i := from + k
		from = i + 1
		if i == 0 || !isASCIILetter(text[i-1]) && text[i-1] != '.' || i+3 >= len(text) ||
			text[i+1] != ' ' || !isUpper(text[i+2]) || !isUpper(text[i+3]) {
			continue
		}
		if lineEndsAt(text, i+4) || zipEndsLine(text, i+4) {
			out = append(out, [2]int{i + 2, i + 4})
		}
	}
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// lineEndsAt says whether only spaces and tabs stand between j and the line's end.
func lineEndsAt(text string, j int) bool {
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	return j == len(text) || text[j] == '\n'
}

// zipEndsLine says whether a ZIP code ("15222", "15222-1234") after blanks ends the line.
func zipEndsLine(text string, j int) bool {
	k := j
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k == j || !digitsAt(text, k, 5) {
		return false
	}
	k += 5
	if k < len(text) && text[k] == '-' && digitsAt(text, k+1, 4) && lineEndsAt(text, k+5) {
		return true
	}
	return lineEndsAt(text, k)
}

func digitsAt(text string, k, n int) bool {
	if k+n > len(text) {
		return false
	}
	for _, c := range []byte(text[k : k+n]) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// proseLine says whether the line holding position s reads as running text: at least
// three lower-case words of three letters or more other than connectors ("the", "for";
// a list line has "in", "v.", "et al.").
func proseLine(text string, s int) bool {
	ls := strings.LastIndexByte(text[:s], '\n') + 1
	le := strings.IndexByte(text[s:], '\n')
	if le < 0 {
		le = len(text)
	} else {
		le += s
	}
	n := 0
	for _, w := range strings.Fields(text[ls:le]) {
		if w = strings.TrimRight(w, ".,;:"); len(w) >= 3 && w[0] >= 'a' && w[0] <= 'z' && !connectors[w] {
			if n++; n >= 3 {
				return true
			}
		}
	}
	return false
}

// joins says whether token j continues the run of name words that ends at j-1.
func (r *Recognizer) joins(text string, toks []tok, j int) bool {
	prev, t := toks[j-1], toks[j]
	if prev.poss {
		return false
	}
	gap := text[prev.e:t.s]
	if gap != " " && (strings.Count(gap, "\n") > 1 || strings.ContainsAny(gap, "()“”\";:.!?")) {
		return false
	}
	if gap != " " && strings.Contains(gap, "\n") {
		if orgSuffix[prev.text] {
			return false
		}
		// Short lines are captions, letterheads and address blocks, where every line is
		// its own item; in running text a name wraps.
		ls := strings.LastIndexByte(text[:prev.s], '\n') + 1
		// A short line followed by running text is the end of a paragraph line, though:
		// "The United States Department of Health and Human\nServices declared the …".
		if prev.e-ls < 55 && !isInitial(prev.text) && !connectors[prev.text] && prev.text != "&" && !proseLine(text, t.s) {
			return false
		}
	}
	switch {
	case t.text == ",":
		// "C. R. Bard, Inc.", "Kenneth D. Upton, Jr.", "Grace, Tisdale, Clifton, P.A."
		if j+1 < len(toks) && (orgSuffix[toks[j+1].text] || personSuffix[toks[j+1].text]) {
			return true
		}
		return false
	case t.text == "&":
		return true
	case connectors[t.text]:
		if j+2 < len(toks) && connectors[toks[j+1].text] && isCap(toks[j+2].text) {
			return true
		}
		return j+1 < len(toks) && isCap(toks[j+1].text) && toks[j+1].text != "v" && !strings.Contains(text[t.e:toks[j+1].s], "\n\n")
	case t.text == "v" || t.text == "v." || t.text == "V" || t.text == "V.":
		return false
	}
	return isCap(t.text) || isInitial(t.text) || orgSuffix[t.text] || personSuffix[t.text] || prev.text == "," && orgSuffix[t.text]
}

// classify types a run of capitalised words, trimming roles and titles.
func (r *Recognizer) classify(text string, toks []tok, i, j int, doc *docState) []span {
	titled := false
	sentenceStart := i == 0 || atSentenceStart(text, toks[i].s)
	for i < j {
		t := toks[i].text
		if titleWords[t] {
			titled = true
			i++
			continue
		}
		if t == "The" && i+1 < j && !sentenceStart && r.orgish(toks[i+1:j]) {
			break
		}
		if stopStart[t] || roleWords[t] || connectors[t] || t == "," || noLower(t) && (inTitle(roleWords, t) || inTitle(stopStart, t)) {
			// A word just before a corporate suffix is the company's name, whatever
			// else it can be ("Many LLC"), unless it only points ("This LLC").
			if i+2 == j && orgSuffix[toks[i+1].text] && isCap(t) && !inTitle(determiners, t) && !inTitle(partyRoles, t) {
				break
			}
			// "State Bureau of Investigation", "Federal Bureau of Prisons": a word before
			// an organisation's head noun names it.
			if i+1 < j && hasOrgHead(toks[i+1:i+2]) && inTitle(publicWords, t) {
				break
			}
			// "First Baptist Church": an ordinal opens the names of churches and banks.
			if inTitle(ordinals, t) && r.orgish(toks[i+1:j]) {
				break
			}
			i++
			sentenceStart = false
			continue
		}
		break
	}
	for j > i && (roleWords[toks[j-1].text] && !orgHead[toks[j-1].text] || connectors[toks[j-1].text] || toks[j-1].text == "," || noLower(toks[j-1].text) && inTitle(roleWords, toks[j-1].text) && !inTitle(orgHead, toks[j-1].text)) {
		// A role word after "of", "and" or "the" in an organisation's name is part of it:
		// "Office of the Solicitor", "Americans United for Separation of Church and State".
		// The court's own offices ("Office of the Clerk") are not parties to name.
		if w := toks[j-1].text; !connectors[w] && w != "," && !inTitle(courtOffice, w) && j-2 > i && connectors[toks[j-2].text] && hasOrgHead(toks[i:j-2]) {
			break
		}
		j--
	}
	if i >= j {
		return nil
	}
	// "Stephen C. Whiting and The Whiting Law Firm", "C. R. Bard, Inc. and Bard
	// Peripheral Vascular, Inc.": two names joined by "and" are two entities when the
	// left one stands on its own.
	for k := i + 1; k < j-1; k++ {
		if w := toks[k].text; w == "and" || w == "AND" || w == "for" || w == "&" && k > i && orgSuffix[toks[k-1].text] {
			left := toks[i:k]
			if orgSuffix[left[len(left)-1].text] || r.personish(left, titled) {
				return append(r.classify(text, toks, i, k, doc), r.classify(text, toks, k+1, j, doc)...)
			}
		}
	}
	// "Reed Hastings of Netflix, Inc.", "Jane Roe of Acme LLP": a person and where they
	// work, not one organisation. A single word before "of" is left alone ("Bank of
	// America", "Duke of Edinburgh").
	for k := i + 2; k+1 < j; k++ {
		if toks[k].text != "of" {
			continue
		}
		if left := toks[i:k]; r.personish(left, titled) && !r.orgish(left) && r.orgish(toks[k+1:j]) {
			return append(r.classify(text, toks, i, k, doc), r.classify(text, toks, k+1, j, doc)...)
		}
	}
	// "Alcohol Law Enforcement Branch of the State Bureau of Investigation", "Antitrust
	// Division of the Department of Justice": a unit and its parent are two entities.
	for k := i + 1; k+2 < j; k++ {
		if !inTitle(subUnit, toks[k].text) || !strings.EqualFold(toks[k+1].text, "of") {
			continue
		}
		r0 := k + 2
		if strings.EqualFold(toks[r0].text, "the") {
			r0++
		}
		if r0 < j && r.orgish(toks[i:k+1]) && r.orgish(toks[r0:j]) {
			return append(r.classify(text, toks, i, k+1, doc), r.classify(text, toks, r0, j, doc)...)
		}
	}
	ws := toks[i:j]
	s, e := ws[0].s, ws[len(ws)-1].e
	surface := text[s:e]
	mk := func(t filing.EntityType) []span {
		doc.learn(t, surface)
		return []span{{typ: t, start: s, end: e, prio: prioName}}
	}
	if k, ok := doc.knownType(surface); ok {
		return mk(k)
	}
	if r.orgish(ws) {
		return mk(filing.Organization)
	}
	if isPlaceRun(ws) || r.addressPlace(text, e) && len(ws) <= 3 {
		return mk(filing.Place)
	}
	if r.productish(text, ws, s, e) {
		return mk(filing.Product)
	}
	if r.personish(ws, titled) {
		return mk(filing.Person)
	}
	if caption := inCaption(text, s, e); caption && len(ws) <= 4 && !allRole(ws) {
		if surface == "United States" || strings.EqualFold(surface, "united states") {
			return mk(filing.Place)
		}
		return mk(filing.Person)
	}
	if surface == "United States" || surface == "UNITED STATES" {
		return mk(filing.Place)
	}
	// "Ram, Michael": a docket's "Last, First" attorney form.
	if len(ws) == 1 && j+1 < len(toks) && toks[j].text == "," && r.isFirstName(toks[j+1].text) && isCap(toks[j+1].text) &&
		!strings.Contains(text[e:toks[j+1].e], "\n") && (j+2 >= len(toks) || toks[j+2].text == ")") {
		s2 := toks[j+1].e
		doc.learn(filing.Person, text[s:s2])
		return []span{{typ: filing.Person, start: s, end: s2, prio: prioName}}
	}
	if len(ws) == 1 {
		if t, ok := doc.acronymOf(ws[0].text); ok {
			return mk(t)
		}
	}
	return nil
}

// noLower says whether strings.ToUpper(s) == s, without building the upper-case copy.
func noLower(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' {
				return false
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || unicode.ToUpper(r) != r {
			return false
		}
		i += w
	}
	return true
}

// isFirstName looks a word up in the first-names lexicon, lower-cased without allocating
// for the usual short ASCII word.
func (r *Recognizer) isFirstName(w string) bool {
	var buf [24]byte
	if len(w) > len(buf) {
		return r.first[strings.ToLower(w)]
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return r.first[strings.ToLower(w)]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return r.first[string(buf[:len(w)])]
}

// inTitle says whether set holds titleCase(s), without building it for a short ASCII word.
func inTitle(set map[string]bool, s string) bool {
	var buf [32]byte
	if len(s) == 0 || len(s) > len(buf) {
		return set[titleCase(s)]
	}
	buf[0] = s[0]
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return set[titleCase(s)]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return set[string(buf[:len(s)])]
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return s[:1] + strings.ToLower(s[1:])
}

func allRole(ws []tok) bool {
	for _, w := range ws {
		if !roleWords[w.text] && !stopStart[w.text] {
			return false
		}
	}
	return true
}

func atSentenceStart(text string, s int) bool {
	k := s - 1
	for k >= 0 && (text[k] == ' ' || text[k] == '\t') {
		k--
	}
	if k < 0 || text[k] == '\n' {
		return true
	}
	return text[k] == '.' || text[k] == '?' || text[k] == '!' || text[k] == ':'
}

// hasOrgHead says whether a run has an organisation's head noun ("Office", "Church").
func hasOrgHead(ws []tok) bool {
	for _, w := range ws {
		if orgHead[w.text] || isAllCaps(w.text) && inTitle(orgHead, w.text) {
			return true
		}
	}
	return false
}

func (r *Recognizer) orgish(ws []tok) bool {
	if len(ws) == 0 {
		return false
	}
	last := ws[len(ws)-1].text
	if orgSuffix[last] {
		return len(ws) >= 2
	}
	for k, w := range ws {
		if w.text == "&" && k > 0 && k < len(ws)-1 {
			return true
		}
		if orgHead[w.text] || isAllCaps(w.text) && inTitle(orgHead, w.text) {
			if len(ws) == 1 {
				return false
			}
			return true
		}
	}
	return false
}

func (r *Recognizer) personish(ws []tok, titled bool) bool {
	n := 0
	for _, w := range ws {
		if !isInitial(w.text) && !personSuffix[w.text] && w.text != "," {
			n++
		}
		if roleWords[w.text] || orgHead[w.text] || stopStart[w.text] && w.text != "A" {
			return false
		}
	}
	if n == 0 || len(ws) > 6 {
		return false
	}
	if titled {
		return true
	}
	// A first name, possibly after initials ("R. Bruce Carlson"), followed by at least
	// one more name word.
	for k, w := range ws {
		if isInitial(w.text) {
			continue
		}
		if r.isFirstName(w.text) && n >= 2 && k < len(ws)-1 {
			return true
		}
		break
	}
	return false
}

var (
	usStates = setOf("Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
		"Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
		"Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
		"New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon",
		"Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
		"Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia", "Puerto Rico", "Guam")
	stateCodes = setOf("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
		"KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
		"OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR")
	countries = setOf("United States", "Canada", "Mexico", "China", "Japan", "India", "Germany", "France", "Italy", "Spain",
		"Russia", "Brazil", "Australia", "Ireland", "Israel", "Korea", "England", "Scotland", "Wales", "United Kingdom",
		"Switzerland", "Netherlands", "Sweden", "Norway", "Denmark", "Belgium", "Austria", "Poland", "Ukraine", "Taiwan",
		"Singapore", "Hong Kong", "Vietnam", "Philippines", "Indonesia", "Argentina", "Chile", "Colombia", "Peru", "Egypt",
		"Nigeria", "South Africa", "Kenya", "Iran", "Iraq", "Saudi Arabia", "Turkey", "Greece", "Portugal", "USA", "U.S.A.")
	placeSuffix = setOf("County", "City", "Parish", "Township", "Borough", "Valley", "River", "Basin", "Island", "Islands", "Mountains", "Bay", "Lake")
	addressRE   = regexp.MustCompile(`^,[ \t]*(?:[A-Z]{2}\b(?:[ \t]+\d{5}(?:-\d{4})?)?|(?:[A-Z][a-z]+[ \t]?){1,2}(?:\b|[ \t]+\d{5}))`)
)

func isPlaceRun(ws []tok) bool {
	if len(ws) > 3 {
		// No state or country name is longer than three words ("District of Columbia").
		return placeSuffix[ws[len(ws)-1].text] && !orgHead[ws[0].text]
	}
	// The run's words joined by spaces, built on the stack: this runs for every run.
	var buf [64]byte
	b := buf[:0]
	for k, w := range ws {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, w.text...)
	}
	if usStates[string(b)] || countries[string(b)] {
		return true
	}
	// "NORTH CAROLINA": titleWords2 changes only a capital after a letter.
	if capAfterLetter(b) && usStates[titleWords2(string(b))] {
		return true
	}
	return len(ws) >= 2 && placeSuffix[ws[len(ws)-1].text] && !orgHead[ws[0].text]
}

func capAfterLetter[S string | []byte](s S) bool {
	for i := 1; i < len(s); i++ {
		if isUpper(s[i]) && isASCIILetter(s[i-1]) || s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// titleWords2 turns "NORTH CAROLINA" into "North Carolina".
func titleWords2(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		f[i] = titleCase(w)
	}
	return strings.Join(f, " ")
}

// addressPlace says whether the run ending at e is a city in an address ("Pittsburgh, PA
// 15222", "Franklin, Tennessee").
func (r *Recognizer) addressPlace(text string, e int) bool {
	if e >= len(text) || text[e] != ',' {
		return false
	}
	m := addressRE.FindString(ahead(text, e, 48))
	if m == "" {
		return false
	}
	rest := strings.TrimSpace(strings.TrimPrefix(m, ","))
	f := strings.Fields(rest)
	if len(f) == 0 {
		return false
	}
	if stateCodes[f[0]] {
		return true
	}
	name := strings.TrimSpace(strings.TrimRight(rest, "0123456789 "))
	return usStates[name] || countries[name]
}

func (r *Recognizer) productish(text string, ws []tok, s, e int) bool {
	last := ws[len(ws)-1].text
	if productHead[last] && len(ws) >= 2 {
		return true
	}
	if len(ws) == 1 && isAllCaps(ws[0].text) && len(strings.Trim(ws[0].text, "/")) >= 3 {
		if productCue.MatchString(ahead(text, e, 24)) && !strings.HasPrefix(text[e:], "'") || usedVia(text, s) {
			return true
		}
		for _, poss := range []string{"'s ", "’s "} {
			if strings.HasPrefix(text[e:], poss) {
				after := e + len(poss)
				return productCue.MatchString(ahead(text, after, 24)) || strings.HasPrefix(text[after:], "Manage")
			}
		}
	}
	return false
}

// usedVia says whether "on", "in", "via", "through" or "using" and blanks stand just
// before s ("filed via ECF").
func usedVia(text string, s int) bool {
	k := s
	for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
		k--
	}
	if k == s {
		return false
	}
	w := k
	for w > 0 && isASCIILetter(text[w-1]) {
		w--
	}
	if w > 0 && isWordByte(text[w-1]) {
		return false
	}
	switch text[w:k] {
	case "on", "in", "via", "Via", "through", "using":
		return true
	}
	return false
}

// inCaption says whether the run stands beside " v. " ("Jessica Parker v. C. R. Bard").
func inCaption(text string, s, e int) bool {
	after := text[e:min(len(text), e+6)]
	before := text[max(0, s-6):s]
	return strings.HasPrefix(after, " v. ") || strings.HasPrefix(after, " v ") || strings.HasPrefix(after, " V. ") ||
		strings.HasSuffix(before, " v. ") || strings.HasSuffix(before, " V. ") || strings.HasSuffix(before, "v. ")
}

var defRE = regexp.MustCompile(`^\s{0,3}\((?:(?:the|collectively|together|hereinafter|formerly known as|f/k/a|d/b/a)[, ]+)*[“"]?([A-Z][\w.&’' \-]{1,40}?)[”"]?\)`)

// definitions turns defined terms into aliases: 'Home Federal Bank (“HFB”)', 'Calvary
// Chapel of Bangor (the Chapel)', 'C. R. Bard, Inc. and … (collectively, “Bard”)'.
func (r *Recognizer) definitions(text string, found []span, doc *docState) []span {
	var out []span
	for _, f := range found {
		if k := strings.IndexByte(text[f.end:min(len(text), f.end+5)], '('); k < 0 {
			continue
		}
		m := defRE.FindStringSubmatchIndex(ahead(text, f.end, 160))
		if m == nil {
			continue
		}
		a := text[f.end+m[2] : f.end+m[3]]
		if roleWords[a] || len(a) < 2 {
			continue
		}
		doc.alias(a, f.typ, text[f.start:f.end])
		out = append(out, span{typ: f.typ, start: f.end + m[2], end: f.end + m[3], prio: prioName})
	}
	return out
}
