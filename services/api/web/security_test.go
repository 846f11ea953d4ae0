package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/poll"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
)

// hostile is the markup a source could put in any field it controls.
const hostile = `<script>alert("xss")</script>`

// hostileIndex answers every search and document with fields carrying markup, as a
// CourtListener docket or a forged webhook event could make the index hold them.
type hostileIndex struct{}

func (hostileIndex) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	return &search.Result{Total: 1, Hits: []search.Hit{{
		ID: "cand/3:20-cv-08570/736/12", Court: "cand", Docket: "3:20-cv-08570", CaseName: "Doe v. " + hostile,
		Entry: 736, Exhibit: true, ExhibitLabel: "Exhibit <b>12</b>", Description: "Email " + hostile, DocType: "exhibit",
		Page: 2, Snippet: "the <mark>Inbox</mark> " + hostile, Filed: time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC),
		Highlights: []search.Highlight{{Page: 3, Snippet: `<img src=x onerror=alert(1)> <mark>API</mark>`}},
	}}, Facets: map[string]search.Facet{
		"court":               {Terms: []search.FacetTerm{{Term: "cand" + hostile, Count: 1}}},
		"entity.organization": {Terms: []search.FacetTerm{{Term: "Meta " + hostile, Count: 1}}},
	}}, nil
}

func (hostileIndex) Document(ctx context.Context, id filing.DocID, withText bool) (*search.Record, error) {
	return &search.Record{
		Document: filing.Document{ID: id, Source: "courtlistener", URL: "javascript:alert(1)",
			Docket:      filing.Docket{Court: "cand", Number: "3:20-cv-08570", CaseName: "Doe v. " + hostile},
			Entry:       filing.Entry{Number: 736, Description: "Motion " + hostile},
			Description: "Exhibit 12 " + hostile, Exhibit: true, ExhibitLabel: "Exhibit 12"},
		DocType: "exhibit", PageCount: 1,
		Pages: []filing.Page{{Number: 1, Text: "Page text naming Meta " + hostile + " and the Inbox API."}},
		Entities: []filing.Entity{{Type: filing.Organization, Canonical: "Meta " + hostile,
			Mentions: []filing.Mention{{Text: "Meta", Page: 1, Start: 18, End: 22}}}},
	}, nil
}

