// Package alert is the vocabulary of docketwatch's alerts: a Rule (a saved query with
// filters, delivery channels and an optional daily cap), the Event published on ALERTS
// for each (rule, document) match or daily digest, the rule Store over the KV bucket
// "rules", the Ledger of (rule, document) pairs over "alerted" that makes alerts exactly
// once, and readers of the ALERTS stream for feeds and digests.
//
// It holds no matching logic (services/alerter does that) and no delivery (the
// alerter's channels): only what the alerter, the HTTP API and the CLI share.
package alert

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Schema is the version of the wire forms in this package.
const Schema = 1

// Filters narrow a rule beyond its query. Every set filter must hold.
type Filters struct {
	// Courts are CourtListener court ids ("cand"); any of them.
	Courts []string `json:"courts,omitempty"`
	// Docket is a normalised docket number ("3:20-cv-08570").
	Docket string `json:"docket,omitempty"`
	// ExhibitsOnly keeps exhibits only.
	ExhibitsOnly bool `json:"exhibits_only,omitempty"`
	// Entities are named entities the document must name, every one of them: a
	// canonical name exactly as the search facets show it ("Meta Platforms, Inc."), or
	// "type:name" to name the type too ("organization:Meta Platforms, Inc.").
	Entities []string `json:"entities,omitempty"`
	// Types are document types as the index classifies them, any of them: "exhibit",
	// "order", "motion", "brief", … (search.Query.DocTypes).
	Types []string `json:"types,omitempty"`
}

// Webhook is a rule's webhook channel, with its delivery state.
type Webhook struct {
	URL string `json:"url"`
	// Secret keys the HMAC-SHA256 signature of every body. Never logged, never shown by
	// the API or the CLI after creation.
	Secret string `json:"secret,omitempty"`

	// Disabled is set after too many consecutive failures; deliveries stop until the
	// rule is saved again.
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	Delivery
}

// Email is a rule's email channel, with its delivery state.
type Email struct {
	To []string `json:"to"`
	Delivery
}

