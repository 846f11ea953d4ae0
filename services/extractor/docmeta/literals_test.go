package docmeta

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// containsCandidates is the filter literalFilter replaced: the patterns whose literals
// strings.Contains finds in lower, ascending.
func containsCandidates(t *courtTable, lower string) []int32 {
	has := make([]bool, len(t.literals))
	for l, s := range t.literals {
		has[l] = strings.Contains(lower, s)
	}
	var keep []int32
next:
	for i := range t.patterns {
		for _, l := range t.patterns[i].literals {
			if !has[l] {
				continue next
			}
		}
		keep = append(keep, int32(i))
	}
	return keep
}

// testLines are real text to look for courts in: every line of the repository's test
// data (services/*/testdata and services/extractor/*/testdata; JSON's escaped newlines
// end lines too), each short line that holds a court word joined with the two after it,
// as captionCourt joins a caption's lines, and every court's name.
func testLines(t *testing.T, tab *courtTable) []string {
	t.Helper()
	seen := map[string]bool{}
	var lines []string
	add := func(l string) {
		if l = strings.TrimSpace(l); l != "" && !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil || bytes.IndexByte(b, 0) >= 0 { // PDFs and other binary files
			return err
		}
		text := strings.Split(strings.ReplaceAll(string(b), `\n`, "\n"), "\n")
		for i, l := range text {
			add(l)
			if len(l) < 120 && courtWord.MatchString(l) {
				add(strings.Join(text[i:min(i+3, len(text))], " "))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.courts {
		add(c.Name)
	}
	if len(lines) < 10000 {
		t.Fatalf("%d lines of test data; the walk from %s missed some", len(lines), "../..")
	}
	return lines
}

// TestLiteralFilterKeepsWhatContainsKeeps checks that the automaton's filter keeps the
// same patterns as a strings.Contains per literal, and FindCourt so the same court, on
// real text: lowercased as it stands (commas, apostrophes: some literals hold them) and
// in the form FindCourt reads.
func TestLiteralFilterKeepsWhatContainsKeeps(t *testing.T) {
	tab := courtsTable()
	if tab.err != nil {
		t.Fatal(tab.err)
	}
	lines := testLines(t, tab)
	stride := 1
	if testing.Short() {
		stride = 7 // about 2,500 lines; all take some seconds
	}
	kept, failures := 0, 0
	// filtered checks the filter on lower once, and returns what it keeps.
	filtered := map[string][]int32{}
	filter := func(lower string) []int32 {
		if want, ok := filtered[lower]; ok {
			return want
		}
		want := containsCandidates(tab, lower)
		filtered[lower] = want
		kept += len(want)
		got := tab.filter.appendCandidates(nil, tab.patterns, lower)
		if slices.Equal(got, want) {
			return want
		}
		for _, i := range want {
			if !slices.Contains(got, i) {
				t.Errorf("%q: pattern %d (%s, %q) dropped", lower, i, tab.patterns[i].court.ID, tab.patterns[i].src)
			}
		}
		for _, i := range got {
			if !slices.Contains(want, i) {
				t.Errorf("%q: pattern %d (%s, %q) kept, without its literals", lower, i, tab.patterns[i].court.ID, tab.patterns[i].src)
			}
		}
		if failures++; failures > 10 {
			t.Fatal("too many differences")
		}
		return want
	}
	for n := 0; n < len(lines); n += stride {
		line := lines[n]
		filter(strings.ToLower(line))
		s := normaliseCourtText(turnPACERDistrict(usAbbrev.ReplaceAllString(line, "United States $1")))
		want := filter(strings.ToLower(s))
		if !courtWord.MatchString(line) {
			continue // the regexes run only where a caption is read
		}
		got, gotOK := FindCourt(line)
		court, ok := tab.bestCourt(s, strings.ToLower(s), want)
		if got != court || gotOK != ok {
			t.Errorf("FindCourt(%q) = %v, %v; with strings.Contains %v, %v", line, got, gotOK, court, ok)
		}
	}
	if kept == 0 {
		t.Fatal("no pattern kept on any line")
	}
}
