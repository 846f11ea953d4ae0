package pacerrss

import (
	"html"
	"regexp"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

var spaceComma = regexp.MustCompile(`\s+,`)

// cleanField is the clean-up applied to every string a feed yields: trimmed, white space
// collapsed, no space before a comma.
func cleanField(s string) string {
	return spaceComma.ReplaceAllString(strings.Join(strings.Fields(s), " "), ",")
}

// caseName reads the case name from an item title, which is "<docket number> <name>".
func caseName(title string) string {
	_, rest, ok := strings.Cut(strings.TrimSpace(title), " ")
	if !ok {
		return "Unknown Case Title"
	}
	return cleanField(filing.HarmonizeCaseName(html.UnescapeString(rest)))
}
