package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// echo answers 200 with what it read of the body, or 413 when the body was cut.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "cut", nil)
		return
	}
	fmt.Fprintf(w, "ok %d", len(b))
})

type call struct {
	method, path string
	bearer       string
	cookie       *http.Cookie
	remote       string
	header       map[string]string
	body         io.Reader
}

func (c call) do(t testing.TB, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	req := httptest.NewRequest(c.method, c.path, c.body)
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// session signs in with token and returns the cookie the web UI would get.
func session(t testing.TB, token string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if !NewAuth(token, nil).SignIn(rec, httptest.NewRequest(http.MethodPost, "/login", nil), token) {
		t.Fatal("sign-in with the token refused")
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

func TestProtectAccess(t *testing.T) {
	const tok = "s3cret-token"
	good := session(t, tok)
	forged := &http.Cookie{Name: SessionCookie, Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.00"}
	other := session(t, "another token")
	private := Protect(echo, Policy{Token: tok, Rate: -1})
	public := Protect(echo, Policy{Token: tok, PublicReads: true, Rate: -1})
	noToken := Protect(echo, Policy{PublicReads: true, Rate: -1})
	tests := []struct {
		name string
		h    http.Handler
		c    call
		want int
	}{
		// Writes: the bearer token, never a cookie.
		{"write without token", public, call{method: "POST", path: "/api/v1/alerts"}, 401},
		{"write with wrong token", public, call{method: "POST", path: "/api/v1/alerts", bearer: "nope"}, 403},
		{"write with token", public, call{method: "POST", path: "/api/v1/alerts", bearer: tok}, 200},
		{"write with a session cookie", public, call{method: "POST", path: "/api/v1/alerts", cookie: good}, 401},
		{"delete without token", public, call{method: "DELETE", path: "/api/v1/alerts/0123456789abcdef"}, 401},
		{"job start without token", public, call{method: "POST", path: "/api/v1/jobs"}, 401},
		{"dead retry without token", public, call{method: "POST", path: "/api/v1/dead/7/retry"}, 401},
		{"dead retry wrong token", public, call{method: "POST", path: "/api/v1/dead/7/retry", bearer: "x"}, 403},
		{"unknown api write", public, call{method: "PUT", path: "/api/v2/anything"}, 401},
		{"write, no token configured", noToken, call{method: "POST", path: "/api/v1/alerts", bearer: "anything"}, 403},
		// Web forms: a session (the web UI checks CSRF itself) or the token.
		{"web form without session", public, call{method: "POST", path: "/alerts"}, 401},
		{"web form with session", public, call{method: "POST", path: "/alerts", cookie: good}, 200},
		{"web form with forged session", public, call{method: "POST", path: "/alerts", cookie: forged}, 403},
		{"web form with another token's session", public, call{method: "POST", path: "/alerts", cookie: other}, 403},
		{"sign-in is open", private, call{method: "POST", path: "/login"}, 200},
		// Reads: public or not by configuration.
		{"public search", public, call{path: "/api/v1/search?q=x"}, 200},
		{"private search without token", private, call{path: "/api/v1/search?q=x"}, 401},
		{"private search wrong token", private, call{path: "/api/v1/search?q=x", bearer: "nope"}, 403},
		{"private search with token", private, call{path: "/api/v1/search?q=x", bearer: tok}, 200},
		{"private search with session", private, call{path: "/api/v1/search?q=x", cookie: good}, 200},
		{"private document", private, call{path: "/api/v1/documents/cand/1/2/0/pdf"}, 401},
		{"private metrics", private, call{path: "/metrics"}, 401},
		{"private web page goes to sign-in", private, call{path: "/doc/cand/1"}, 303},
		{"private web page with session", private, call{path: "/doc/cand/1", cookie: good}, 200},
		{"health is open", private, call{path: "/healthz"}, 200},
		{"sign-in page is open", private, call{path: "/login"}, 200},
		{"static is open", private, call{path: "/static/style.css"}, 200},
		// Rules, jobs and DEAD are never public.
		{"rules list, public reads", public, call{path: "/api/v1/alerts"}, 401},
		{"one rule, public reads", public, call{path: "/api/v1/alerts/0123456789abcdef"}, 401},
		{"rules list with token", public, call{path: "/api/v1/alerts", bearer: tok}, 200},
		{"jobs, public reads", public, call{path: "/api/v1/jobs"}, 401},
		{"dead, public reads", public, call{path: "/api/v1/dead"}, 401},
		{"web rule list, public reads", public, call{path: "/alerts"}, 303},
		{"a feed is reached by its secret id", private, call{path: "/api/v1/alerts/0123456789abcdef/feed.atom"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.c.do(t, tt.h)
			if rec.Code != tt.want {
				t.Fatalf("got %d %s; want %d", rec.Code, rec.Body, tt.want)
			}
			if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if rec.Code == 303 && !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
				t.Errorf("redirected to %q; want the sign-in page", rec.Header().Get("Location"))
			}
		})
	}
}

func TestSessionExpires(t *testing.T) {
	a := NewAuth("tok", nil)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return start }
	rec := httptest.NewRecorder()
	a.SignIn(rec, httptest.NewRequest("POST", "/login", nil), "tok")
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	if !a.SignedIn(req) {
		t.Fatal("fresh session refused")
	}
	a.now = func() time.Time { return start.Add(sessionTTL + time.Second) }
	if a.SignedIn(req) {
		t.Fatal("expired session accepted")
	}
	if NewAuth("tok", nil).SignIn(httptest.NewRecorder(), req, "wrong") {
		t.Fatal("sign-in with a wrong token accepted")
	}
	if NewAuth("", nil).SignIn(httptest.NewRecorder(), req, "") {
		t.Fatal("sign-in with no token configured accepted")
	}
}

func TestProtectSizes(t *testing.T) {
	h := Protect(echo, Policy{Token: "t", PublicReads: true, Rate: -1, MaxBodyBytes: 100, MaxURLBytes: 200})
	long := "/api/v1/search?q=" + strings.Repeat("a", 300)
	if rec := (call{path: long}).do(t, h); rec.Code != http.StatusRequestURITooLong || !strings.Contains(rec.Body.String(), "at most 200") {
		t.Errorf("long query: got %d %s; want 414 saying the limit", rec.Code, rec.Body)
	}
	if rec := (call{path: "/api/v1/search?q=short"}).do(t, h); rec.Code != 200 {
		t.Errorf("short query: got %d", rec.Code)
	}
	big := call{method: "POST", path: "/api/v1/alerts", bearer: "t", body: strings.NewReader(strings.Repeat("x", 101))}
	if rec := big.do(t, h); rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 100") {
		t.Errorf("declared large body: got %d %s; want 413 saying the limit", rec.Code, rec.Body)
	}
	// A body without a declared length is cut where the limit is.
	req := httptest.NewRequest("POST", "/api/v1/alerts", io.MultiReader(strings.NewReader(strings.Repeat("x", 150))))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer t")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed large body: got %d %s; want 413", rec.Code, rec.Body)
	}
	ok := call{method: "POST", path: "/api/v1/alerts", bearer: "t", body: strings.NewReader(strings.Repeat("x", 100))}
	if rec := ok.do(t, h); rec.Code != 200 || rec.Body.String() != "ok 100" {
		t.Errorf("body at the limit: got %d %s", rec.Code, rec.Body)
	}
}

