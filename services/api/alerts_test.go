package api

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

func TestAlertRoutes(t *testing.T) {
	js, store := alerttest.Start(t)
	srv := serve(t, func(mux *http.ServeMux) {
		AlertRoutes(mux, AlertDeps{Store: store, JS: js, Token: "tok", BaseURL: "http://dw.test", Log: slog.New(slog.DiscardHandler)})
	})
	const rule = `{"name":"inbox","query":"\"Inbox API\"","filters":{"exhibits_only":true},
		"webhook":{"url":"https://hooks.example.com/dw","secret":"s3cret"}}`
	tests := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"no token", "POST", "/api/v1/alerts", "", rule, http.StatusUnauthorized},
		{"wrong token", "POST", "/api/v1/alerts", "nope", rule, http.StatusForbidden},
		{"non-web port", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":"x","webhook":{"url":"http://127.0.0.1:9/","secret":"s"}}`, http.StatusBadRequest},
		{"not http", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":"x","webhook":{"url":"gopher://hooks.example.com/","secret":"s"}}`, http.StatusBadRequest},
		// Whether a private address may be reached is the delivering server's decision
		// (its webhook-allow-private), not the saving API's.
		{"private webhook", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":"x","webhook":{"url":"http://10.0.0.5:8080/","secret":"s"}}`, http.StatusCreated},
		{"empty query", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":" "}`, http.StatusBadRequest},
		{"unknown field", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":"x","id":"0000000000000001"}`, http.StatusBadRequest},
		{"unknown rule", "GET", "/api/v1/alerts/0000000000000001", "", "", http.StatusNotFound},
		{"delete without token", "DELETE", "/api/v1/alerts/0000000000000001", "", "", http.StatusUnauthorized},
		{"delete wrong token", "DELETE", "/api/v1/alerts/0000000000000001", "nope", "", http.StatusForbidden},
		{"enable without token", "POST", "/api/v1/alerts/0000000000000001/enable", "", "", http.StatusUnauthorized},
		{"oversized rule", "POST", "/api/v1/alerts", "tok", `{"name":"x","query":"` + strings.Repeat("a", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, body := send(t, srv, tt.method, tt.path, tt.token, tt.body); got != tt.want {
				t.Errorf("got %d %s; want %d", got, body, tt.want)
			}
		})
	}

	code, body := send(t, srv, "POST", "/api/v1/alerts", "tok", rule)
	if code != http.StatusCreated {
		t.Fatalf("got %d %s; want 201", code, body)
	}
	var created alert.Rule
	json.Unmarshal(body, &created)
	if created.Webhook == nil || created.Webhook.Secret != "s3cret" || !alert.ValidID(created.ID) {
		t.Fatalf("got %+v; want the rule with its id and secret", created)
	}
	_, body = send(t, srv, "GET", "/api/v1/alerts", "", "")
	if strings.Contains(string(body), "s3cret") || !strings.Contains(string(body), created.ID) {
		t.Errorf("list: got %s; want the rule without its secret", body)
	}

	doc := filing.DocID("cand/3:20-cv-08570/736/12")
	a := alerttest.Publish(t, js, created, alert.Alert{RuleName: "inbox", DocID: doc, Kind: alert.NewlyFiled,
		Docket: "3:20-cv-08570", ExhibitLabel: "Exhibit 12", Terms: []string{"Inbox", "API"}, Page: 2,
		Snippet: "the <mark>Inbox</mark> <mark>API</mark> &amp; more", Link: "http://dw.test/api/v1/documents/x?page=2"})
	code, body = send(t, srv, "GET", "/api/v1/alerts/"+created.ID+"/feed.atom", "", "")
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			ID      string `xml:"id"`
			Summary string `xml:"summary"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &feed); code != http.StatusOK || err != nil {
		t.Fatalf("feed: got %d %v %s", code, err, body)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].ID != "urn:docketwatch:alert:"+a.ID ||
		!strings.Contains(feed.Entries[0].Summary, "Page 2: the <mark>Inbox</mark>") || feed.Entries[0].Link.Href != a.Link {
		t.Errorf("feed: got %+v; want the alert with its page, snippet and link", feed)
	}

	if code, _ := send(t, srv, "DELETE", "/api/v1/alerts/"+created.ID, "tok", ""); code != http.StatusNoContent {
		t.Errorf("delete: got %d; want 204", code)
	}
	if code, _ := send(t, srv, "GET", "/api/v1/alerts/"+created.ID, "", ""); code != http.StatusNotFound {
		t.Errorf("after delete: got %d; want 404", code)
	}
}

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
