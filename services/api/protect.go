package api

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"golang.org/x/time/rate"
)

// Policy says who may call what over HTTP, and how much. Protect applies it in front of
// the whole mux (API, web UI, /metrics), so that a route added later is covered too: any
// request that is not a safe read needs the token unless this file names it.
type Policy struct {
	// Token is the API token (DOCKETWATCH_API_TOKEN). Every write needs it; empty
	// refuses every write.
	Token string
	// Sessions are the signed-out web sessions (nil: none are revoked).
	Sessions *Sessions
	// PublicReads lets anyone search, read documents, the web UI's pages and /metrics;
	// false needs the token (or a web session) for those too. Rules, jobs and DEAD are
	// never public: rules hold webhook addresses and email addresses.
	PublicReads bool
	// MaxBodyBytes bounds a request body (default 1 MiB); larger is answered 413.
	MaxBodyBytes int64
	// MaxURLBytes bounds the request target, path and query (default 8 KiB); longer is
	// answered 414.
	MaxURLBytes int
	// Rate is the requests per second each client may make on average, Burst how many
	// at once (defaults 20 and 60); a negative Rate turns the limit off. A client is an
	// IPv4 address or an IPv6 /64, which one host may hold whole.
	Rate  float64
	Burst int
	// MaxConns bounds the open connections of the public port (default a quarter of the
	// process's file descriptors: DefaultMaxConns); see ConnLimit.
	MaxConns int
	// MaxClients bounds the clients tracked at once (default 10,000); past it, clients
	// not yet tracked share one bucket, so a flood of addresses costs memory for none.
	MaxClients int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client;
	// from any other peer the header is ignored, since a client could write anything.
	TrustedProxies []netip.Prefix
	// WebhookSources may post to the CourtListener webhook receiver, which CourtListener
	// does not sign (its webhooks carry no signature header); default CourtListenerWebhookSources. WebhookMaxBody
	// bounds its events (default 4 MiB).
	WebhookSources []netip.Prefix
	WebhookMaxBody int64
	Log            *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// CourtListenerWebhookSources are the addresses CourtListener sends webhook events from.
var CourtListenerWebhookSources = []netip.Prefix{
	netip.MustParsePrefix("34.210.230.218/32"),
	netip.MustParsePrefix("54.189.59.91/32"),
}

// WebhookReceiverPath is where the node mounts the CourtListener webhook receiver.
const WebhookReceiverPath = "/api/v1/webhooks/courtlistener"

// RECAPFetchWebhookPath receives CourtListener's RECAP-fetch events (event type 3),
// configured as their own endpoint upstream; the same sources are allowed.
const RECAPFetchWebhookPath = WebhookReceiverPath + "/recap-fetch"

// Validate reports a policy that cannot work.
func (p Policy) Validate() error {
	if !p.PublicReads && p.Token == "" {
		return errors.New("--search-public=false but no API token is set (DOCKETWATCH_API_TOKEN, the config file's api-token or --api-token-file)")
	}
	if p.Rate > 0 && p.Burst < 0 {
		return errors.New("--burst must not be negative")
	}
	return nil
}

func (p *Policy) defaults() {
	p.MaxBodyBytes = config.Default(p.MaxBodyBytes, 1<<20)
	p.MaxURLBytes = config.Default(p.MaxURLBytes, 8<<10)
	if p.Rate == 0 {
		p.Rate = 20
	}
	p.Burst = config.Default(p.Burst, 60)
	p.MaxClients = config.Default(p.MaxClients, 10000)
	if p.WebhookSources == nil {
		p.WebhookSources = CourtListenerWebhookSources
	}
	p.WebhookMaxBody = config.Default(p.WebhookMaxBody, 4<<20)
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
}

// access is what a request needs.
type access int

const (
	open     access = iota // health checks, static files, the sign-in page, feeds by their secret id
	read                   // a safe read of the collection: public if PublicReads
	private                // a safe read of rules, jobs, DEAD: always the token or a session
	write                  // changes something through the JSON API: the bearer token only
	webWrite               // a web form: the token or a session; the web UI checks its CSRF token
	webhook                // the CourtListener receiver: its source address
)

// classify says what r needs. Unknown paths fall to the strict side.
func classify(r *http.Request) access {
	path := r.URL.Path
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case r.Method == http.MethodPost && (path == WebhookReceiverPath || path == RECAPFetchWebhookPath):
		return webhook
	case r.Method == http.MethodPost && (path == "/login" || path == "/logout"):
		// Signing in is how one gets a session; the web UI checks the token and CSRF.
		return open
	case !safe && strings.HasPrefix(path, "/api/"):
		return write
	case !safe:
		return webWrite
	case path == "/healthz" || path == "/readyz" || path == "/login" || strings.HasPrefix(path, "/static/"):
		return open
	case strings.HasPrefix(path, "/api/v1/alerts/") && strings.HasSuffix(path, "/feed.atom"):
		// A feed reader sends no header; the rule's random id is the feed's secret.
		return open
	case path == "/api/v1/alerts" || strings.HasPrefix(path, "/api/v1/alerts/") ||
		path == "/api/v1/jobs" || strings.HasPrefix(path, "/api/v1/jobs/") ||
		path == "/api/v1/dead" || strings.HasPrefix(path, "/api/v1/dead/") ||
		path == "/alerts":
		return private
	}
	return read
}

