package docmeta

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// courts.tsv is derived from courts-db (freelawproject/courts-db @ b8918b528a45,
// BSD-2-Clause, see COURTS-DB-LICENSE) by gen_courts.go: every court with the regexes that
// recognise its name, courts-db's ${variables} substituted, each with the literals every
// match of it holds by their number in courts_literals.txt, which lists them sorted.
var (
	//go:embed courts.tsv
	courtsData string
	//go:embed courts_literals.txt
	courtLiteralsData string
)

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
}

// pattern is one of a court's regexes, compiled on first use and tried only on text that
// holds the literals every match holds ("california" in "${usdc} ${cd} California";
// literalFilter finds them), so that a caption costs a few regex runs instead of
// thousands.
type pattern struct {
	src      string
	court    *Court
	literals []int32 // indices into courtTable.literals
	once     sync.Once
	re       *regexp.Regexp
}

func (p *pattern) match(text string) []int {
	p.once.Do(func() { p.re, _ = regexp.Compile(`(?i)` + p.src) })
	if p.re == nil {
		return nil
	}
	return p.re.FindStringIndex(text)
}

type courtTable struct {
	courts []*Court
	byID   map[string]*Court
	// patterns are all courts' patterns, court after court in the table's order, which
	// is the order bestCourt tries them in.
	patterns []pattern
	// literals are the patterns' distinct literals (courts_literals.txt); filter finds
	// them in a text.
	literals []string
	filter   literalFilter
	err      error
}

// courtsTable reads the table once per process (about 2,500 courts and 5,500 regexes,
// each regex compiled on first use).
var courtsTable = sync.OnceValue(readCourtsTable)

// readCourtsTable reads courts.tsv into one array of courts and one of patterns (a few
// large allocations rather than one per line: this runs in every extracting process),
// and builds the literal filter of courts_literals.txt.
func readCourtsTable() *courtTable {
	t, err := readCourts()
	if err != nil {
		return &courtTable{err: fmt.Errorf("reading courts table: %w", err)}
	}
	return t
}

func readCourts() (*courtTable, error) {
	nPatterns := strings.Count(courtsData, "\n\t")
	nCourts := strings.Count(courtsData, "\n") - nPatterns
	t := &courtTable{courts: make([]*Court, 0, nCourts), byID: make(map[string]*Court, nCourts),
		literals: make([]string, 0, strings.Count(courtLiteralsData, "\n"))}
	for line := range strings.Lines(courtLiteralsData) {
		t.literals = append(t.literals, strings.TrimSuffix(line, "\n"))
	}
	courts, patterns := make([]Court, 0, nCourts), make([]pattern, 0, nPatterns)
	literalIDs := make([]int32, 0, strings.Count(courtsData, "\t")) // more than enough
	var c *Court
	for line := range strings.Lines(courtsData) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "\t"); ok && c != nil && len(patterns) < nPatterns {
			src, ids, _ := strings.Cut(rest, "\t")
			start := len(literalIDs)
			for n := range strings.SplitSeq(ids, "\t") {
				if n == "" {
					continue
				}
				id, err := strconv.ParseInt(n, 10, 32)
				if err != nil || id < 0 || int(id) >= len(t.literals) {
					return nil, fmt.Errorf("line %q: no literal %q", line, n)
				}
				literalIDs = append(literalIDs, int32(id))
			}
			patterns = append(patterns, pattern{src: src, court: c, literals: literalIDs[start:len(literalIDs):len(literalIDs)]})
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
			return nil, fmt.Errorf("malformed line %q", line)
		}
		courts = append(courts, Court{ID: f[0], Name: f[1], Citation: f[2], Type: f[3], System: f[4], Ended: f[5] == "1"})
		c = &courts[len(courts)-1]
		t.courts = append(t.courts, c)
		t.byID[c.ID] = c
	}
	t.patterns = patterns
	var err error
	if t.filter, err = newLiteralFilter(t.literals, patterns); err != nil {
		return nil, err
	}
	return t, nil
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
	var buf [256]int32 // a district caption has about 80 candidates
	return t.bestCourt(s, lower, t.filter.appendCandidates(buf[:0], t.patterns, lower))
}

// bestCourt runs the candidate patterns (indices into t.patterns, ascending) on s, the
// caption in courts-db's form, lower in lower case.
func (t *courtTable) bestCourt(s, lower string, candidates []int32) (*Court, bool) {
	bankruptcy := strings.Contains(lower, "bankruptcy")
	var best *Court
	bestLen := 0
	for _, i := range candidates {
		p := &t.patterns[i]
		c := p.court
		if (c.Type == "bankruptcy") != bankruptcy || genericCourts[c.ID] {
			continue
		}
		loc := p.match(s)
		if loc == nil {
			continue
		}
		n := loc[1] - loc[0]
		if n > bestLen || (n == bestLen && best != nil && best.Ended && !c.Ended) {
			best, bestLen = c, n
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