// Channels that deliver (push) a rule's alerts. The Atom feed is no channel: readers
// pull it from the ALERTS stream, so nothing is delivered that could fail or wait.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Delivery is how a channel's deliveries of a rule went: written by the server that
// delivers (services/alerter/status) and shown by the API, the CLI and the Alerts page.
type Delivery struct {
	// Failures counts consecutive failed attempts, across the rule's events; a success
	// resets it, while LastError and LastFailureAt stay to say what went wrong last.
	Failures  int    `json:"failures,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// LastDeliveryAt is the last success (to the minute: a busy rule is not rewritten on
	// every alert); LastFailureAt the last failed attempt, whose cause is LastError.
	LastDeliveryAt time.Time `json:"last_delivery_at,omitzero"`
	LastFailureAt  time.Time `json:"last_failure_at,omitzero"`
	// PendingRetries counts the rule's events that failed and wait for another attempt;
	// NextRetryAt is the earliest of those attempts. Both are read from the retry queue
	// when the rule is shown (Store.WithRetries) and never stored with the rule.
	PendingRetries int       `json:"pending_retries,omitempty"`
	NextRetryAt    time.Time `json:"next_retry_at,omitzero"`
}

// Delivery returns the delivery state of the rule's channel, nil when the rule has no
// such channel.
func (r *Rule) Delivery(channel string) *Delivery {
	switch {
	case channel == ChannelWebhook && r.Webhook != nil:
		return &r.Webhook.Delivery
	case channel == ChannelEmail && r.Email != nil:
		return &r.Email.Delivery
	}
	return nil
}

// Rule is a saved query that alerts on new documents.
type Rule struct {
	Schema int    `json:"schema"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	// Query is in the search syntax (bleve query string): `"Inbox API" +Meta -draft`.
	Query   string   `json:"query"`
	Filters Filters  `json:"filters,omitzero"`
	Webhook *Webhook `json:"webhook,omitempty"`
	Email   *Email   `json:"email,omitempty"`
	// DailyCap, when positive, bounds the alerts delivered one by one per UTC day;
	// matches past it are delivered in one digest after the day ends.
	DailyCap int `json:"daily_cap,omitempty"`
	// Paused rules match nothing; documents indexed while a rule is paused are not
	// alerted on when it resumes (the preview shows them).
	Paused bool `json:"paused,omitempty"`
	// CreatedAt bounds what the rule alerts on: documents discovered before it existed
	// are the preview's business, not alerts.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Bounds of a rule.
const (
	MaxNameLen  = 200
	MaxQueryLen = 4096
	MaxDailyCap = 10000
	MaxEmails   = 20
)

// NewID returns a fresh rule id: 16 lowercase hex digits, a valid KV key and subject
// token, and hard to guess, since it is also the address of the rule's feed.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewSecret returns a random webhook secret for a rule created without one.
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ValidID reports whether id has the form NewID gives.
func ValidID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Validate checks what a rule must satisfy to be stored. It does not parse the query:
// the alerter's compiler does, and callers that can (the API, the CLI) run it too.
func (r Rule) Validate() error {
	var errs []error
	if !ValidID(r.ID) {
		errs = append(errs, fmt.Errorf("id %q is not 16 hex digits", r.ID))
	}
	if strings.TrimSpace(r.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	} else if len(r.Name) > MaxNameLen {
		errs = append(errs, fmt.Errorf("name is longer than %d bytes", MaxNameLen))
	}
	if strings.TrimSpace(r.Query) == "" {
		errs = append(errs, errors.New("query is empty"))
	} else if len(r.Query) > MaxQueryLen {
		errs = append(errs, fmt.Errorf("query is longer than %d bytes", MaxQueryLen))
	}
	if r.DailyCap < 0 || r.DailyCap > MaxDailyCap {
		errs = append(errs, fmt.Errorf("daily cap %d is outside 0..%d", r.DailyCap, MaxDailyCap))
	}
	if r.Webhook != nil {
		if err := CheckWebhookURL(r.Webhook.URL); err != nil {
			errs = append(errs, err)
		}
		if r.Webhook.Secret == "" {
			errs = append(errs, errors.New("webhook secret is empty"))
		}
	}
	if r.Email != nil {
		if len(r.Email.To) == 0 || len(r.Email.To) > MaxEmails {
			errs = append(errs, fmt.Errorf("email needs 1..%d addresses", MaxEmails))
		}
		for _, a := range r.Email.To {
			if _, err := mail.ParseAddress(a); err != nil {
				errs = append(errs, fmt.Errorf("email address %q: %w", a, err))
			}
		}
	}
	for _, e := range r.Filters.Entities {
		if strings.TrimSpace(e) == "" {
			errs = append(errs, errors.New("entity filter is empty"))
		}
	}
	return errors.Join(errs...)
}

// CheckWebhookURL refuses what a webhook must never be: not http(s), credentials in the
// URL, a port that is not a web server's, or a numeric host that is not an address.
// Whether a private or loopback address may be reached is not decided here: the server
// that delivers decides (its --webhook-allow-private, services/alerter/webhook), on the
// resolved address, which a DNS answer cannot dodge, and records a refusal on the rule.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("webhook url %q: scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("webhook url %q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("webhook url must not carry credentials; use the secret")
	}
	if err := CheckWebhookPort(u.Port()); err != nil {
		return fmt.Errorf("webhook url %q: %w", raw, err)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	// A numeric name that is not a dotted quad ("2130706433", "127.1", "0x7f.1") is an
	// address to some resolvers and a name to others; no top-level domain is numeric.
	labels := strings.Split(host, ".")
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return fmt.Errorf("webhook url %q: host %q is neither an address nor a name", raw, host)
	}
	return nil
}

// CheckWebhookPort refuses ports that are not web servers' own: below 1024 only 80 and 443
// are allowed, and above it the well-known ports of databases, caches, queues and control
// planes, which answer (or act on) a POST's bytes although they speak no HTTP. port is as
// in a URL: empty means the scheme's default. The policy holds with webhook-allow-private too:
// a local receiver listens on a high port.
func CheckWebhookPort(port string) error {
	if port == "" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a port number", port)
	}
	if n < 1024 && n != 80 && n != 443 {
		return fmt.Errorf("port %d is refused: below 1024 only 80 and 443 are web ports", n)
	}
	if service, ok := nonWebPorts[n]; ok {
		return fmt.Errorf("port %d is refused: it is %s's, not a web server's", n, service)
	}
	return nil
}

