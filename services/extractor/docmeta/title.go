package docmeta

import (
	"regexp"
	"strings"

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
		{regexp.MustCompile(`(?i)\bnotice\s+of\s+(?:\w+\s+){0,3}motion\b`), filing.TypeMotion},
		{regexp.MustCompile(`(?i)^\W*(?:proposed\W*)?(?:memorandum|brief)\b.*\b(?:in\s+)?opposition\b`), filing.TypeOpposition},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|brief)\b.*\breply\b`), filing.TypeReply},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|decision)\s+(?:and|&)\s+order\b`), filing.TypeOrder},
		{regexp.MustCompile(`(?i)^\W*(?:memorandum|decision)\s+(?:opinion|and\s+opinion)\b`), filing.TypeOpinion},
		{regexp.MustCompile(`(?i)^\W*(?:response|objections?)\b.*\b(?:to|opposing)\b.*\bmotion\b`), filing.TypeOpposition},
		{regexp.MustCompile(`(?i)\bminute\s+(?:entry|entries)\b|\bminutes\b|\bcivil\s+minutes\b`), filing.TypeMinuteEntry},
		{regexp.MustCompile(`(?i)\b(?:notice\s+of\s+)?(?:entry\s+of\s+)?appearance\b`), filing.TypeNotice},
		{regexp.MustCompile(`(?i)\(slip opinion\)|\bt\.\s?c\.\s+memo\b|\bper\s+curiam\b`), filing.TypeOpinion},
	}
	typeWords = []struct {
		re  *regexp.Regexp
		typ filing.DocType
	}{
		{regexp.MustCompile(`(?i)\bcomplaint\b`), filing.TypeComplaint},
		{regexp.MustCompile(`(?i)\banswer\b`), filing.TypeAnswer},
		{regexp.MustCompile(`(?i)\bmotion\b|\bapplication\s+(?:for|to)\b|\bpetition\s+for\b`), filing.TypeMotion},
		{regexp.MustCompile(`(?i)\bopposition\b`), filing.TypeOpposition},
		{regexp.MustCompile(`(?i)\breply\b`), filing.TypeReply},
		{regexp.MustCompile(`(?i)\bmemorandum\b`), filing.TypeMemorandum},
		{regexp.MustCompile(`(?i)\border\b|\bo\s?r\s?d\s?e\s?r\b`), filing.TypeOrder},
		{regexp.MustCompile(`(?i)\bopinion\b`), filing.TypeOpinion},
		{regexp.MustCompile(`(?i)\bjudgment\b|\bjudgement\b`), filing.TypeJudgment},
		{regexp.MustCompile(`(?i)\bdeclaration\b|\baffidavit\b`), filing.TypeDeclaration},
		{regexp.MustCompile(`(?i)^\W*exhibit\b`), filing.TypeExhibit},
		{regexp.MustCompile(`(?i)\bbrief\b`), filing.TypeBrief},
		{regexp.MustCompile(`(?i)\bnotice\b|\bsummons\b|\bproof\s+of\s+service\b|\bcertificate\s+of\s+service\b`), filing.TypeNotice},
		{regexp.MustCompile(`(?i)\bstipulat(?:ion|ed)\b`), filing.TypeStipulation},
		{regexp.MustCompile(`(?i)\btranscript\b`), filing.TypeTranscript},
		{regexp.MustCompile(`(?i)\b(?:affirmed|reversed|vacated|remanded|dismissed)\b`), filing.TypeOpinion},
	}
	salutation = regexp.MustCompile(`^(?:Dear\s|To\s+All\s+Parties|Re:|RE:)`)
	judgesLine = regexp.MustCompile(`^Before\b.*|.*\b(?:Circuit|District|Chief)\s+Judges?\b.*`)
)

// Classify returns the type a title names, TypeOther when it names none.
func Classify(title string) filing.DocType {
	title = strings.Join(strings.Fields(title), " ")
	for _, c := range typeCombos {
		if c.re.MatchString(title) {
			return c.typ
		}
	}
	best, at := filing.TypeOther, len(title)+1
	for _, w := range typeWords {
		if loc := w.re.FindStringIndex(title); loc != nil && loc[0] < at {
			best, at = w.typ, loc[0]
		}
	}
	return best
}

// titleBlock finds the title of a document among the top lines of its first page: the
// first line in capitals (with the capital lines that continue it) that names a type.
// Without one, a letter is known by its salutation and an opinion by its panel of judges.
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
	for _, l := range lines {
		switch {
		case Classify(l) == filing.TypeOpinion && len(strings.Fields(l)) <= 6:
			return collapseSpaced(l), filing.TypeOpinion
		case salutation.MatchString(l):
			return "", filing.TypeLetter
		case judgesLine.MatchString(l), argued.MatchString(l):
			return "", filing.TypeOpinion
		}
	}
	return "", ""
}

// argued marks the head of an appellate opinion: when the case was argued or heard, and
// the counsel who appeared ("…, for plaintiff-appellants.").
var argued = regexp.MustCompile(`(?i)^(?:argued|heard|submitted)\b.*\b(?:19|20)\d\d\b|\bfor\s+(?:plaintiffs?|defendants?|petitioners?|respondents?)?-?appell(?:ant|ee)s?\.$`)

var spacedLetters = regexp.MustCompile(`\b(?:[A-Z] ){2,}[A-Z]\b`)

// collapseSpaced writes "O R D E R" as "ORDER".
func collapseSpaced(s string) string {
	return spacedLetters.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, " ", "") })
}
