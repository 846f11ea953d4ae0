package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// pageNames are the templates, each parsed with the layout into a set of its own, so
// that every page defines the same "content" block.
var pageNames = []string{"search", "document", "alerts", "alert_new", "status", "error"}

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"marked": marked,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.DateOnly)
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"plural": func(n any, one, many string) string {
			if fmt.Sprint(n) == "1" {
				return one
			}
			return many
		},
		"add": func(a, b int) int { return a + b },
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
		out[name] = t
	}
	return out
}

// marked makes a snippet from the index safe to show: the index sends HTML-escaped text
// with its matches in <mark>, and only those two tags survive here; anything else that
// looks like markup (a snippet built by a buggy or hostile index owner) is escaped.
func marked(s string) template.HTML {
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
	return template.HTML(b.String())
}

// ago says how long before now t was, roughly, for freshness columns.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in " + roughly(-d)
	case d < 5*time.Second:
		return "just now"
	}
	return roughly(d) + " ago"
}

func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