func get(t *testing.T, h http.Handler, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// noMarkup fails when body holds an element or handler the hostile fields tried to add.
func noMarkup(t *testing.T, what, body string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>12</b>", `href="javascript:`} {
		if strings.Contains(body, bad) {
			i := strings.Index(body, bad)
			t.Errorf("%s renders %q unescaped: …%s…", what, bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
}

// TestPagesEscapeMarkup: case names, descriptions, entities, snippets, facet terms, rule
// names and parked reasons with <script> render escaped on every page.
func TestPagesEscapeMarkup(t *testing.T) {
	js, store := alerttest.Start(t)
	rule := alerttest.Create(t, store, alert.Rule{Name: "watch " + hostile, Query: "inbox",
		Filters: alert.Filters{Entities: []string{"Meta " + hostile}}})
	doc := filing.DocID("cand/3:20-cv-08570/736/12")
	alerttest.Publish(t, js, rule, alert.Alert{DocID: doc, Kind: alert.NewlyFiled,
		CaseName: "Doe v. " + hostile, ExhibitLabel: "Exhibit <b>12</b>", Snippet: hostile})
	bustest.Park(t, js, filing.Parked{Schema: 1, Stage: "extractor", ID: doc, Reason: "bad PDF " + hostile, Subject: "filings.cand", ParkedAt: time.Now()})
	h := Handler(Deps{Searcher: hostileIndex{}, JS: js, Token: "tok"})
	cookie := signIn(t, h, "tok")
	for _, path := range []string{
		"/?q=inbox&facets=court,entity.organization",
		"/doc/cand/3:20-cv-08570/736/12?q=inbox",
		"/alerts",
		"/alerts/new?q=inbox&entity=" + url.QueryEscape("Meta "+hostile),
		"/status",
		"/no/such/" + url.PathEscape(hostile),
	} {
		rec := get(t, h, path, cookie)
		if rec.Code >= 500 {
			t.Errorf("%s: %d", path, rec.Code)
		}
		body := rec.Body.String()
		noMarkup(t, path, body)
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s shows no escaped script: the hostile field is not on the page, so the test proves nothing", path)
		}
	}
}

// signIn signs in through the web form, as a browser does, and returns the session cookie.
func signIn(t *testing.T, h http.Handler, token string) *http.Cookie {
	t.Helper()
	page := get(t, h, "/login")
	csrfCk := page.Result().Cookies()[0]
	form := url.Values{"csrf": {newCSRFTokenFrom(t, page.Body.String())}, "token": {token}, "next": {"/alerts"}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrfCk)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/alerts" {
		t.Fatalf("sign-in: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == api.SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie %+v; want HttpOnly and SameSite=Strict", c)
			}
			// Later requests carry the CSRF cookie too.
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatal("no session cookie after signing in")
	return nil
}

func newCSRFTokenFrom(t *testing.T, body string) string {
	t.Helper()
	const marker = `name="csrf" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatal("no csrf field on the page")
	}
	rest := body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestWebWritesNeedSignIn: a form with a good CSRF token still changes nothing without
// a session; with one it goes through; with no token configured nobody can sign in.
func TestWebWritesNeedSignIn(t *testing.T) {
	h := Handler(Deps{Searcher: hostileIndex{}, Token: "tok"})
	post := func(path string, form url.Values, session *http.Cookie) *httptest.ResponseRecorder {
		page := get(t, h, "/login")
		ck := page.Result().Cookies()[0]
		form.Set("csrf", newCSRFTokenFrom(t, page.Body.String()))
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(ck)
		if session != nil {
			req.AddCookie(session)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("/status/parked/1/retry", url.Values{}, nil); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "Sign in") {
		t.Fatalf("retry without a session: %d %s", rec.Code, rec.Body)
	}
	if rec := post("/alerts/0123456789abcdef/delete", url.Values{}, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("delete without a session: %d", rec.Code)
	}
	if rec := post("/alerts", url.Values{"q": {"x"}, "name": {"x"}}, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("save without a session: %d", rec.Code)
	}
	forged := &http.Cookie{Name: api.SessionCookie, Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.00"}
	if rec := post("/status/parked/1/retry", url.Values{}, forged); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "expired") {
		t.Fatalf("retry with a forged session: %d", rec.Code)
	}
	session := signIn(t, h, "tok")
	// Past the sign-in, the retry meets the node's lack of JetStream: 503, not 401.
	if rec := post("/status/parked/1/retry", url.Values{}, session); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("retry with a session: %d %s", rec.Code, rec.Body)
	}
	if rec := post("/login", url.Values{"token": {"wrong"}}, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("sign-in with a wrong token: %d", rec.Code)
	}
	// The rule list is for the signed-in only.
	if rec := get(t, h, "/alerts"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
		t.Fatalf("rules without a session: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// Signing in never sends the reader to another site.
	rec := post("/login", url.Values{"token": {"tok"}, "next": {"//evil.example/"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("sign-in with next=//evil.example/: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	open := Handler(Deps{Searcher: hostileIndex{}})
	page := get(t, open, "/login")
	if !strings.Contains(page.Body.String(), "no API token is configured") || strings.Contains(page.Body.String(), `id="token"`) {
		t.Fatal("with no token the sign-in page must say signing in is off")
	}
	if rec := get(t, open, "/alerts"); rec.Code != http.StatusForbidden {
		t.Fatalf("rules with no token configured: %d; want 403", rec.Code)
	}
	body, _ := io.ReadAll(get(t, open, "/").Body)
	if strings.Contains(string(body), "Sign in") {
		t.Error("the nav offers signing in where no token is configured")
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/alerts?x=1": "/alerts?x=1", "": "/", "//evil.example": "/", `/\evil.example`: "/",
		"https://evil.example/": "/", "/ok\r\nSet-Cookie: x": "/", "javascript:alert(1)": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestStatusShowsCountsOnlyWithoutSession: the status page is public, but parked
// messages (a parked alert delivery carries the rule's webhook URL, often with a
// credential in its path), document ids, sources' errors and jobs are shown only to a
// signed-in reader; anyone else sees how many there are.
func TestStatusShowsCountsOnlyWithoutSession(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	const hook = "https://hooks.example.com/T0KEN-in-path"
	doc := filing.DocID("cand/3:20-cv-08570/736/12")
	bustest.Park(t, js, filing.Parked{Schema: 1, Stage: "webhook", ID: doc, Reason: "delivering to " + hook + ": 500", Subject: "alerts.r1", ParkedAt: time.Now()})
	bustest.Park(t, js, filing.Parked{Schema: 1, Stage: "extractor", ID: doc, Reason: "reading /home/clerk/private/filing.pdf: not a PDF", Subject: "filings.cand", ParkedAt: time.Now()})
	jobs, err := job.NewStore(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	started, err := jobs.Create(ctx, "reindex", job.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Deps{Searcher: hostileIndex{}, JS: js, Token: "tok"})
	private := []string{hook, "T0KEN", string(doc), "/home/clerk", started.ID}

	public := get(t, h, "/status").Body.String()
	for _, s := range private {
		if strings.Contains(public, s) {
			t.Errorf("the public status page shows %q", s)
		}
	}
	for _, want := range []string{"2 messages are parked", "1 pending", "Sign in"} {
		if !strings.Contains(public, want) {
			t.Errorf("the public status page lacks the count %q", want)
		}
	}

	signedIn := get(t, h, "/status", signIn(t, h, "tok")).Body.String()
	for _, s := range private {
		if !strings.Contains(signedIn, s) {
			t.Errorf("the signed-in status page lacks %q", s)
		}
	}
}

// TestSignOutRevokesTheSession: after signing out, a copy of the session cookie signs
// nobody in, here or in another process holding the same token (which learns of the
// sign-out through JetStream).
func TestSignOutRevokesTheSession(t *testing.T) {
	js := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() *api.Sessions {
		s, err := api.OpenSessions(ctx, js, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h := Handler(Deps{Searcher: hostileIndex{}, JS: js, Token: "tok", Sessions: open()})
	other := Handler(Deps{Searcher: hostileIndex{}, JS: js, Token: "tok", Sessions: open()})
	session := signIn(t, h, "tok")
	for name, hh := range map[string]http.Handler{"this process": h, "another process": other} {
		if rec := get(t, hh, "/alerts", session); rec.Code != http.StatusOK {
			t.Fatalf("%s: the rule list with the session: %d", name, rec.Code)
		}
	}

	page := get(t, h, "/alerts", session)
	form := url.Values{"csrf": {newCSRFTokenFrom(t, page.Body.String())}}
	req := httptest.NewRequest(http.MethodPost, "/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(session)
	for _, c := range page.Result().Cookies() {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", rec.Code, rec.Body)
	}

	// The copied cookie is refused at once here, and as soon as the other process has
	// seen the sign-out (its watch of the bucket) there.
	if rec := get(t, h, "/alerts", session); rec.Code == http.StatusOK {
		t.Fatalf("this process: the signed-out session still reads the rules")
	}
	poll.Until(t, 5*time.Second, "the other process to refuse the signed-out session", func() bool {
		return get(t, other, "/alerts", session).Code != http.StatusOK
	})
	// A new sign-in works.
	if rec := get(t, h, "/alerts", signIn(t, h, "tok")); rec.Code != http.StatusOK {
		t.Fatalf("a new session: %d", rec.Code)
	}
}
