package filing

import (
	"regexp"
	"strings"
)

// exhibitLabel finds "Exhibit 12", "Ex. A", "Exh. 3-B", "EXHIBIT C" at the start of an
// attachment description, which is how PACER and CourtListener describe exhibits.
var exhibitLabel = regexp.MustCompile(`(?i)^\W*(exhibits?|exh?\.?|ex)\s*(no\.?\s*)?([0-9]+[A-Z0-9-]*|[A-Z]{1,3}(-[0-9A-Z]+)?)\b`)

// ExhibitLabel reports whether an attachment description names an exhibit, and its
// label in a canonical form ("Exhibit 12"). A description that only mentions an exhibit
// further in ("Declaration ... in support, with Exhibits") is not one.
func ExhibitLabel(description string) (label string, ok bool) {
	m := exhibitLabel.FindStringSubmatch(strings.TrimSpace(description))
	if m == nil {
		return "", false
	}
	return "Exhibit " + strings.ToUpper(m[3]), true
}