// nonWebPorts are registered ports above 1023 of services that must never receive a
// webhook's request.
var nonWebPorts = map[int]string{
	1433: "SQL Server", 1521: "Oracle", 2049: "NFS", 2375: "Docker", 2376: "Docker",
	2379: "etcd", 2380: "etcd", 3306: "MySQL", 3389: "RDP", 4222: "NATS", 5432: "PostgreSQL",
	5672: "AMQP", 5984: "CouchDB", 6379: "Redis", 6443: "Kubernetes", 6222: "NATS", 8222: "NATS",
	9042: "Cassandra", 9092: "Kafka", 9200: "Elasticsearch", 9300: "Elasticsearch",
	10250: "the kubelet", 11211: "memcached", 27017: "MongoDB",
}

// PublicIP reports whether ip is an address a webhook may reach: not loopback, private,
// link-local, multicast, unspecified, or any other special-purpose range (RFC 6890: this
// network, carrier-grade NAT, benchmarking, documentation, reserved, broadcast), and not
// an IPv6 address that carries such an IPv4 address inside it (IPv4-mapped, NAT64,
// 6to4), which some networks route to it.
func PublicIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	return publicAddr(a)
}

func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range specialPurpose {
		if p.Contains(a) {
			return false
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a), nat64Local.Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	// specialPurpose are ranges no webhook receiver on the internet has (RFC 6890 and
	// its updates) beyond those the net/netip predicates cover.
	specialPurpose = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network": 0.x reaches the local host on Linux
		netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, private in practice
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // documentation
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // documentation
		netip.MustParsePrefix("203.0.113.0/24"),  // documentation
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 broadcast
		netip.MustParsePrefix("::/96"),           // unspecified, loopback and the deprecated IPv4-compatible form (::127.0.0.1)
		netip.MustParsePrefix("::ffff:0:0:0/96"), // SIIT "IPv4-translated" (::ffff:0:127.0.0.1), which some stacks route to the IPv4 address
		netip.MustParsePrefix("100::/64"),        // discard-only
		netip.MustParsePrefix("2001::/32"),       // Teredo: the IPv4 address inside is hidden
		netip.MustParsePrefix("2001:db8::/32"),   // documentation
		netip.MustParsePrefix("fec0::/10"),       // site-local, deprecated but routed by some
	}
)

// Redacted returns the rule without its webhook secret, for every read that leaves the
// process (API answers, CLI output).
func (r Rule) Redacted() Rule {
	if r.Webhook != nil {
		w := *r.Webhook
		if w.Secret != "" {
			w.Secret = "(set)"
		}
		r.Webhook = &w
	}
	return r
}

// Kind says why a document is new to the rule's user.
type Kind string

const (
	// NewlyFiled is a document filed recently, seen for the first time.
	NewlyFiled Kind = "newly_filed"
	// NewlyAvailable is a document the court filed earlier that only now became
	// readable: its PDF arrived after its docket entry, a backfill brought an older
	// filing, or a re-extraction found text an earlier pass missed.
	NewlyAvailable Kind = "newly_available"
)

// Alert is one rule matching one document. Its ID is the same on every attempt, so it
// serves as the idempotency key of every channel.
type Alert struct {
	ID       string       `json:"id"`
	RuleID   string       `json:"rule_id"`
	RuleName string       `json:"rule_name"`
	DocID    filing.DocID `json:"doc_id"`
	Kind     Kind         `json:"kind"`
	// Title names the document as a researcher cites it (docmeta.Title).
	Title string `json:"title,omitempty"`

	Court        string    `json:"court,omitempty"`
	Docket       string    `json:"docket,omitempty"`
	CaseName     string    `json:"case_name,omitempty"`
	Entry        int       `json:"entry,omitempty"`
	Attachment   int       `json:"attachment,omitempty"`
	Exhibit      bool      `json:"exhibit,omitempty"`
	ExhibitLabel string    `json:"exhibit_label,omitempty"`
	Description  string    `json:"description,omitempty"`
	Filed        time.Time `json:"filed,omitzero"`

	// Terms are the words of the document that matched, as written there.
	Terms []string `json:"terms"`
	// Pages holds every page with a match; Page is the one the snippet comes from.
	Pages []int `json:"pages,omitempty"`
	Page  int   `json:"page,omitempty"`
	// Snippet is HTML: escaped text with the matches in <mark>, from Page only;
	// SnippetText is the same as plain text, the matches in [brackets], for receivers
	// that show text (chat messages, logs).
	Snippet     string `json:"snippet"`
	SnippetText string `json:"snippet_text"`
	// Link opens the document's web page at Page in docketwatch (only with the alerter's
	// --base-url: without it the alerter cannot know the address users reach);
	// SourceURL is where it came from.
	Link      string `json:"link,omitempty"`
	SourceURL string `json:"source_url,omitempty"`

	// Version is the text version that matched.
	Version int64 `json:"version"`
	// Overflow says the rule's daily cap was reached: the alert is delivered in the
	// day's digest instead of on its own.
	Overflow  bool      `json:"overflow,omitempty"`
	MatchedAt time.Time `json:"matched_at"`
}

