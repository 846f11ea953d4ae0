package poppler

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

func TestStripLineNumbersPleading(t *testing.T) {
	raw := string(testfile.Read(t, "testdata", "azd-1085839-page1.layout.txt"))
	lines := strings.Split(raw, "\n")
	got := StripLineNumbers(lines)
	margin := regexp.MustCompile(`^\s*\d{1,2}(\s{2,}|$)`)
	for i, l := range got {
		if margin.MatchString(l) {
			t.Errorf("line %d still starts with a margin number: %q", i+1, l)
		}
	}
	// Only the numbers go: every other word of the page is kept, in order.
	wantWords := regexp.MustCompile(`(?m)^\s*\d{1,2}\b`).ReplaceAllString(raw, "")
	if w, g := strings.Fields(wantWords), strings.Fields(strings.Join(got, "\n")); strings.Join(w, " ") != strings.Join(g, " ") {
		t.Errorf("words changed:\ngot  %q\nwant %q", g, w)
	}
	// The margin is gone: the least indented line starts at column 0.
	if !hasLineAtColumn0(got) {
		t.Errorf("no line starts at column 0 after stripping:\n%s", strings.Join(got, "\n"))
	}
}

func hasLineAtColumn0(lines []string) bool {
	for _, l := range lines {
		if l != "" && l[0] != ' ' {
			return true
		}
	}
	return false
}

func TestStripLineNumbersKeeps(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{name: "short numbered list", lines: []string{
			"The Court orders:",
			"1   the motion is granted;",
			"2   the hearing is vacated;",
			"3   the parties shall confer.",
		}},
		{name: "numbers out of order", lines: numbered(12, func(i int) int { return 12 - i })},
		{name: "numbers glued to words", lines: []string{"1 a", "2 b", "3 c", "4 d", "5 e", "6 f", "7 g", "8 h", "9 i", "10 j", "11 k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StripLineNumbers(tt.lines)
			if strings.Join(got, "\n") != strings.Join(tt.lines, "\n") {
				t.Fatalf("got %q; want the lines unchanged", got)
			}
		})
	}
}

func numbered(n int, num func(int) int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%4d     text of the line", num(i)))
	}
	return out
}

func TestCleanPage(t *testing.T) {
	text := "   Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2   \n\n" +
		"The ﬁrst amended complaint, No. 3:21-cv-03977-JD, is dismissed.   \n\n"
	p := CleanPage(4, text)
	if p.Number != 4 {
		t.Errorf("number: got %d; want 4", p.Number)
	}
	if p.Stamp != "Case 3:20-cv-08570-JD Document 736-12 Filed 04/15/24 Page 1 of 2" {
		t.Errorf("stamp: got %q", p.Stamp)
	}
	if strings.Contains(p.Text, "Document 736") || strings.HasPrefix(p.Text, "\n") || strings.HasSuffix(p.Text, " ") {
		t.Errorf("text: got %q; want the stamp and the blank edges gone", p.Text)
	}
	if !strings.Contains(p.Text, "The first amended complaint, No. 3:21-cv-03977-JD") {
		t.Errorf("text: got %q; want the ligature normalised and the docket number intact", p.Text)
	}
}
