package docmeta

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// A title names its document by a head noun; the first type word of the title is the
// type, except for the combinations below, tried first: a "notice of motion" is a motion,
// a "memorandum in opposition" an opposition, a "memorandum and order" an order.
var (
	typeCombos = []struct {
		re  *regexp.Regexp
		typ filing.DocType
	}{
		// An index or list of exhibits lists evidence and is none; anything else that
		// opens with "Exhibit" is one, whatever it shows: a label ("Exhibit 1 Certificate
		// of Service") or the CM/ECF category an attachment was filed under, before its
		// free description ("Exhibit Declaration of …", "Exhibit Proposed Sur-Reply").
		{regexp.MustCompile(`(?i)^\W*exhibits?\s+(?:and\s+witness\s+)?(?:list|index)\b`), filing.TypeOther},
		{regexp.MustCompile(`(?i)^\W*exhibit(?:s|\(s\))?(?:\W|$)`), filing.TypeExhibit},
		{regexp.MustCompile(`(?i)\bnotice\s+of\s+(?:\w+\s+){0,3}motion\b`), filing.TypeMotion},
		// A memo endorsed by the judge is the judge's ruling (S.D.N.Y.'s "Memo Endorsement").
		{regexp.MustCompile(`(?i)\bmemo(?:randum)?\s+endorse(?:d|ment)\b`), filing.TypeOrder},
		{regexp.MustCompile(`(?i)^\W*(?:proposed\W*)?(?:memorandum|brief)\b.*\b(?:in\s+)?opposition\b`), filing.TypeOpposition},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|brief)\b.*\breply\b`), filing.TypeReply},
		// A brief in support of a motion is a memorandum in support of a motion by the
		// definitions (doc.go), which keep "brief" for an appeal's or amicus's.
		{regexp.MustCompile(`(?i)^\W*brief\s+in\s+support\b.*\bmotion\b`), filing.TypeMemorandum},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|decision)\s+(?:and|&)\s+order\b`), filing.TypeOrder},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|decision)\s+(?:opinion|and\s+opinion)\b`), filing.TypeOpinion},
		{regexp.MustCompile(`(?i)^\W*(?:response|objections?)\b.*\b(?:to|opposing)\b.*\bmotion\b`), filing.TypeOpposition},
		// A minute order records the court's ruling in its minutes (doc.go: a minute entry);
		// a party's transcript order asks the reporter for a transcript and orders nothing.
		{regexp.MustCompile(`(?i)\bminute\s+(?:entry|entries|orders?)\b|\bminutes\b|\bcivil\s+minutes\b`), filing.TypeMinuteEntry},
		{regexp.MustCompile(`(?i)\btranscript\s+order\b`), filing.TypeOther},
		{regexp.MustCompile(`(?i)\b(?:notice\s+of\s+)?(?:entry\s+of\s+)?appearance\b`), filing.TypeNotice},
		{regexp.MustCompile(`(?i)\bso[-\s]ordered\b`), filing.TypeOrder},
		// Proofs of service: an affidavit, declaration, proof, certificate, return,
		// acknowledgment or waiver of service returned, a certified mail receipt.
		{regexp.MustCompile(`(?i)\b(?:affidavit|declaration|proof|certificate|return|acknowledge?ment|waiver)\s+of\s+service\b|\bcertified\s+mail\s+receipt\b`), filing.TypeNotice},
		{regexp.MustCompile(`(?i)\b(?:voluntary|involuntary)\s+petition\b|\bpetition\s+for\s+(?:a\s+)?writ\s+of\s+habeas\b`), filing.TypeComplaint},
		{regexp.MustCompile(`(?i)\(slip opinion\)|\bt\.\s?c\.\s+memo\b|\bper\s+curiam\b`), filing.TypeOpinion},
	}
	typeWords = []struct {
		re  *regexp.Regexp
		typ filing.DocType
	}{
		{regexp.MustCompile(`(?i)\bcomplaint\b`), filing.TypeComplaint},
		{regexp.MustCompile(`(?i)\banswer\b`), filing.TypeAnswer},
		{regexp.MustCompile(`(?i)\bmotion\b|\bapplication\s+(?:for|to)\b|\bpetition\s+for\b`), filing.TypeMotion},
		{regexp.MustCompile(`(?i)\bopposition\b|\bobjections?\b`), filing.TypeOpposition},
		{regexp.MustCompile(`(?i)\breply\b`), filing.TypeReply},
		// A submission is a party's written argument ("Sentencing Submission").
		// A response that opposes no motion (to an order to show cause, to the court's
		// questions) is a party's argument; a response to a motion is an opposition
		// (typeCombos). "Memo" abbreviates a memorandum.
		{regexp.MustCompile(`(?i)\bmemorandum\b|\bmemo\b|\bsubmission\b|\bresponse\b`), filing.TypeMemorandum},
		// A ruling is the court's order ("[ruling]" of an appellate feed).
		{regexp.MustCompile(`(?i)\border\b|\bo\s?r\s?d\s?e\s?r\b|\bruling\b`), filing.TypeOrder},
		{regexp.MustCompile(`(?i)\bopinion\b`), filing.TypeOpinion},
		{regexp.MustCompile(`(?i)\bjudgment\b|\bjudgement\b`), filing.TypeJudgment},
		{regexp.MustCompile(`(?i)\bdeclaration\b|\baffidavit\b|\baffirmation\b`), filing.TypeDeclaration},
		{regexp.MustCompile(`(?i)^\W*exhibit\b`), filing.TypeExhibit},
		// An appendix holds record material; "Ex 47", "Exh. B" abbreviate an exhibit
		// ("Dep Ex 47" is a deposition's exhibit).
		{regexp.MustCompile(`(?i)\bappendix\b|\bex(?:h|hs|s)?(?:\.\s*|\s+)(?:\d+[a-z]?|[a-z])\b`), filing.TypeExhibit},
		{regexp.MustCompile(`(?i)\bbrief\b`), filing.TypeBrief},
		{regexp.MustCompile(`(?i)\bnotice\b|\bsummons\b|\bproof\s+of\s+service\b|\bcertificate\s+of\s+service\b`), filing.TypeNotice},
		{regexp.MustCompile(`(?i)\bstipulat(?:ion|ed)\b`), filing.TypeStipulation},
		{regexp.MustCompile(`(?i)\btranscript\b`), filing.TypeTranscript},
		{regexp.MustCompile(`(?i)\bletter\b`), filing.TypeLetter},
		{regexp.MustCompile(`(?i)\b(?:affirmed|reversed|vacated|remanded|dismissed)\b`), filing.TypeOpinion},
	}
	letterDate = regexp.MustCompile(`^(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2},\s+\d{4}$`)
	salutation = regexp.MustCompile(`^(?:Dear\s|To\s+All\s+Parties|Re:|RE:)`)
	judgesLine = regexp.MustCompile(`^Before\b.*|.*\b(?:Circuit|District|Chief)\s+Judges?\b.*`)
)

// Classify returns the type a title names, TypeOther when it names none. Titles and
// CM/ECF event labels are read alike: the first phrase of the title that names a type
// decides (phrases end at a preposition: "Motion for Entry of Judgment" is a motion), and
// in it the head noun, which in English comes last ("Motion Order" is an order, "Summary
// Judgment Motion" a motion); a generic carrier (brief, memorandum) yields to a
// specific kind before it ("Reply Brief" is a reply). Of papers joined by "and", a
// the court's act decides ("Stipulation and Order" as entered is an order, "Order and
// Judgment" a judgment), otherwise the first ("Opinion and Order").
// The combinations of typeCombos are tried first: "Exhibit 1 Certificate of Service" and
// "Exhibit Declaration of …" are exhibits, whatever they show.
func Classify(title string) filing.DocType {
	title = strings.Join(strings.Fields(title), " ")
	return classifyUpTo(title, len(title))
}

// classifyUpTo is Classify reading only the words and combinations that begin before
// end: a docket text's event, not its object (classifyEvent). A combination decides only
// where it begins at or before the first type word, so that it is the paper's own name
// ("Notice of Motion", "Certificate of Service") and not a paper it mentions ("MOTION to
// Dismiss with Certificate of Service", "this line will be open 5 minutes prior").
func classifyUpTo(title string, end int) filing.DocType {
	var words []typeWordAt
	for _, w := range typeWords {
		for _, loc := range w.re.FindAllStringIndex(title, -1) {
			if loc[0] < end {
				words = append(words, typeWordAt{at: loc[0], typ: w.typ})
			}
		}
	}
	sort.Slice(words, func(i, j int) bool { return words[i].at < words[j].at })
	firstWord := end
	if len(words) > 0 {
		firstWord = words[0].at
	}
	for _, c := range typeCombos {
		if loc := c.re.FindStringIndex(title); loc != nil && loc[0] <= firstWord && loc[0] < end {
			return c.typ
		}
	}
	if len(words) == 0 {
		return filing.TypeOther
	}
	// A type word ends no phrase ("ruling" is a noun, not a participle).
	isWord := map[int]bool{}
	for _, w := range words {
		isWord[w.at] = true
	}
	phrase, part := boundaries(title, phraseEnd, isWord), boundaries(title, conjunction, nil)
	first := phrase(words[0].at)
	var heads []filing.DocType // the head of each part of the first typed phrase
	for i, w := range words {
		if phrase(w.at) != first {
			break
		}
		if i == 0 || part(w.at) != part(words[i-1].at) {
			heads = append(heads, w.typ)
			continue
		}
		// A later noun of the same part is its head, except a carrier after a specific
		// kind ("Reply Brief") and a court's act after a stronger one ("Judgment Order"
		// is the judgment, entered as an order).
		h := &heads[len(heads)-1]
		if (!isCarrier(w.typ) || isCarrier(*h)) && (decides(w.typ) == 0 || decides(w.typ) >= decides(*h)) {
			*h = w.typ
		}
	}
	best := heads[0]
	for _, h := range heads[1:] {
		if decides(h) > decides(best) {
			best = h
		}
	}
	return best
}

// decides ranks what a court's act makes of papers filed together: a judgment above an
// order or opinion, those above what the parties file.
func decides(t filing.DocType) int {
	switch t {
	case filing.TypeJudgment:
		return 2
	case filing.TypeOrder, filing.TypeOpinion:
		return 1
	}
	return 0
}

type typeWordAt struct {
	at  int
	typ filing.DocType
}

var (
	// phraseEnd ends a title's phrase: what follows a preposition, a participle or an
	// opening bracket is the paper's object or an aside ("to Compel", "for Summary
	// Judgment", "Approving Application", "(Will Generate PDF Notice)"), not its kind; a
	// docket text's first sentence is its event ("COMPLAINT filed. Summons issued"), and
	// so is what a dash sets off ("ORDER - The Joint Motion … is granted").
	phraseEnd = regexp.MustCompile(`(?i)\b(?:to|for|of|on|in|re|by|upon|from|with|against|under|pursuant|[a-z]+ing)\b|[(\[]|\.\s|\s[-–—]{1,2}\s`)
	// conjunction joins two papers filed as one ("Stipulation and Order").
	conjunction = regexp.MustCompile(`(?i)\band\b|&|,`)
)

// boundaries returns a function numbering the segment of s that an offset falls in, the
// segments being separated by matches of sep, except those starting at an offset of
// except.
func boundaries(s string, sep *regexp.Regexp, except map[int]bool) func(at int) int {
	cuts := sep.FindAllStringIndex(s, -1)
	return func(at int) int {
		n := 0
		for _, c := range cuts {
			if c[0] < at && !except[c[0]] {
				n++
			}
		}
		return n
	}
}

// isCarrier says whether t names the form of a paper rather than its purpose: a brief or
// memorandum in reply is a reply.
func isCarrier(t filing.DocType) bool {
	return t == filing.TypeBrief || t == filing.TypeMemorandum
}

// reliefEvent is a CM/ECF motion event named by the relief it asks ("Dismiss", "Adjourn
// Conference", "In Limine", "Extension of Time to File Answer"): district courts name
// their motion events so, and a feed or docket carries the name alone.
var reliefEvent = regexp.MustCompile(`(?i)^\W*(?:dismiss|adjourn|compel|strike|stay|seal|withdraw|extend|extension\s+of\s+time|remand|consolidate|continue|vacate|reconsider(?:ation)?|quash|intervene|substitute|expedite|in\s+limine|leave\s+to|sanctions)\b`)

// signedByJudge marks a docket text of a paper a judge or clerk signed ("Judicial Referral
// for Purpose of Determining Relationship of Cases re C-24-1468. Signed by Judge …").
var signedByJudge = regexp.MustCompile(`(?i)\bsigned\s+by\s+(?:the\s+)?(?:(?:chief|senior|district|magistrate|bankruptcy|circuit|u\.\s?s\.|us)\s+)*(?:judge|justice|clerk)\b`)

// classifyEvent returns the type a source's description of an entry names: a motion when
// it is an event named by its relief ("Strike" asks, a "Strike Order" rules), else what
// Classify reads in its event (eventOf); an event that names no type but was signed by a
// judge or clerk is an order (doc.go: "a ruling signed by a judge or clerk").
func classifyEvent(desc string) filing.DocType {
	sentence, end := eventOf(desc)
	typ := classifyUpTo(sentence, end)
	if reliefEvent.MatchString(desc) && decides(typ) == 0 {
		return filing.TypeMotion
	}
	if typ == filing.TypeOther && signedByJudge.MatchString(desc) {
		return filing.TypeOrder
	}
	return typ
}

var (
	// sentenceEnd ends a docket text's first sentence: a period after a word of two
	// letters or more, not after an initial ("Ann C. Roe", "U.S. District Court").
	sentenceEnd = regexp.MustCompile(`\w\w\.\s`)
	// objectStart ends a docket text's event where what it concerns or who filed it
	// begins: "Return of Service re Final Order", "SEALED DOCUMENT filed by …",
	// "Record on Appeal … regarding Notice of Appeal", "(Attachments: # 1 Certificate of
	// Service)", and a dash's aside. "Of" stays in the event ("Abstract of Order",
	// "Notice of Appeal"), and so do "to" and "for", which name a paper's relief
	// ("Motion to Dismiss", "Case termination for order and judgment"); a bracket opens an
	// aside after a space only ("Rule 5(c)(3)" is a name).
	objectStart = regexp.MustCompile(`(?i)\b(?:re|regarding|relat(?:ing|ed)\s+to|concerning|as\s+to|by|against|with|on\s+behalf\s+of)\b|\s[(\[]|` + dash)
	dashRe      = regexp.MustCompile(`^` + dash)
)

const dash = `\s[-–—]{1,2}\s`

// eventOf returns a docket text's first sentence and where its event ends in it: the
// CM/ECF event that opens the text names the paper, and a noun of its object or of a later
// sentence does not ("Case assigned to Judge Roe. Counsel shall serve the Complaint or
// Notice of Removal" is no notice). A bracket or marker before the first word opens no
// object ("[PROPOSED] ORDER"), and a dash after a heading that names no type sets off
// the paper's name, not an aside ("Rule 5(c)(3) - Affidavit").
func eventOf(desc string) (string, int) {
	desc = strings.Join(strings.Fields(desc), " ")
	if loc := sentenceEnd.FindStringIndex(desc); loc != nil {
		desc = desc[:loc[0]+2]
	}
	start := strings.IndexFunc(desc, unicode.IsLetter)
	for _, loc := range objectStart.FindAllStringIndex(desc, -1) {
		if loc[0] <= start || dashRe.MatchString(desc[loc[0]:]) && classifyUpTo(desc, loc[0]) == filing.TypeOther {
			continue
		}
		return desc, loc[0]
	}
	return desc, len(desc)
}

// titleBlock finds the title of a document among the top lines of its first page: the
// first line in capitals (with the capital lines that continue it) that names a type.
// Without one, a letter is known by its salutation or by a date standing alone at its head
// (under the letterhead, above the addressees), and an opinion by its panel of judges.
func titleBlock(lines []string) (string, filing.DocType) {
	for i, l := range lines {
		if l == "" || upperShare(l) < 0.8 || courtWord.MatchString(l) && !strings.Contains(strings.ToLower(l), "order") {
			continue
		}
		if roleLine.MatchString(l) || versusLine.MatchString(l) {
			continue
		}
		title := l
		for j := i + 1; j < len(lines) && lines[j] != "" && upperShare(lines[j]) >= 0.8 && len(title) < 200; j++ {
			title += " " + lines[j]
		}
		if typ := Classify(title); typ != filing.TypeOther {
			return collapseSpaced(title), typ
		}
	}
	for i, l := range lines {
		switch {
		case Classify(l) == filing.TypeOpinion && len(strings.Fields(l)) <= 6:
			return collapseSpaced(l), filing.TypeOpinion
		case salutation.MatchString(l), i < letterDateLines && letterDate.MatchString(l):
			return "", filing.TypeLetter
		case judgesLine.MatchString(l), argued.MatchString(l):
			return "", filing.TypeOpinion
		}
	}
	return "", ""
}

// letterDateLines is how far down a letter's date stands: below a letterhead of a few
// lines, above the addressees.
const letterDateLines = 15

// argued marks the head of an appellate opinion: when the case was argued or heard, and
// the counsel who appeared ("…, for plaintiff-appellants.").
var argued = regexp.MustCompile(`(?i)^(?:argued|heard|submitted)\b.*\b(?:19|20)\d\d\b|\bfor\s+(?:plaintiffs?|defendants?|petitioners?|respondents?)?-?appell(?:ant|ee)s?\.$`)

var spacedLetters = regexp.MustCompile(`\b(?:[A-Z] ){2,}[A-Z]\b`)

// collapseSpaced writes "O R D E R" as "ORDER".
func collapseSpaced(s string) string {
	return spacedLetters.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, " ", "") })
}
