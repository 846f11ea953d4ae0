package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"net/http"
	"strings"
	"time"
)

// Verdict is what Auth makes of a request's credentials.
type Verdict int

const (
	// Granted: the request carries the API token (or, where allowed, a web session).
	Granted Verdict = iota
	// Missing: the request carries no credentials; the answer is 401.
	Missing
	// Wrong: the request carries credentials that are not the token; the answer is 403.
	Wrong
	// Unconfigured: no token is configured, so nobody may; the answer is 403.
	Unconfigured
)

// SessionCookie is the name of the web UI's sign-in cookie.
const SessionCookie = "docketwatch_session"

// sessionTTL is how long a web sign-in lasts.
const sessionTTL = bus.SessionTTL

// Auth checks the API token, as an "Authorization: Bearer TOKEN" header for API clients
// and as a signed session cookie for the web UI, which a browser cannot make send a
// header. The session is an expiry and a nonce under an HMAC whose key derives from the
// token, so every process holding the same token accepts the same sessions, and changing
// the token signs everyone out. Signing out revokes the nonce in sessions, which every
// process follows, so a copied cookie dies with the sign-out.
type Auth struct {
	token    []byte
	key      []byte
	sessions *Sessions
	now      func() time.Time
}

// NewAuth returns the checker of token; an empty token refuses everyone. sessions
// records sign-outs; nil (no JetStream) leaves a session valid until it expires.
func NewAuth(token string, sessions *Sessions) *Auth {
	a := &Auth{now: time.Now, sessions: sessions}
	if token != "" {
		a.token = []byte(token)
		m := hmac.New(sha256.New, a.token)
		m.Write([]byte("docketwatch web session v1"))
		a.key = m.Sum(nil)
	}
	return a
}

// Configured reports whether a token is set.
func (a *Auth) Configured() bool { return a != nil && len(a.token) > 0 }

// Token checks a presented token in constant time.
func (a *Auth) Token(presented string) bool {
	return a.Configured() && subtle.ConstantTimeCompare([]byte(presented), a.token) == 1
}

// Check judges r's credentials: the bearer header always, the session cookie only when
// session is true (safe reads, and the web UI's forms, which carry a CSRF token too; never
// the JSON API's writes, so that no cookie can make a cross-site request write).
func (a *Auth) Check(r *http.Request, session bool) Verdict {
	if !a.Configured() {
		return Unconfigured
	}
	if h := r.Header.Get("Authorization"); h != "" {
		got, ok := strings.CutPrefix(h, "Bearer ")
		if ok && a.Token(strings.TrimSpace(got)) {
			return Granted
		}
		return Wrong
	}
	if session {
		if c, err := r.Cookie(SessionCookie); err == nil {
			if a.validSession(c.Value) {
				return Granted
			}
			return Wrong
		}
	}
	return Missing
}

// SignedIn reports whether r carries a valid web session.
func (a *Auth) SignedIn(r *http.Request) bool {
	c, err := r.Cookie(SessionCookie)
	return err == nil && a.validSession(c.Value)
}

// SignIn starts a web session if presented is the token, setting the cookie on w.
func (a *Auth) SignIn(w http.ResponseWriter, r *http.Request, presented string) bool {
	if !a.Token(presented) {
		return false
	}
	payload := make([]byte, 8+16)
	binary.BigEndian.PutUint64(payload, uint64(a.now().Add(sessionTTL).Unix()))
	_, _ = rand.Read(payload[8:])
	value := base64.RawURLEncoding.EncodeToString(payload) + "." + a.sign(payload)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	return true
}

// SignOut ends the web session: the cookie is dropped, and the session revoked
// everywhere, so a copy of the cookie no longer signs anyone in.
func (a *Auth) SignOut(w http.ResponseWriter, r *http.Request) error {
	var err error
	if c, cerr := r.Cookie(SessionCookie); cerr == nil {
		if payload, ok := a.session(c.Value); ok {
			expires := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0)
			err = a.sessions.Revoke(r.Context(), hex.EncodeToString(payload[8:]), expires)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: -1})
	return err
}

func (a *Auth) sign(payload []byte) string {
	m := hmac.New(sha256.New, a.key)
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}

func (a *Auth) validSession(v string) bool {
	payload, ok := a.session(v)
	return ok && !a.sessions.Revoked(hex.EncodeToString(payload[8:]))
}

// session returns the payload (expiry, nonce) of a cookie value that this token signed
// and that has not expired.
func (a *Auth) session(v string) ([]byte, bool) {
	if !a.Configured() || len(v) > 200 {
		return nil, false
	}
	enc, sig, ok := strings.Cut(v, ".")
	if !ok {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(payload) != 24 {
		return nil, false
	}
	if !hmac.Equal([]byte(sig), []byte(a.sign(payload))) {
		return nil, false
	}
	return payload, a.now().Unix() < int64(binary.BigEndian.Uint64(payload))
}

// deny answers a refused request with the status its verdict calls for, as JSON.
func deny(w http.ResponseWriter, v Verdict, what string) {
	switch v {
	case Missing:
		w.Header().Set("WWW-Authenticate", `Bearer realm="docketwatch"`)
		writeError(w, http.StatusUnauthorized, what+" needs the API token: Authorization: Bearer TOKEN", nil)
	case Wrong:
		writeError(w, http.StatusForbidden, "the credentials given are not the API token (or the session has expired)", nil)
	default:
		writeError(w, http.StatusForbidden, what+" is refused: no API token is configured on this server (DOCKETWATCH_API_TOKEN)", nil)
	}
}
