package poppler

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"golang.org/x/text/unicode/norm"
)

// minPleadingLines is how many consecutive margin numbers, counting from 1, make a page
// pleading paper. Pleading paper numbers 26 to 32 lines; a numbered list rarely runs to
// ten items with nothing but spaces after each number at one column.
const minPleadingLines = 10

// marginNumber is a line that starts with a one- or two-digit number followed by at
// least two spaces or the line end: how -layout prints a pleading-paper line number.
var marginNumber = regexp.MustCompile(`^( *)(\d{1,2})(?:  |$)`)

// CleanPage turns one page of pdftotext -layout output into a filing.Page: trailing
// spaces and blank edges dropped, pleading line numbers removed, the ECF stamp moved
// into Stamp, the text NFKC-normalised (ligatures, full-width forms).
func CleanPage(number int, text string) filing.Page {
	text = norm.NFKC.String(text)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	lines = StripLineNumbers(lines)
	text = strings.Join(lines, "\n")
	p := filing.Page{Number: number}
	// ParseStamp's patterns are costly over every page; both need one of these words.
	if !strings.Contains(text, "Filed") && !strings.Contains(text, "DktEntry") {
	} else if _, start, end, ok := filing.ParseStamp(text); ok {
		p.Stamp = strings.Join(strings.Fields(text[start:end]), " ")
		text = text[:start] + text[end:]
	}
	p.Text = strings.Trim(text, "\n")
	return p
}

// StripLineNumbers removes pleading-paper line numbers from layout lines: the longest
// run of margin numbers 1, 2, 3, … right-aligned at one column, when it is at least
// minPleadingLines long. Other lines, and numbers outside the run, are kept. The margin
// the numbers leave is then removed from every line so that the text starts at column 0.
func StripLineNumbers(lines []string) []string {
	type hit struct{ line, end int }
	var run []hit
	col := -1
	for i, l := range lines {
		m := marginNumber.FindStringSubmatchIndex(l)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(l[m[4]:m[5]])
		end := m[5]
		if n == 1 && len(run) < minPleadingLines {
			// A (re)start: an earlier short run was a list, not the margin.
			run, col = run[:0], end
		}
		if col < 0 || n != len(run)+1 || abs(end-col) > 1 {
			continue
		}
		run = append(run, hit{i, end})
	}
	if len(run) < minPleadingLines {
		return lines
	}
	out := make([]string, len(lines))
	copy(out, lines)
	for _, h := range run {
		out[h.line] = strings.Repeat(" ", h.end) + out[h.line][h.end:]
	}
	// Remove the margin: the smallest indentation of any non-blank line.
	indent := -1
	for _, l := range out {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range out {
		if len(l) >= indent && indent > 0 {
			out[i] = l[indent:]
		} else if strings.TrimSpace(l) == "" {
			out[i] = ""
		}
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