func TestProtectRateLimit(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	h := Protect(echo, Policy{PublicReads: true, Token: "t", Rate: 2, Burst: 3, MaxClients: 2, Now: clock})
	get := func(remote string) *httptest.ResponseRecorder {
		return call{path: "/api/v1/search?q=x", remote: remote}.do(t, h)
	}
	for i := range 3 {
		if rec := get("203.0.113.5:1000"); rec.Code != 200 {
			t.Fatalf("request %d within the burst: got %d", i+1, rec.Code)
		}
	}
	rec := get("203.0.113.5:1001")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("past the burst: got %d, Retry-After %q; want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := get("198.51.100.7:1000"); rec.Code != 200 {
		t.Fatalf("another client: got %d; want 200", rec.Code)
	}
	// An IPv6 host holds its /64 whole: another address in it shares the bucket.
	for range 3 {
		get("[2001:db8:1:2::1]:1000")
	}
	if rec := get("[2001:db8:1:2::99]:1000"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("same /64: got %d; want 429", rec.Code)
	}
	// Probes are limited like any request: a client looping on /healthz is held too.
	if rec := (call{path: "/healthz", remote: "203.0.113.5:1"}).do(t, h); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Connection") != "close" {
		t.Fatalf("a health check past the client's rate: got %d, Connection %q; want 429 and close", rec.Code, rec.Header().Get("Connection"))
	}
	now = now.Add(time.Second) // 2 tokens back
	if rec := get("203.0.113.5:1002"); rec.Code != 200 {
		t.Fatalf("after a second: got %d; want 200", rec.Code)
	}
}

