package api

import (
	"html"
	"net/url"
	"strings"
)

// MarkedHTML makes a snippet from the index safe to embed as HTML (a web page, an Atom
// entry of type html): the index sends HTML-escaped text with its matches in <mark>, and
// only those two tags survive; anything else that looks like markup (text a filing or a
// hostile source put there, a buggy index owner) comes out escaped.
func MarkedHTML(s string) string {
	const open, close = "\x00", "\x01"
	s = strings.ReplaceAll(s, open, "")
	s = strings.ReplaceAll(s, close, "")
	s = strings.ReplaceAll(s, "<mark>", open)
	s = strings.ReplaceAll(s, "</mark>", close)
	// Unescape then escape once: entities the index wrote survive, stray markup does not.
	s = html.EscapeString(html.UnescapeString(s))
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch string(r) {
		case open:
			if depth == 0 {
				b.WriteString("<mark>")
			}
			depth++
		case close:
			if depth > 0 {
				depth--
				if depth == 0 {
					b.WriteString("</mark>")
				}
			}
		default:
			b.WriteRune(r)
		}
	}
	if depth > 0 {
		b.WriteString("</mark>")
	}
	return b.String()
}

// SafeLink returns href if it is an absolute http(s) URL or a local path, else "": a
// source URL is data from outside, and a javascript: link in a feed runs in its reader.
func SafeLink(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	switch {
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return u.String()
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(href, "//"):
		return u.String()
	}
	return ""
}
