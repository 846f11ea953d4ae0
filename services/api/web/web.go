// Package web is docketwatch's user interface for researchers: server-rendered pages
// (html/template, assets embedded, a little hand-written JavaScript where it helps) to
// search the index, read a document page by page, save a search as an alert and watch
// the pipeline. It owns no data: it calls the same search, document, rule, job and DEAD
// interfaces the JSON API and the CLI call, and works with no network beyond its own
// server (no CDN, no web fonts).
//
// Every page is a GET that changes nothing; every change (save or delete an alert,
// retry a parked message) is a POST carrying a CSRF token bound to a cookie, behind Go's
// cross-origin protection. Errors are shown as messages, never as a stack trace.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the pages call. Only Searcher is required; each other dependency left
// nil turns its part of a page into a message saying it is not available on this node.
type Deps struct {
	Searcher search.Searcher
	// Documents fetches documents; nil uses Searcher when it implements search.Documents.
	Documents search.Documents
	// JS reads and writes the alert rules, the jobs, DEAD and the consumers' state.
	JS jetstream.JetStream
	// CheckRule compiles a rule's query as the alerter will (the alerter's
	// rules.Compile), so that a rule that could never match is refused with the reason;
	// nil leaves the check to the search the preview runs.
	CheckRule func(alert.Rule) error
	// Metrics is the process's registry; the status page reads the stage counters
	// (docketwatch_stage_messages_total) from it.
	Metrics prometheus.Gatherer
	// Sources serves the fetcher's freshness as GET /api/v1/sources does
	// (fetcher.Service.StatusHandler); nil when the fetcher runs elsewhere.
	Sources http.Handler
	// Health says why the process is not ready (the readiness check of /readyz), for the
	// status page; nil shows nothing.
	Health func(context.Context) error
	// Sessions are the signed-out web sessions, shared with the API (nil: a session
	// lasts until it expires).
	Sessions *api.Sessions
	// Spend serves the RECAP purchase ledger's report (recap.Service.SpendHandler); nil
	// when no RECAP stage runs in this process.
	Spend http.Handler
	// Gate bounds the searches under way, shared with the API (api.SearchGate); nil
	// bounds nothing.
	Gate *api.SearchGate
	// Token is the API token (DOCKETWATCH_API_TOKEN): a person signs in with it at
	// /login to save or delete alerts, see the rules and retry parked work. Empty makes
	// the UI read-only: nobody can sign in, as nobody can write through the API.
	Token string
	// APIPrefix is where the JSON API is mounted, for the PDF and feed links
	// (default "/api/v1").
	APIPrefix string
	Log       *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Handler returns the web UI, to be mounted at "/". It serves:
//
//	GET  /                           search (the query in the URL, as /api/v1/search takes it)
//	GET  /export                     the search's hits as CSV (format=csv) or NDJSON
//	GET  /doc/{id...}                a document: metadata, entities, text page by page
//	GET  /alerts                     alert rules; POST /alerts saves one
//	GET  /alerts/new                 a search previewed as an alert (hits per day)
//	POST /alerts/{id}/delete         delete a rule
//	POST /alerts/{id}/pause          pause a rule, or resume a paused one
//	GET  /status                     pipeline, parked messages, sources, jobs
//	POST /status/parked/{seq}/retry  retry a parked message
//	GET  /login, POST /login         sign in with the API token; POST /logout signs out
//	GET  /static/                    style sheet and script
//
// Writes and the rule list need a signed-in session as well as the form's CSRF token.
func Handler(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Searcher, d.Documents = d.Gate.Readers(d.Searcher, d.Documents)
	if d.APIPrefix == "" {
		d.APIPrefix = "/api/v1"
	}
	d.APIPrefix = strings.TrimRight(d.APIPrefix, "/")
	if d.Now == nil {
		d.Now = time.Now
	}
	u := &ui{Deps: d, pages: parsePages(), csrf: newCSRF(), rates: &rates{}, auth: api.NewAuth(d.Token, d.Sessions)}
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", u.searchPage)
	mux.HandleFunc("GET /export", u.export)
	mux.HandleFunc("GET /doc/{id...}", u.documentPage)
	mux.HandleFunc("GET /alerts", u.alertsPage)
	mux.HandleFunc("GET /alerts/new", u.alertPreview)
	mux.HandleFunc("POST /alerts", u.post(u.alertSave))
	mux.HandleFunc("POST /alerts/{id}/delete", u.post(u.alertDelete))
	mux.HandleFunc("POST /alerts/{id}/pause", u.post(u.alertPause))
	mux.HandleFunc("GET /status", u.statusPage)
	mux.HandleFunc("POST /status/parked/{seq}/retry", u.post(u.retryParked))
	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.form(u.login))
	mux.HandleFunc("POST /logout", u.form(u.logout))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	return http.NewCrossOriginProtection().Handler(u.guard(mux))
}

