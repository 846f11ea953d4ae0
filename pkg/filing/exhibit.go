package filing

import (
	"regexp"
	"strings"
)

// exhibitLabel finds "Exhibit 12", "Ex. A", "Exh. 3-B", "EXHIBIT C" at the start of an
// attachment description, which is how PACER and CourtListener describe exhibits.
var exhibitLabel = regexp.MustCompile(`^\W*(?i:exhibit|exh\.?|ex\.?)\s*(?i:no\.?\s*)?([0-9]+(?:[-.]?[A-Za-z0-9]+)?|[A-Z]{1,3}(?:-?[0-9]+)?)(?:$|[^A-Za-z0-9])`)

// ExhibitLabel reports whether an attachment description names an exhibit, and its
// label in a canonical form ("Exhibit 12"). A description that only mentions exhibits
// further in ("Declaration ... in support, with Exhibits") or "Exhibits to ..." is not one.
func ExhibitLabel(description string) (label string, ok bool) {
	m := exhibitLabel.FindStringSubmatch(strings.TrimSpace(description))
	if m == nil {
		return "", false
	}
	l := m[1]
	// A run of capitals is a label only when it repeats one letter (A, AA, AAA), the way
	// exhibits are lettered past Z; "EXHIBIT TO ..." is a heading, not exhibit "TO".
	if letters := strings.TrimRight(l, "-0123456789"); l[0] >= 'A' && len(letters) > 1 && strings.Trim(letters, letters[:1]) != "" {
		return "", false
	}
	return "Exhibit " + strings.ToUpper(l), true
}
