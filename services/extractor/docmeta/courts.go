package docmeta

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// courts.tsv is derived from courts-db (freelawproject/courts-db @ b8918b528a45,
// BSD-2-Clause, see COURTS-DB-LICENSE) by gen_courts.go: every court with the regexes that
// recognise its name, courts-db's ${variables} substituted, each with the literals every
// match of it holds.
//
//go:embed courts.tsv
var courtsData string

// Court is one court as courts-db knows it.
type Court struct {
	// ID is the CourtListener court id ("cacd", "ca9", "nysb").
	ID       string
	Name     string
	Citation string
	// Type is courts-db's: "trial", "appellate", "bankruptcy", "special"…
	Type   string
	System string
	Ended  bool

	patterns []pattern // a slice of the table's one array of patterns
}

// pattern is one of a court's regexes, compiled on first use and tried only on text that
// holds the literals every match holds ("california" in "${usdc} ${cd} California"), so
// that a caption costs a few regex runs instead of thousands.
type pattern struct {
	src      string
	literals []string
	once     sync.Once
	re       *regexp.Regexp
}

func (p *pattern) match(lower, text string) []int {
	for _, l := range p.literals {
		if !strings.Contains(lower, l) {
			return nil
		}
	}
	p.once.Do(func() { p.re, _ = regexp.Compile(`(?i)` + p.src) })
	if p.re == nil {
		return nil
	}
	return p.re.FindStringIndex(text)
}

type courtTable struct {
	courts []*Court
	byID   map[string]*Court
	err    error
}

// courtsTable reads the table once per process (about 2,500 courts and 5,500 regexes,
// each regex compiled on first use).
var courtsTable = sync.OnceValue(readCourtsTable)

// readCourtsTable reads courts.tsv into one array of courts and one of patterns (a few
// large allocations rather than one per line: this runs in every extracting process).
func readCourtsTable() *courtTable {
	nPatterns := strings.Count(courtsData, "\n\t")
	nCourts := strings.Count(courtsData, "\n") - nPatterns
	t := &courtTable{courts: make([]*Court, 0, nCourts), byID: make(map[string]*Court, nCourts)}
	courts, patterns := make([]Court, 0, nCourts), make([]pattern, 0, nPatterns)
	literals := make([]string, 0, strings.Count(courtsData, "\t")) // more than enough
	var c *Court
	for line := range strings.Lines(courtsData) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "\t"); ok && c != nil && len(patterns) < nPatterns {
			src, lits, _ := strings.Cut(rest, "\t")
			start := len(literals)
			for l := range strings.SplitSeq(lits, "\t") {
				if l != "" {
					literals = append(literals, l)
				}
			}
			patterns = append(patterns, pattern{src: src, literals: literals[start:len(literals):len(literals)]})
			c.patterns = patterns[len(patterns)-len(c.patterns)-1:]
			continue
		}
		var f [6]string
		n := 0
		for field := range strings.SplitSeq(line, "\t") {
			if n < len(f) {
				f[n] = field
			}
			n++
		}
		if n != len(f) || f[0] == "" || len(courts) == nCourts {
			t.err = fmt.Errorf("reading courts table: malformed line %q", line)
			return t
		}
		courts = append(courts, Court{ID: f[0], Name: f[1], Citation: f[2], Type: f[3], System: f[4], Ended: f[5] == "1"})
		c = &courts[len(courts)-1]
		t.courts = append(t.courts, c)
		t.byID[c.ID] = c
	}
	return t
}

// CourtByID returns the court with a CourtListener id.
func CourtByID(id string) (*Court, bool) {
	c, ok := courtsTable().byID[id]
	return c, ok
}

// FindCourt names the court in a caption line ("UNITED STATES DISTRICT COURT FOR THE
// CENTRAL DISTRICT OF CALIFORNIA"). Like courts-db, it keeps bankruptcy courts for text
// that says "bankruptcy" and only then; among several matches the longest wins (the most
// specific name), then a court that still sits.
func FindCourt(text string) (*Court, bool) {
	t := courtsTable()
	if t.err != nil {
		return nil, false
	}
	s := normaliseCourtText(turnPACERDistrict(usAbbrev.ReplaceAllString(text, "United States $1")))
	lower := strings.ToLower(s)
	bankruptcy := strings.Contains(lower, "bankruptcy")
	var best *Court
	bestLen := 0
	for _, c := range t.courts {
		if (c.Type == "bankruptcy") != bankruptcy || genericCourts[c.ID] {
			continue
		}
		for i := range c.patterns {
			loc := c.patterns[i].match(lower, s)
			if loc == nil {
				continue
			}
			n := loc[1] - loc[0]
			if n > bestLen || (n == bestLen && best != nil && best.Ended && !c.Ended) {
				best, bestLen = c, n
			}
		}
	}
	// A match of a few letters is a fragment ("Court of Appeals"), not a court's name.
	return best, best != nil && bestLen >= 12
}

// usAbbrev is "U.S." before a kind of court ("U.S. BANKRUPTCY COURT"), which not every
// pattern of courts-db allows for.
var usAbbrev = regexp.MustCompile(`(?i)\bU\.\s?S\.\s+(bankruptcy|district|court)\b`)

// genericCourts are courts-db entries for a kind of court rather than a court ("United
// States District Court"): a caption that names only the kind names no court.
var genericCourts = map[string]bool{"usdistct": true}

// pacerDistrict is how PACER's notices name a district ("California Northern District"),
// turned round to the name courts-db knows ("Northern District of California").
var pacerDistrict = regexp.MustCompile(`\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) (Northern|Southern|Eastern|Western|Middle|Central) District\b`)

func turnPACERDistrict(text string) string {
	loc := pacerDistrict.FindStringSubmatchIndex(text)
	if loc == nil || strings.HasPrefix(text[loc[1]:], " of") {
		return text
	}
	state, start := text[loc[2]:loc[3]], loc[2]
	// The name before the state may end in "Court": "U.S. District Court California …".
	if first, rest, ok := strings.Cut(state, " "); ok && (first == "Court" || first == "The" || first == "For") {
		state, start = rest, start+len(first)+1
	}
	if state == "Court" || state == "The" || state == "For" {
		return text
	}
	return text[:start] + text[loc[4]:loc[5]] + " District of " + state + text[loc[1]:]
}

// normaliseCourtText turns a caption into the form courts-db's patterns expect: one line,
// punctuation other than periods gone, single spaces.
func normaliseCourtText(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '&':
			b.WriteRune(r)
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