// ui is the handler's state.
type ui struct {
	Deps
	pages map[string]*template.Template
	csrf  *csrf
	rates *rates
	auth  *api.Auth

	rules api.Opened[alert.Store]
	jobs  api.Opened[job.Store]
}

// guard sets the headers every answer carries and turns a panic into an error page: a
// researcher sees a message, the log gets the details.
func (u *ui) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				u.Log.Error("web page panicked", "path", r.URL.Path, "err", fmt.Sprint(v))
				u.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side while building this page; the details are in the server log.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets: the page's own data plus the layout's.
type page struct {
	Title string
	Nav   string // the nav entry to mark current
	CSRF  string
	// Flash is a one-line outcome of the last action; Error a problem to show first.
	Flash string
	Error string
	Data  any
	// SignedIn: the reader holds a session; CanSignIn: a token is configured.
	SignedIn, CanSignIn bool
	// Here is the page's own path, where signing in or out comes back to.
	Here string
}

// render writes a page; a template failure (a bug) becomes the error page.
func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := u.pages[name]
	if t == nil {
		u.fail(w, r, http.StatusInternalServerError, "There is no template for this page.")
		return
	}
	p.CSRF = u.csrf.token(w, r)
	p.CanSignIn = u.auth.Configured()
	p.SignedIn = u.auth.SignedIn(r)
	p.Here = localPath(r.URL.RequestURI())
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		u.Log.Error("rendering page", "page", name, "err", err)
		if name != "error" {
			u.fail(w, r, http.StatusInternalServerError, "This page could not be built; the details are in the server log.")
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail shows msg on the error page with status.
func (u *ui) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u.render(w, r, status, "error", page{Title: http.StatusText(status), Error: msg, Data: status})
}

// post checks the CSRF token of a form and the reader's session before h runs.
func (u *ui) post(h http.HandlerFunc) http.HandlerFunc {
	return u.form(func(w http.ResponseWriter, r *http.Request) {
		if v := u.auth.Check(r, true); v != api.Granted {
			u.needSignIn(w, r, v)
			return
		}
		h(w, r)
	})
}

// form reads a posted form and checks its CSRF token before h runs.
func (u *ui) form(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			u.fail(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
			return
		}
		if !u.csrf.check(r) {
			u.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
			return
		}
		h(w, r)
	}
}

// needSignIn answers a request that needs a session it does not carry.
func (u *ui) needSignIn(w http.ResponseWriter, r *http.Request, v api.Verdict) {
	if !u.auth.Configured() {
		u.fail(w, r, http.StatusForbidden, "Changes are turned off on this server: no API token is configured (DOCKETWATCH_API_TOKEN).")
		return
	}
	msg := "Sign in with the API token first (Sign in, at the top of the page); then go back and try again."
	if v == api.Wrong {
		msg = "Your sign-in has expired. Sign in again with the API token; then go back and try again."
	}
	u.fail(w, r, http.StatusUnauthorized, msg)
}

// loginData is the sign-in page's.
type loginData struct {
	Next string
}