// Heading names the alert's document for people: its Title, or for an alert recorded
// before alerts had titles, its case name, docket and exhibit, or else its id.
func (a Alert) Heading() string {
	if a.Title != "" {
		return a.Title
	}
	var parts []string
	for _, p := range []string{a.CaseName, a.Docket, a.ExhibitLabel} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return string(a.DocID)
	}
	return strings.Join(parts, " · ")
}

// Digest rolls up the alerts of a rule's day that went over its daily cap.
type Digest struct {
	ID       string  `json:"id"`
	RuleID   string  `json:"rule_id"`
	RuleName string  `json:"rule_name"`
	Day      string  `json:"day"` // YYYY-MM-DD, UTC
	Alerts   []Alert `json:"alerts"`
	// Omitted counts overflow alerts left out of a digest that reached MaxDigest.
	Omitted   int       `json:"omitted,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxDigest bounds the alerts carried in one digest.
const MaxDigest = 500

// Event types.
const (
	TypeAlert  = "alert"
	TypeDigest = "digest"
)

// Event is the message on ALERTS and the body every channel delivers.
type Event struct {
	Schema int     `json:"schema"`
	Type   string  `json:"type"`
	Alert  *Alert  `json:"alert,omitempty"`
	Digest *Digest `json:"digest,omitempty"`
}

// ID is the event's idempotency key.
func (e Event) ID() string {
	id, _ := e.ids()
	return id
}

// RuleID is the rule the event belongs to.
func (e Event) RuleID() string {
	_, rule := e.ids()
	return rule
}

// ids are the event's key and its rule's, whichever payload it carries.
func (e Event) ids() (id, rule string) {
	switch {
	case e.Alert != nil:
		return e.Alert.ID, e.Alert.RuleID
	case e.Digest != nil:
		return e.Digest.ID, e.Digest.RuleID
	}
	return "", ""
}

// Check reports whether an event read from ALERTS can be handled by this build.
func (e Event) Check() error {
	if e.Schema < 1 || e.Schema > Schema {
		return fmt.Errorf("unsupported alert schema %d (this build reads 1..%d)", e.Schema, Schema)
	}
	switch {
	case e.Type == TypeAlert && e.Alert != nil, e.Type == TypeDigest && e.Digest != nil:
		return nil
	}
	return fmt.Errorf("alert event of type %q without its body", e.Type)
}

// AlertID is the id of rule ruleID's alert on doc.
func AlertID(ruleID string, doc filing.DocID) string { return ruleID + ":" + doc.Key() }

// DigestID is the id of rule ruleID's digest of day.
func DigestID(ruleID, day string) string { return ruleID + ":digest:" + day }

// Subjects on ALERTS: one per (rule, document) and per (rule, day) digest, inside the
// contract's alerts.<rule> space. Because each alert has a subject of its own, "was
// this alert published?" is one last-message lookup, which no duplicate window limits.

// AlertSubject is the subject of rule ruleID's alert on doc.
func AlertSubject(ruleID string, doc filing.DocID) string {
	return "alerts." + ruleID + ".doc." + doc.Key()
}

// DigestSubject is the subject of rule ruleID's digest of day.
func DigestSubject(ruleID, day string) string { return "alerts." + ruleID + ".digest." + day }

// RuleSubjects matches every event of a rule.
func RuleSubjects(ruleID string) string { return "alerts." + ruleID + ".>" }

// Day is the UTC day of t as the ledger and digests name it.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
