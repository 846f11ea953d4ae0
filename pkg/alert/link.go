package alert

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// DocumentPath is the path of a document's web page ("/doc/cand/3:20-cv-08570/736/12"),
// each part of its id escaped.
func DocumentPath(id filing.DocID) string {
	parts := strings.Split(string(id), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/doc/" + strings.Join(parts, "/")
}

// DocumentLink is the address of a document's web page at page (0: its first), under
// base, the public address of the web UI; without a base there is no link (an alert
// cannot know where users reach the server), and it returns "".
func DocumentLink(base string, id filing.DocID, page int) string {
	if base == "" {
		return ""
	}
	link := strings.TrimSuffix(base, "/") + DocumentPath(id)
	if page > 0 {
		link += "?page=" + strconv.Itoa(page) + "#page-" + strconv.Itoa(page)
	}
	return link
}

// PlainSnippet renders an HTML snippet (escaped text, matches in <mark>) as plain text
// for places that show text, not HTML (a webhook's snippet_text, a plain-text email):
// the matches in [brackets], entities decoded.
func PlainSnippet(snippet string) string {
	s := strings.NewReplacer("<mark>", "[", "</mark>", "]").Replace(snippet)
	return html.UnescapeString(s)
}
