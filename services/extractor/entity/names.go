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
}

var tokRE = regexp.MustCompile(`(?:[A-Z]\.){2,}|[A-Za-z\p{L}][\p{L}A-Za-z0-9'’\-]*(?:/[A-Za-z]+)?\.?|\d[\d,\-]*[A-Za-z]*|&|,|\(|\)|[“”"]|;|:`)

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
	productPrev  = regexp.MustCompile(`(?:\bon|\bin|\bvia|\bVia|\bthrough|\busing)[ \t]+$`)
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
// sentence-final one.
func tokenize(text string) []tok {
	locs := tokRE.FindAllStringIndex(text, -1)
	out := make([]tok, 0, len(locs))
	for _, l := range locs {
		t := text[l[0]:l[1]]
		if strings.HasSuffix(t, ".") && len(t) > 2 && !abbrev[t] && strings.Count(t, ".") == 1 {
			t = t[:len(t)-1]
			l[1]--
		}
		out = append(out, tok{l[0], l[1], t})
	}
	return out
}

// names is the general recogniser: organisations, people, places and products.
func (r *Recognizer) names(text string, taken []span, doc *docState) []span {
	toks := tokenize(text)
	var out []span
	// A coverage mask keeps the overlap test linear in the page length.
	mask := make([]bool, len(text)+1)
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
		out = append(out, r.classify(text, toks, i, j, doc)...)
		i = j
	}
	out = append(out, r.definitions(text, out, doc)...)
	for _, m := range stateCodeRE.FindAllStringSubmatchIndex(text, -1) {
		if !occupied(m[2], m[3]) {
			out = append(out, span{typ: filing.Place, start: m[2], end: m[3], prio: prioName})
		}
	}
	return out
}

// stateCodeRE finds the state of an address line: "Pittsburgh, PA 15222".
var stateCodeRE = regexp.MustCompile(`[A-Za-z.], ([A-Z]{2})(?:[ \t]+\d{5}(?:-\d{4})?)?[ \t]*(?:\n|$)`)

// joins says whether token j continues the run of name words that ends at j-1.
func (r *Recognizer) joins(text string, toks []tok, j int) bool {
	prev, t := toks[j-1], toks[j]
	gap := text[prev.e:t.s]
	if strings.Count(gap, "\n") > 1 || strings.ContainsAny(gap, "()“”\";:.!?") {
		return false
	}
	if strings.Contains(gap, "\n") {
		if orgSuffix[prev.text] {
			return false
		}
		// Short lines are captions, letterheads and address blocks, where every line is
		// its own item; in running text a name wraps.
		ls := strings.LastIndexByte(text[:prev.s], '\n') + 1
		if prev.e-ls < 55 && !isInitial(prev.text) && !connectors[prev.text] && prev.text != "&" {
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
		if stopStart[t] || roleWords[t] || connectors[t] || t == "," || strings.ToUpper(t) == t && (roleWords[titleCase(t)] || stopStart[titleCase(t)]) {
			i++
			sentenceStart = false
			continue
		}
		break
	}
	for j > i && (roleWords[toks[j-1].text] && !orgHead[toks[j-1].text] || connectors[toks[j-1].text] || toks[j-1].text == "," || strings.ToUpper(toks[j-1].text) == toks[j-1].text && roleWords[titleCase(toks[j-1].text)] && !orgHead[titleCase(toks[j-1].text)]) {
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
	if len(ws) == 1 && j+1 < len(toks) && toks[j].text == "," && r.first[strings.ToLower(toks[j+1].text)] && isCap(toks[j+1].text) &&
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
		if orgHead[w.text] || orgHead[titleCase(w.text)] && isAllCaps(w.text) {
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
		if r.first[strings.ToLower(w.text)] && n >= 2 && k < len(ws)-1 {
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
	var b strings.Builder
	for k, w := range ws {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	s := b.String()
	if usStates[s] || countries[s] || usStates[titleWords2(s)] {
		return true
	}
	if len(ws) == 1 && stateCodes[s] {
		return false // handled by the address rule
	}
	if len(ws) >= 2 && placeSuffix[ws[len(ws)-1].text] && !orgHead[ws[0].text] {
		return true
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
	m := addressRE.FindString(text[e:])
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
		if productCue.MatchString(text[e:]) && !strings.HasPrefix(text[e:], "'") || productPrev.MatchString(text[max(0, s-10):s]) {
			return true
		}
		if strings.HasPrefix(text[e:], "'s ") || strings.HasPrefix(text[e:], "’s ") {
			return productCue.MatchString(text[e+3:]) || strings.HasPrefix(text[e+3:], "Manage")
		}
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
		m := defRE.FindStringSubmatchIndex(text[f.end:])
		if m == nil {
			continue
		}
		a := text[f.end+m[2] : f.end+m[3]]
		if roleWords[a] || len(a) < 2 {
			continue
		}
		doc.alias(a, f.typ, text[f.start:f.end])
		out = append(out, span{typ: f.typ, start: f.end + m[2], end: f.end + m[3], prio: prioName, canon: text[f.start:f.end]})
	}
	return out
}
