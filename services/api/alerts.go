package api

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/nats-io/nats.go/jetstream"
)

// AlertDeps are what the alert endpoints call.
type AlertDeps struct {
	// Store keeps the rules (alert.OpenStore: the "rules" and "retries" buckets).
	Store *alert.Store
	// JS reads ALERTS for the Atom feeds.
	JS jetstream.JetStream
	// Check compiles a rule's query (the alerter's rules.Compile against the index
	// mapping), so that a rule that could never match is refused when saved, with the
	// reason. nil accepts any query.
	Check func(alert.Rule) error
	// Token authorises the write calls (Authorization: Bearer TOKEN). Empty refuses
	// every write: a rule can send requests anywhere, so it is never anonymous.
	Token string
	// BaseURL is the API's public address, for the feeds' self links.
	BaseURL string
	Log     *slog.Logger
	// FeedWindow bounds how far back a feed reads (default 90 days); FeedSize is its
	// number of entries (default 50).
	FeedWindow time.Duration
	FeedSize   int
}

// AlertRoutes adds /api/v1/alerts to mux:
//
//	GET    /api/v1/alerts                 the rules (webhook secrets redacted)
//	POST   /api/v1/alerts                 create a rule (token); answers it with its secret, once
//	GET    /api/v1/alerts/{id}            one rule
//	DELETE /api/v1/alerts/{id}            delete it (token)
//	POST   /api/v1/alerts/{id}/enable     re-enable a webhook disabled after failures (token)
//	GET    /api/v1/alerts/{id}/feed.atom  the rule's alerts as an Atom feed
func AlertRoutes(mux *http.ServeMux, d AlertDeps) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	d.FeedWindow = config.Default(d.FeedWindow, 90*24*time.Hour)
	d.FeedSize = config.Default(d.FeedSize, 50)
	a := &alerts{d}
	mux.HandleFunc("GET /api/v1/alerts", a.list)
	mux.HandleFunc("POST /api/v1/alerts", a.authorised(a.create))
	mux.HandleFunc("GET /api/v1/alerts/{id}", a.show)
	mux.HandleFunc("DELETE /api/v1/alerts/{id}", a.authorised(a.remove))
	mux.HandleFunc("POST /api/v1/alerts/{id}/enable", a.authorised(a.enable))
	mux.HandleFunc("GET /api/v1/alerts/{id}/feed.atom", a.feed)
}

type alerts struct{ AlertDeps }

func (a *alerts) authorised(h http.HandlerFunc) http.HandlerFunc {
	auth := NewAuth(a.Token, nil) // the bearer header only: no session is ever checked here
	return func(w http.ResponseWriter, r *http.Request) {
		// The bearer header only: a cookie would let another site's form write here.
		if v := auth.Check(r, false); v != Granted {
			deny(w, v, "changing alert rules")
			return
		}
		h(w, r)
	}
}

func (a *alerts) list(w http.ResponseWriter, r *http.Request) {
	rules, err := a.Store.List(r.Context())
	if err == nil {
		err = a.Store.WithRetries(r.Context(), rules)
	}
	if err != nil {
		a.Log.Error("listing rules", "err", err)
		writeError(w, http.StatusServiceUnavailable, "listing rules: "+err.Error(), nil)
		return
	}
	out := make([]alert.Rule, len(rules))
	for i, rule := range rules {
		out[i] = rule.Redacted()
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

// ruleInput is what a client may set on a rule; ids, times and webhook state are ours.
type ruleInput struct {
	Name    string        `json:"name"`
	Query   string        `json:"query"`
	Filters alert.Filters `json:"filters"`
	Webhook *struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	} `json:"webhook"`
	Email    *alert.Email `json:"email"`
	DailyCap int          `json:"daily_cap"`
}

func (a *alerts) create(w http.ResponseWriter, r *http.Request) {
	var in ruleInput
	if !decodeBody(w, r, maxRuleBytes, &in, "rule") {
		return
	}
	rule := alert.Rule{Name: in.Name, Query: in.Query, Filters: in.Filters, Email: in.Email, DailyCap: in.DailyCap}
	if in.Webhook != nil {
		rule.Webhook = &alert.Webhook{URL: in.Webhook.URL, Secret: in.Webhook.Secret}
	}
	if a.Check != nil {
		if err := a.Check(rule); err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), nil)
			return
		}
	}
	saved, err := a.Store.Create(r.Context(), rule)
	if err != nil {
		// Create validates before it writes: a failure with a rule is the client's.
		status := http.StatusBadRequest
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "storing rule") {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, err.Error(), nil)
		return
	}
	a.Log.Info("rule created", "rule", saved.ID, "name", saved.Name)
	w.Header().Set("Location", "/api/v1/alerts/"+saved.ID)
	writeJSON(w, http.StatusCreated, saved)
}

func (a *alerts) get(w http.ResponseWriter, r *http.Request) (alert.Rule, bool) {
	rule, _, err := a.Store.Get(r.Context(), r.PathValue("id"))
	return rule, !ruleFailed(w, err, http.StatusServiceUnavailable)
}

