package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/docketwatch/docketwatch/services/api"
)

// pageNames are the templates, each parsed with the layout into a set of its own, so
// that every page defines the same "content" block.
var pageNames = []string{"search", "document", "alerts", "alert_new", "status", "error", "login"}

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
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"pct":        func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"rangeLabel": rangeLabel,
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

// marked makes a snippet from the index safe to show (api.MarkedHTML): only its <mark>
// tags survive.
func marked(s string) template.HTML {
	return template.HTML(api.MarkedHTML(s))
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