// Protect applies p in front of h: security headers, the URL and body bounds, the
// per-client rate limit, then the access rules:
//
//	open      /healthz, /readyz, /static/, /login, POST /login and /logout, alert feeds
//	webhook   POST /api/v1/webhooks/courtlistener: from p.WebhookSources only
//	read      every other GET or HEAD: anyone if p.PublicReads, else the token or a session
//	private   rules, jobs and DEAD over the API, the web UI's rule list: the token or a session
//	write     any other method under /api/: the bearer token (401 without, 403 wrong)
//	webWrite  any other method elsewhere (web forms): the token or a session
//
// A refused read of a web page is sent to the sign-in page; everything else refused gets
// a JSON error.
func Protect(h http.Handler, p Policy) http.Handler {
	p.defaults()
	auth := NewAuth(p.Token, p.Sessions)
	lim := newLimiter(p.Rate, p.Burst, p.MaxClients, p.Now)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		switch {
		case r.URL.Path == "/api/":
			// The API's page (services/api/openapi): static, its one style inline.
			hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox")
		case strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasSuffix(r.URL.Path, "/pdf"):
			// JSON and feeds are data, never a page to run: nothing in them may load or run.
			hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
		}
		client := clientAddr(r, p.TrustedProxies)
		r = r.WithContext(withClient(r.Context(), clientKey(client)))
		uri := r.RequestURI
		if uri == "" {
			uri = r.URL.RequestURI()
		}
		if n := len(uri); n > p.MaxURLBytes {
			writeError(w, http.StatusRequestURITooLong, fmt.Sprintf("the request URL is %d bytes; at most %d are accepted (send long queries as shorter ones)", n, p.MaxURLBytes), nil)
			return
		}
		class := classify(r)
		maxBody := p.MaxBodyBytes
		if class == webhook {
			maxBody = p.WebhookMaxBody
		}
		if r.ContentLength > maxBody {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is %d bytes; at most %d are accepted", r.ContentLength, maxBody), nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		// Probes are limited too: a client looping on /healthz is a client like any
		// other, and an orchestrator's probes stay far below the rate.
		if ok, wait := lim.allow(client); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			hd.Set("Retry-After", strconv.Itoa(max(secs, 1)))
			// A client over its rate gives its connection back: it holds none while it waits.
			hd.Set("Connection", "close")
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many requests from %s; try again in %d s", client, max(secs, 1)), nil)
			return
		}
		switch class {
		case webhook:
			if !inPrefixes(client, p.WebhookSources) {
				p.Log.Warn("webhook from an unknown address refused", "client", client.String())
				writeError(w, http.StatusForbidden, "webhook events are accepted from CourtListener's addresses only", nil)
				return
			}
		case read, private:
			if class == read && p.PublicReads {
				break
			}
			if v := auth.Check(r, true); v != Granted {
				p.Log.Info("read refused", "client", client.String(), "path", r.URL.Path, "verdict", int(v))
				if !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/metrics" && v != Unconfigured {
					// A person at a browser: the sign-in page, then back here.
					http.Redirect(w, r, "/login?next="+nextParam(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				deny(w, v, "reading "+r.URL.Path)
				return
			}
		case write, webWrite:
			if v := auth.Check(r, class == webWrite); v != Granted {
				p.Log.Info("write refused", "client", client.String(), "method", r.Method, "path", r.URL.Path, "verdict", int(v))
				deny(w, v, r.Method+" "+r.URL.Path)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// clientAddr is the client's address: the peer's, or, when the peer is a trusted proxy,
// the last address in X-Forwarded-For that is not itself a trusted proxy.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !inPrefixes(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a garbled chain: trust only what we saw
		}
		a = a.Unmap()
		if !inPrefixes(a, trusted) {
			return a
		}
	}
	return peer
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefixes reads comma-separated addresses or CIDR prefixes ("10.0.0.0/8, ::1");
// "none" is an empty list, which is not the same as no list.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	if strings.TrimSpace(s) == "none" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("address %q: %w", f, err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("prefix %q: %w", f, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// limiter is a token bucket per client (golang.org/x/time/rate), in a bounded map.
type limiter struct {
	rate  rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu       sync.Mutex
	buckets  map[netip.Addr]*rate.Limiter
	overflow *rate.Limiter
}

func newLimiter(r float64, burst, maxClients int, now func() time.Time) *limiter {
	return &limiter{rate: rate.Limit(r), burst: burst, max: maxClients, now: now,
		buckets: map[netip.Addr]*rate.Limiter{}, overflow: rate.NewLimiter(rate.Limit(r), burst)}
}

// clientKey groups an IPv6 client by its /64, which one subscriber holds whole.
func clientKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// allow takes a token from client's bucket, or says how long until one is there.
func (l *limiter) allow(client netip.Addr) (bool, time.Duration) {
	if l.rate < 0 {
		return true, 0
	}
	now := l.now()
	key := clientKey(client)
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		if len(l.buckets) < l.max {
			b = rate.NewLimiter(l.rate, l.burst)
			l.buckets[key] = b
		} else {
			b = l.overflow
		}
	}
	l.mu.Unlock()
	r := b.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}

// sweep forgets the clients whose buckets have refilled: they lose nothing by it.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
}

// nextParam is the ?next= of the sign-in redirect: a local path only, so that the
// sign-in page can never send anyone elsewhere (the page checks it again).
func nextParam(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		s = "/"
	}
	return url.QueryEscape(s)
}