// ruleFailed answers the error of a rule store call, if any: 404 for a rule that is not
// there, else status. It reports whether it answered.
func ruleFailed(w http.ResponseWriter, err error, status int) bool {
	switch {
	case errors.Is(err, alert.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such rule", nil)
	case err != nil:
		writeError(w, status, err.Error(), nil)
	default:
		return false
	}
	return true
}

func (a *alerts) show(w http.ResponseWriter, r *http.Request) {
	rule, ok := a.get(w, r)
	if !ok {
		return
	}
	rules := []alert.Rule{rule}
	if err := a.Store.WithRetries(r.Context(), rules); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, rules[0].Redacted())
}

func (a *alerts) remove(w http.ResponseWriter, r *http.Request) {
	err := a.Store.Delete(r.Context(), r.PathValue("id"))
	if !ruleFailed(w, err, http.StatusServiceUnavailable) {
		a.Log.Info("rule deleted", "rule", r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *alerts) enable(w http.ResponseWriter, r *http.Request) {
	rule, err := a.Store.Update(r.Context(), r.PathValue("id"), func(rule *alert.Rule) error {
		if rule.Webhook == nil {
			return errors.New("the rule has no webhook")
		}
		rule.Webhook.Disabled, rule.Webhook.DisabledAt, rule.Webhook.Failures, rule.Webhook.LastError = false, time.Time{}, 0, ""
		rule.UpdatedAt = time.Now().UTC()
		return nil
	})
	if !ruleFailed(w, err, http.StatusBadRequest) {
		writeJSON(w, http.StatusOK, rule.Redacted())
	}
}

// Atom (RFC 4287) documents.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	Title   string     `xml:"title"`
	ID      string     `xml:"id"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary atomText   `xml:"summary"`
}

func (a *alerts) feed(w http.ResponseWriter, r *http.Request) {
	rule, ok := a.get(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	events, err := alert.Recent(ctx, a.JS, rule.ID, time.Now().Add(-a.FeedWindow), a.FeedSize)
	if err != nil {
		a.Log.Error("reading feed", "rule", rule.ID, "err", err)
		writeError(w, http.StatusServiceUnavailable, "reading alerts: "+err.Error(), nil)
		return
	}
	f := atomFeed{
		Title: "docketwatch: " + rule.Name, ID: "urn:docketwatch:rule:" + rule.ID,
		Updated: rule.UpdatedAt.UTC().Format(time.RFC3339),
		Links:   []atomLink{{Rel: "self", Href: a.BaseURL + "/api/v1/alerts/" + rule.ID + "/feed.atom"}},
		Author:  atomPerson{Name: "docketwatch"},
	}
	for i, e := range events {
		entry := feedEntry(e, a.BaseURL)
		if i == 0 {
			f.Updated = entry.Updated
		}
		f.Entries = append(f.Entries, entry)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		a.Log.Warn("writing feed", "rule", rule.ID, "err", err)
	}
}

// feedEntry is an event as an Atom entry. An alert's entry links to the document's web page
// at the matched page: the alert's own link (the alerter's --base-url), else one under the
// API's base, else a path the reader resolves against the feed's address (RFC 4287 §3.3);
// the source is a related link.
func feedEntry(e alert.Event, base string) atomEntry {
	if d := e.Digest; d != nil {
		var b strings.Builder
		b.WriteString("<ul>")
		for _, al := range d.Alerts {
			fmt.Fprintf(&b, "<li>%s: %s</li>", html.EscapeString(entryTitle(al)), MarkedHTML(al.Snippet))
		}
		b.WriteString("</ul>")
		return atomEntry{
			Title: fmt.Sprintf("%d more matches on %s", len(d.Alerts)+d.Omitted, d.Day),
			ID:    "urn:docketwatch:alert:" + d.ID, Updated: d.CreatedAt.UTC().Format(time.RFC3339),
			Summary: atomText{Type: "html", Body: b.String()},
		}
	}
	al := e.Alert
	entry := atomEntry{
		Title: entryTitle(*al), ID: "urn:docketwatch:alert:" + al.ID, Updated: al.MatchedAt.UTC().Format(time.RFC3339),
		Summary: atomText{Type: "html", Body: MarkedHTML(al.Snippet)},
	}
	if al.Page > 0 {
		entry.Summary.Body = fmt.Sprintf("Page %d: %s", al.Page, MarkedHTML(al.Snippet))
	}
	web := al.Link
	if web == "" {
		if web = alert.DocumentLink(base, al.DocID, al.Page); web == "" {
			web = alert.DocumentLink("/", al.DocID, al.Page) // a path: "/" + "/doc/…" trimmed
		}
	}
	if href := SafeLink(web); href != "" {
		entry.Links = append(entry.Links, atomLink{Rel: "alternate", Type: "text/html", Href: href})
	}
	if href := SafeLink(al.SourceURL); href != "" {
		entry.Links = append(entry.Links, atomLink{Rel: "related", Href: href})
	}
	return entry
}

func entryTitle(a alert.Alert) string {
	kind := "newly filed"
	if a.Kind == alert.NewlyAvailable {
		kind = "newly available"
	}
	return a.Heading() + " (" + kind + ")"
}
