package api

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
)

// TestFeedEscapesMarkup: a case name, description, entity-bearing snippet or source URL
// carrying markup (a hostile source, a filing quoting a script) comes out of the Atom
// feed as text: no element a feed reader would run, no javascript: link.
func TestFeedEscapesMarkup(t *testing.T) {
	js, store := alerttest.Start(t)
	rule := alerttest.Create(t, store, alert.Rule{Name: `<img src=x onerror=alert(1)>`, Query: "inbox"})
	const script = `<script>alert(document.cookie)</script>`
	a := alerttest.Publish(t, js, rule, alert.Alert{DocID: "cand/3:20-cv-08570/736/12", Kind: alert.NewlyFiled,
		CaseName: "Doe v. " + script, Docket: "3:20-cv-08570", ExhibitLabel: `Exhibit "<b>1</b>"`,
		Description: script, Page: 3,
		Snippet:   `the <mark>Inbox</mark> of ` + script + ` &lt;i&gt;Meta&lt;/i&gt; <a href="javascript:alert(1)">x</a>`,
		SourceURL: "javascript:alert(1)"})
	alerttest.PublishDigest(t, js, rule, alert.Day(time.Now()), []alert.Alert{a})

	srv := serve(t, func(mux *http.ServeMux) {
		AlertRoutes(mux, AlertDeps{Store: store, JS: js, Token: "tok", BaseURL: "http://dw.test"})
	})
	code, raw := send(t, srv, "GET", "/api/v1/alerts/"+rule.ID+"/feed.atom", "", "")
	if code != 200 {
		t.Fatalf("feed: %d %s", code, raw)
	}
	if strings.Contains(string(raw), "<script") || strings.Contains(string(raw), "<img") || strings.Contains(string(raw), "<b>") {
		t.Fatalf("raw feed carries markup:\n%s", raw)
	}
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			Summary struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"summary"`
			Links []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(raw, &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != 2 {
		t.Fatalf("got %d entries; want the alert and the digest", len(feed.Entries))
	}
	for _, e := range feed.Entries {
		// A summary of type html is HTML once the XML is read: it may hold <mark> and
		// <ul>/<li>, and nothing else.
		if e.Summary.Type != "html" {
			t.Errorf("summary type %q", e.Summary.Type)
		}
		html := e.Summary.Body
		for _, bad := range []string{"<script", "<a ", "<img", "<i>", "<b>", "javascript:"} {
			if strings.Contains(html, bad) && !(bad == "javascript:" && strings.Contains(html, "&#34;javascript:")) {
				t.Errorf("summary HTML holds %q: %s", bad, html)
			}
		}
		if !strings.Contains(html, "<mark>Inbox</mark>") || !strings.Contains(html, "&lt;script&gt;") {
			t.Errorf("summary HTML %q; want the match marked and the script as text", html)
		}
		for _, l := range e.Links {
			if strings.HasPrefix(strings.ToLower(l.Href), "javascript") {
				t.Errorf("entry links to %q", l.Href)
			}
		}
	}
	// The alert's entry links to the document's web page at its page, though the alert
	// itself carries no link (an alerter without --base-url).
	alertEntry := feed.Entries[1] // newest first: the digest, then the alert
	if want := "http://dw.test/doc/cand/3:20-cv-08570/736/12?page=3#page-3"; len(alertEntry.Links) == 0 || alertEntry.Links[0].Href != want {
		t.Errorf("alert entry links %+v; want %s first", alertEntry.Links, want)
	}
	// Titles are Atom text: the reader shows them as written, markup included, as text.
	if !strings.Contains(feed.Entries[0].Title+feed.Entries[1].Title, script) {
		t.Errorf("titles %q, %q; want the case name as written", feed.Entries[0].Title, feed.Entries[1].Title)
	}
}

func TestSafeLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.courtlistener.com/docket/1/": "https://www.courtlistener.com/docket/1/",
		"/doc/cand/1?page=2":                      "/doc/cand/1?page=2",
		"javascript:alert(1)":                     "",
		" JavaScript:alert(1)":                    "",
		"data:text/html,<script>":                 "",
		"//evil.example/x":                        "",
		"http:///nohost":                          "",
	} {
		if got := SafeLink(in); got != want {
			t.Errorf("SafeLink(%q) = %q; want %q", in, got, want)
		}
	}
}
