// Package quality judges the text a PDF text layer gave for one page, so that the
// extractor can decide what to do with the page: keep the text, read the page again with
// another text engine, or OCR it.
//
// A text layer goes wrong in a few recognisable ways. Word spaces given only by glyph
// positions come out as glued words (implausibly long tokens, too few spaces); wide
// ToUnicode ranges decode punctuation as control characters; a font without a Unicode
// mapping gives "(cid:NN)" runs or non-words. And a scanned page often carries a thin
// layer of real text that is not its content: the court's ECF stamp, or a few characters
// over a full-page image.
package quality

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Verdict is what to do with a page's text.
type Verdict int

const (
	// Good text is kept.
	Good Verdict = iota
	// Garbled text is there but damaged (glued words, control characters): read the page
	// with another text engine; OCR is not needed, the page is born-digital.
	Garbled
	// NoText means the page has no real text of its own — nothing, only an ECF stamp, a
	// few characters over an image, or glyph codes without meaning: OCR it.
	NoText
)

func (v Verdict) String() string {
	switch v {
	case Good:
		return "good"
	case Garbled:
		return "garbled"
	case NoText:
		return "no-text"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// Thresholds. Each is set from how the defect shows, not from a particular file.
const (
	// MinWords is the fewest real words a page with an image needs for its text layer to
	// count as the page's content rather than a stamp or caption over a scan.
	MinWords = 10
	// scanWords is the same for a page mostly covered by images (a full-page scan), where
	// a caption or a stamp block may run longer.
	scanWords = 25
	// scanCoverage is the share of the page that images must cover to call it a scan.
	scanCoverage = 0.5
	// longRun is the shortest run of letters taken for glued words: English legal words
	// stay under 22 letters ("counterclaimdefendants" is already two).
	longRun = 23
	// maxMeanToken is the longest mean token (non-space characters per whitespace-separated
	// token) taken for real text; English prose averages 5–6 with punctuation, tables of
	// docket numbers and amounts 7–8. A false alarm only costs a second reading.
	maxMeanToken = 9.0
	// minTokens is how many tokens a page needs before ratios over them mean anything.
	minTokens = 20
)

// Images is what is known about the images drawn on a page.
type Images struct {
	// Known says the rest was looked up; a zero Images means "not known".
	Known bool
	// Count is the number of images drawn (masks excluded).
	Count int
	// Coverage is the share of the page area the images cover, in [0, 1].
	Coverage float64
}

// Report is the measurements behind a verdict.
type Report struct {
	Verdict Verdict
	// Reason says why, for logs and for the per-page record: "12 control characters".
	Reason string

	Tokens     int     // whitespace-separated tokens, stamp lines excluded
	Words      int     // tokens that are real words (mostly letters, a vowel, plausible length)
	Junk       int     // tokens that are neither words nor numbers
	Long       int     // tokens holding a run of at least longRun letters
	Controls   int     // control, private-use and replacement characters
	CIDs       int     // "(cid:NN)" glyph codes
	SpaceRatio float64 // whitespace gaps per non-space character; prose ≈ 0.15–0.2
	Stamp      bool    // the page carries an ECF-style stamp line
}

// Better reports whether r is better text than o: a better verdict, or the same verdict
// with more real words.
func (r Report) Better(o Report) bool {
	if r.Verdict != o.Verdict {
		return r.Verdict < o.Verdict
	}
	return r.Words > o.Words
}

// Check judges one page's text. img says what images the page draws; pass the zero
// Images when that is not known, and a thin text layer is then judged by the text alone.
// A Stamp already moved out of the text by the engine should be passed in stamp.
func Check(text, stamp string, img Images) Report {
	body, found := stripStamps(text)
	r := Report{Stamp: found || stamp != ""}
	nonSpace, gaps := 0, 0
	inSpace := true
	for _, c := range body {
		switch {
		case c == '\n' || c == '\t' || c == '\r' || c == '\f' || unicode.IsSpace(c):
			if !inSpace {
				gaps++
			}
			inSpace = true
			continue
		case isBadRune(c):
			r.Controls++
		}
		nonSpace++
		inSpace = false
	}
	if nonSpace > 0 {
		r.SpaceRatio = float64(gaps) / float64(nonSpace)
	}
	r.CIDs = strings.Count(body, "(cid:")
	for _, tok := range strings.Fields(body) {
		r.Tokens++
		switch kind, long := classify(tok); {
		case long:
			r.Long++
			r.Junk++
		case kind == word:
			r.Words++
		case kind == junk:
			r.Junk++
		}
	}
	r.Verdict, r.Reason = decide(r, nonSpace, img)
	return r
}

func decide(r Report, nonSpace int, img Images) (Verdict, string) {
	switch {
	case r.CIDs >= 3 && r.CIDs*5 >= r.Tokens:
		return NoText, fmt.Sprintf("%d (cid:) glyph codes: the fonts have no Unicode mapping", r.CIDs)
	case r.Tokens >= minTokens && r.Junk*2 > r.Tokens && r.Long*2 < r.Junk:
		return NoText, fmt.Sprintf("junk text layer: %d of %d tokens are not words", r.Junk, r.Tokens)
	case r.Words == 0 && r.Stamp:
		return NoText, "no words besides the ECF stamp"
	case r.Words == 0:
		return NoText, "no words"
	case r.Controls >= 3 && r.Controls*200 >= nonSpace:
		return Garbled, fmt.Sprintf("%d control characters", r.Controls)
	case r.Tokens >= minTokens && r.SpaceRatio < 1/maxMeanToken:
		return Garbled, fmt.Sprintf("glued words: space ratio %.3f", r.SpaceRatio)
	case r.Long >= 3 && r.Long*20 >= r.Tokens:
		return Garbled, fmt.Sprintf("glued words: %d of %d tokens are implausibly long", r.Long, r.Tokens)
	case r.Stamp && r.Words < 3:
		return NoText, fmt.Sprintf("only an ECF stamp and %d words", r.Words)
	case img.Known && img.Coverage >= scanCoverage && r.Words < scanWords:
		return NoText, fmt.Sprintf("thin text layer (%d words) over a page-sized image", r.Words)
	case img.Known && img.Count > 0 && r.Words < MinWords:
		return NoText, fmt.Sprintf("thin text layer (%d words) over an image", r.Words)
	}
	return Good, ""
}

type tokenKind int

const (
	word tokenKind = iota
	number
	junk
)

// classify sorts a token into a word, a number-like token (amounts, dates, docket and
// section numbers, which are real content but not words) or junk, and reports whether
// it holds a run of letters too long to be one word.
func classify(tok string) (kind tokenKind, long bool) {
	orig := tok
	tok = strings.TrimFunc(tok, func(c rune) bool { return unicode.IsPunct(c) || unicode.IsSymbol(c) })
	if tok == "" {
		// Lone punctuation ("§", "—") and leaders ("........") are neither words nor junk;
		// a mix of symbols ("~#~#") is what a bad OCR layer leaves.
		if r, _ := utf8.DecodeRuneInString(orig); strings.Trim(orig, string(r)) == "" || utf8.RuneCountInString(orig) <= 2 {
			return number, false
		}
		return junk, false
	}
	letters, digits, vowels, run, maxRun := 0, 0, 0, 0, 0
	n := 0
	for _, c := range tok {
		n++
		switch {
		case unicode.IsLetter(c):
			letters++
			run++
			maxRun = max(maxRun, run)
			if strings.ContainsRune("aeiouyAEIOUY", c) || c > unicode.MaxLatin1 {
				vowels++
			}
			continue
		case unicode.IsDigit(c):
			digits++
		}
		run = 0
	}
	// URLs, e-mail addresses and file names are long without being glued.
	if maxRun >= longRun && !strings.ContainsAny(tok, "/@_.") {
		return junk, true
	}
	switch {
	case letters >= 2 && letters*10 >= n*7 && (vowels > 0 || letters <= 4):
		return word, false
	case letters == 1 && n == 1:
		return word, false // "a", "I", and initials
	case digits > 0 && digits+letters <= n && digits*2 >= letters:
		return number, false
	}
	return junk, false
}

// isBadRune reports characters no real text layer contains: C0/C1 controls other than
// white space, private-use code points (unmapped symbol-font glyphs) and U+FFFD.
func isBadRune(c rune) bool {
	switch {
	case c == utf8.RuneError:
		return true
	case unicode.IsControl(c):
		return true
	case c >= 0xE000 && c <= 0xF8FF:
		return true
	}
	return false
}

// stampKeyword matches the labelled fields of the header stamps courts put on every
// page: "Case: 21-1298 Document: 42 Page: 1 Date Filed: 08/31/2022", "Appeal: 17-2218
// Doc: 17 Filed: 10/31/2017 Pg: 1 of 1", "Case 3:20-cv-08570-JD Document 736-12 Filed …".
var stampKeyword = regexp.MustCompile(`(?i)\b(case|appeal|document|doc|dktentry|id|filed|entered|page|pg)[:.#]?\s*(no\.?\s*)?\d`)

// stripStamps removes header-stamp lines from text and reports whether it found one:
// filing.ParseStamp's forms, and any short line labelling at least three of a case,
// document, filing date and page with numbers, which covers the circuits' own forms.
func stripStamps(text string) (string, bool) {
	found := false
	// ParseStamp's patterns are costly to run over every page; both need one of these.
	if !strings.Contains(text, "Filed") && !strings.Contains(text, "DktEntry") {
	} else if _, start, end, ok := filing.ParseStamp(text); ok {
		text = text[:start] + text[end:]
		found = true
	}
	if !strings.Contains(text, "\n") && !stampLine(text) {
		return text, found
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if stampLine(l) {
			found = true
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n"), found
}

func stampLine(l string) bool {
	if len(l) > 200 {
		return false
	}
	// A stamp carries a date and numbers: skip the regexp for the many lines without.
	digits := 0
	for i := 0; i < len(l); i++ {
		if l[i] >= '0' && l[i] <= '9' {
			digits++
		}
	}
	if digits < 4 {
		return false
	}
	ms := stampKeyword.FindAllStringSubmatch(l, -1)
	if len(ms) < 3 {
		return false
	}
	seen := map[string]bool{}
	for _, m := range ms {
		seen[strings.ToLower(m[1])] = true
	}
	return len(seen) >= 3
}