func (u *ui) loginPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Sign in", Data: loginData{Next: localPath(r.URL.Query().Get("next"))}}
	if !u.auth.Configured() {
		p.Error = "Signing in is turned off on this server: no API token is configured (DOCKETWATCH_API_TOKEN). Search and documents need no sign-in."
	}
	u.render(w, r, http.StatusOK, "login", p)
}

func (u *ui) login(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostForm.Get("next"))
	if !u.auth.SignIn(w, r, r.PostForm.Get("token")) {
		u.Log.Info("web sign-in refused", "remote", r.RemoteAddr)
		p := page{Title: "Sign in", Data: loginData{Next: next}, Error: "That is not this server's API token."}
		if !u.auth.Configured() {
			p.Error = "Signing in is turned off on this server: no API token is configured (DOCKETWATCH_API_TOKEN)."
		}
		u.render(w, r, http.StatusForbidden, "login", p)
		return
	}
	u.Log.Info("web sign-in", "remote", r.RemoteAddr)
	seeOther(w, r, next, nil)
}

func (u *ui) logout(w http.ResponseWriter, r *http.Request) {
	if err := u.auth.SignOut(w, r); err != nil {
		// The cookie is gone from this browser, but a copy would still work: say so.
		u.Log.Error("web sign-out not recorded", "err", err)
		u.fail(w, r, http.StatusServiceUnavailable, "You are signed out in this browser, but the sign-out could not be recorded, so a copy of your session cookie would still work until it expires. Try signing out again.")
		return
	}
	seeOther(w, r, "/", nil)
}

// localPath keeps a path of this site only ("/alerts?x=1"); anything else, which could
// send the reader to another site after signing in, becomes "/".
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return "/"
	}
	if u, err := url.Parse(s); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return s
}

// seeOther redirects after a POST to a page that shows its outcome.
func seeOther(w http.ResponseWriter, r *http.Request, path string, params url.Values) {
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// ruleStore opens the rule store once JetStream answers.
func (u *ui) ruleStore(ctx context.Context) (*alert.Store, error) {
	if u.JS == nil {
		return nil, errors.New("alert rules are not reachable from this node")
	}
	return u.rules.Get(func() (*alert.Store, error) { return alert.OpenStore(ctx, u.JS) })
}

// jobStore opens the job store once JetStream answers.
func (u *ui) jobStore(ctx context.Context) (*job.Store, error) {
	if u.JS == nil {
		return nil, errors.New("jobs are not reachable from this node")
	}
	s, err := u.jobs.Get(func() (*job.Store, error) { return job.NewStore(ctx, u.JS) })
	if err != nil {
		return nil, fmt.Errorf("opening the jobs: %w", err)
	}
	return s, nil
}

// csrf issues and checks form tokens: a random cookie, and in each form the cookie's
// HMAC under a key this process made. A forged form from elsewhere can neither read the
// cookie nor compute the HMAC; SameSite=Strict and the cross-origin check stop it first.
type csrf struct{ key []byte }

const csrfCookie = "docketwatch_csrf"

func newCSRF() *csrf {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return &csrf{key: k}
}

func (c *csrf) sign(nonce string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// token returns the form token of the request's cookie, setting a cookie when there is
// none (or it is not one of ours).
func (c *csrf) token(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 32 {
		if _, err := hex.DecodeString(ck.Value); err == nil {
			return c.sign(ck.Value)
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	// Later reads in this request see the new cookie.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: nonce})
	return c.sign(nonce)
}

func (c *csrf) check(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	got := r.PostForm.Get("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(c.sign(ck.Value)))
}

// docPath is the web path of a document.
func docPath(id filing.DocID) string { return alert.DocumentPath(id) }

// apiDocPath is the API path of a document (its PDF is apiDocPath + "/pdf").
func (u *ui) apiDocPath(id filing.DocID) string {
	return u.APIPrefix + "/documents" + strings.TrimPrefix(docPath(id), "/doc")
}