func TestLimiterBounded(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(1, 2, 100, func() time.Time { return now })
	for i := range 10000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		l.allow(a)
	}
	if n := len(l.buckets); n > 100 {
		t.Fatalf("tracking %d clients; want at most 100", n)
	}
	// The overflow bucket is shared: the flood is throttled as one client.
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.200")); ok {
		t.Fatal("a new client past the bound was let through a drained overflow bucket")
	}
	// Idle clients are forgotten to make room.
	now = now.Add(time.Minute)
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.201")); !ok {
		t.Fatal("a new client after the others went idle was refused")
	}
	if _, tracked := l.buckets[netip.MustParseAddr("192.0.2.201")]; !tracked {
		t.Fatal("idle clients were not swept")
	}
}

func TestClientAddr(t *testing.T) {
	proxies, err := ParsePrefixes("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.9:5", "1.2.3.4", "203.0.113.9"},                       // not a proxy: the header is the client's word
		{"10.1.1.1:5", "198.51.100.3", "198.51.100.3"},                    // a proxy names the client
		{"10.1.1.1:5", "6.6.6.6, 198.51.100.3, 10.2.2.2", "198.51.100.3"}, // the client wrote 6.6.6.6 itself
		{"10.1.1.1:5", "garbage", "10.1.1.1"},
		{"[::ffff:198.51.100.4]:5", "", "198.51.100.4"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientAddr(req, proxies); got.String() != tc.want {
			t.Errorf("%s via %q: got %s; want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestProtectWebhookSources(t *testing.T) {
	h := Protect(echo, Policy{PublicReads: true, Rate: -1})
	post := func(remote string) int {
		return call{method: "POST", path: WebhookReceiverPath, remote: remote, body: strings.NewReader("{}")}.do(t, h).Code
	}
	if got := post("34.210.230.218:443"); got != 200 {
		t.Errorf("from CourtListener: got %d; want 200", got)
	}
	if got := post("203.0.113.9:443"); got != http.StatusForbidden {
		t.Errorf("from elsewhere: got %d; want 403", got)
	}
	local, _ := ParsePrefixes("127.0.0.1")
	h = Protect(echo, Policy{PublicReads: true, Rate: -1, WebhookSources: local})
	if got := post("127.0.0.1:1"); got != 200 {
		t.Errorf("configured source: got %d; want 200", got)
	}
}

func TestProtectHeaders(t *testing.T) {
	h := Protect(echo, Policy{PublicReads: true, Rate: -1})
	rec := call{path: "/api/v1/search?q=x"}.do(t, h)
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s: got %q; want %q", k, got, want)
		}
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("API answer CSP %q; want default-src 'none'", csp)
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := (Policy{}).Validate(); err == nil {
		t.Error("private reads without a token: want an error")
	}
	if err := (Policy{PublicReads: true}).Validate(); err != nil {
		t.Error(err)
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Error("bad prefix accepted")
	}
	if p, _ := ParsePrefixes("none"); p == nil || len(p) != 0 {
		t.Error(`"none" is an empty list, not the default`)
	}
}

func TestNextParam(t *testing.T) {
	for in, want := range map[string]string{"/doc/x?page=2": "%2Fdoc%2Fx%3Fpage%3D2", "//evil.example/": "%2F", "https://evil.example": "%2F", `/\evil`: "%2F"} {
		if got := nextParam(in); got != want {
			t.Errorf("nextParam(%q) = %q; want %q", in, got, want)
		}
	}
}
