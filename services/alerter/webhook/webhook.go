// Package webhook delivers alert events to each rule's webhook: a JSON POST with an
// Idempotency-Key (the event id: the same on every retry) and an HMAC-SHA256 signature
// of the time and the body under the rule's secret (Sign, Verify). Failures are retried with exponential backoff
// through the durable consumer's redelivery; an endpoint that keeps failing is disabled
// on its rule and reported, and its undelivered events are parked in DEAD.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a delivery.
const (
	HeaderSignature   = "X-Docketwatch-Signature"
	HeaderEvent       = "X-Docketwatch-Event"
	HeaderIdempotency = "Idempotency-Key"
	HeaderAttempt     = "X-Docketwatch-Attempt"
)

// SignatureTolerance is how far a delivery's signed time may be from the receiver's clock
// before Verify refuses it: a recorded delivery replayed later no longer verifies.
const SignatureTolerance = 5 * time.Minute

// Sign returns the signature header value of body sent at t under secret:
// "t=UNIX,v1=HEX", HEX being the HMAC-SHA256 of "UNIX." followed by the body. The time is
// signed with the body, so a receiver that checks it (Verify) refuses a replay; every
// attempt is signed anew, and the Idempotency-Key tells a retry from a new event.
func Sign(secret string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signature(secret, ts, body))
}

func signature(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery as a receiver should: header is the signature header's value,
// now the receiver's clock. It fails when the header is malformed, when its time is more
// than SignatureTolerance from now, or when no v1 signature matches (compared in constant
// time; several v1 values are allowed, for a secret being rotated).
func Verify(secret string, body []byte, header string, now time.Time) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("signature header has no t= time or no v1= signature")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return fmt.Errorf("signature time is %s from now, beyond the %s tolerance", d.Round(time.Second), SignatureTolerance)
	}
	want := signature(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return errors.New("no signature matches the body under the secret")
}

// Config tunes delivery.
type Config struct {
	// Policy bounds, retries and measures the requests (Timeout 10 s and Backoff 2 s
	// doubling to 10 min unless set); its OnDelivery also hears "deferred", an event put
	// back because its endpoint was busy. Its Now is also the clock deliveries are
	// signed with.
	status.Policy
	// DisableAfter is how many consecutive failed attempts, across events, disable the
	// endpoint (default 20).
	DisableAfter int
	// Concurrency is how many deliveries run at once (default 8).
	Concurrency int
	// PerEndpoint bounds the deliveries under way to one endpoint (scheme, host, port)
	// (default Concurrency/4, at least 1): an endpoint that hangs holds at most that many
	// workers, and its other events wait their turn outside the workers.
	PerEndpoint int
	// DeferDelay is how long an event put back because its endpoint was busy waits before
	// it comes back (default 1 s), plus up to half again at random so that one endpoint's
	// events do not all come back at once. Unlike Backoff it does not grow with the
	// deliveries: a busy endpoint is a working one, and each of its events may be next.
	DeferDelay time.Duration
	// AllowPrivate lets deliveries reach loopback and private addresses (the alerter's
	// --webhook-allow-private). This is the one place that decides: rules are saved
	// without the check, and a refusal is recorded as the rule's webhook last_error.
	AllowPrivate bool
	// Client overrides the HTTP client; the default refuses private addresses (unless
	// AllowPrivate), proxies and redirects.
	Client *http.Client
}

// Validate reports a setting that cannot work; zero takes the default.
func (c Config) Validate() error {
	if err := c.Policy.Validate(); err != nil {
		return err
	}
	for _, n := range []struct {
		name  string
		value int
	}{{"disable after", c.DisableAfter}, {"concurrency", c.Concurrency}, {"per endpoint", c.PerEndpoint}} {
		if n.value < 0 {
			return fmt.Errorf("%s %d: want 0 (the default) or more", n.name, n.value)
		}
	}
	if c.DeferDelay < 0 {
		return fmt.Errorf("defer delay %v: want 0 (the default) or more", c.DeferDelay)
	}
	if c.Client != nil && c.AllowPrivate {
		return errors.New("AllowPrivate with a Client of its own: the client decides which addresses it reaches; set one or the other")
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.Policy = c.Policy.WithDefaults(10*time.Second, bus.ExponentialBackoff(2*time.Second, 10*time.Minute))
	c.DisableAfter = config.Default(c.DisableAfter, 20)
	c.Concurrency = config.Default(c.Concurrency, 8)
	c.DeferDelay = config.Default(c.DeferDelay, time.Second)
	c.PerEndpoint = config.Default(c.PerEndpoint, max(1, c.Concurrency/4))
	c.PerEndpoint = min(c.PerEndpoint, c.Concurrency)
	if c.Client == nil {
		c.Client = SafeClient(c.Timeout, c.AllowPrivate)
	}
	return c
}

// SafeClient is an HTTP client for user-given URLs: it dials only public addresses
// (checked on the resolved address, so a DNS name cannot point it inside), ignores proxy
// settings and follows no redirect. allowPrivate lifts the public-address check only.
func SafeClient(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, port, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if err := alert.CheckWebhookPort(port); err != nil {
				return fmt.Errorf("webhook address %s: %w", address, err)
			}
			if allowPrivate {
				return nil
			}
			if ip := net.ParseIP(host); ip == nil || !alert.PublicIP(ip) {
				return fmt.Errorf("webhook address %s is not public: this server delivers to public addresses only (its setting webhook-allow-private)", host)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil, DialContext: d.DialContext, MaxIdleConnsPerHost: 4,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Deliverer is the webhook channel.
type Deliverer struct {
	cfg    Config
	js     jetstream.JetStream
	store  *alert.Store
	log    *slog.Logger
	ends   *endpoints
	status *status.Recorder
}

// Deps are what the channel works with (status.Deps, one for every channel).
type Deps = status.Deps

// New returns the channel, or why cfg cannot work; Run starts it.
func New(cfg Config, deps Deps) (*Deliverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook channel: %w", err)
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	cfg = cfg.withDefaults()
	d := &Deliverer{cfg: cfg, js: deps.JS, store: deps.Rules, log: deps.Log, ends: newEndpoints(cfg.PerEndpoint, maxAckPending)}
	d.status = status.New(alert.ChannelWebhook, deps.Rules, cfg.Now, deps.Log)
	return d, nil
}

// Consumer is the channel's durable consumer of ALERTS.
func (d *Deliverer) Consumer() bus.Consumer {
	c := d.cfg.Consumer(d.status)
	// Deliveries deferred for a busy endpoint are not attempts (handle counts them
	// apart), but the server counts every delivery.
	c.MaxDeliver += d.cfg.maxDeferrals()
	c.Concurrency = d.cfg.Concurrency
	// An event waiting out its backoff counts as unacknowledged. With the default bound
	// (4 × Concurrency) one failing endpoint with a few events in backoff stopped every
	// other rule's deliveries until its retries ran out; events are small, so room for
	// many lets the others through.
	c.MaxAckPending = maxAckPending
	return c
}

const maxAckPending = 1000

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) error {
	return d.Consumer().Consume(ctx, d.js, d.log, d.handle)
}

func (d *Deliverer) handle(ctx context.Context, msg jetstream.Msg) (err error) {
	delivered, seq := 1, uint64(0)
	if md, err := msg.Metadata(); err == nil {
		delivered, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	defer func() {
		if err == nil || fault.IsPermanent(err) {
			d.ends.forget(seq) // settled for good: no more deliveries to tell apart
		}
	}()
	e, r, ok, err := d.store.ToDeliver(ctx, msg.Data())
	if !ok || r.Webhook == nil || r.Webhook.Disabled {
		return err
	}
	return d.deliver(ctx, msg, e, r, delivered, seq)
}

// deliver sends event e of msg, its delivered-th delivery, to rule r's webhook, and
// records how it went on the rule.
func (d *Deliverer) deliver(ctx context.Context, msg jetstream.Msg, e alert.Event, r alert.Rule, delivered int, seq uint64) error {
	// A delivery deferred because the endpoint was busy never reached it: not an attempt.
	attempt := max(delivered-d.ends.deferrals(seq), 1)
	endpoint := endpointOf(r.Webhook.URL)
	if !d.ends.acquire(endpoint) {
		// Put back for a short while rather than waiting in a worker, which a hanging
		// endpoint would fill; not with the consumer's backoff, which grows with every
		// delivery and would keep the event away minutes after a slot freed. Nothing was
		// sent, so nothing can arrive twice.
		d.ends.deferOnce(seq)
		d.cfg.Delivery("deferred")
		return bus.RetryIn(busyError(endpoint, d.cfg.PerEndpoint), d.cfg.deferDelay())
	}
	defer d.ends.release(endpoint)
	// The stored bytes are the body: what was signed is exactly what was stored.
	err := d.post(ctx, *r.Webhook, e, msg.Data(), attempt)
	if err == nil {
		d.cfg.Delivery("delivered")
		d.status.Delivered(ctx, r)
		d.log.Debug("webhook delivered", "rule", r.ID, "event", e.ID(), "attempt", attempt)
		return nil
	}
	d.cfg.Delivery("failed")
	err = d.failed(ctx, r, e, attempt, err)
	if !fault.IsPermanent(err) && attempt >= d.cfg.MaxAttempts {
		// The consumer's own limit is above MaxAttempts (deferrals): the last attempt is ours to park.
		return fault.PermanentErr(fmt.Errorf("webhook failed %d attempts, the last: %w", attempt, err))
	}
	return err
}

// deferDelay is DeferDelay plus up to half of it at random: jittered upward only, not by
// bus.Jitter (either way), since maxDeferrals counts on DeferDelay at least each time.
func (c Config) deferDelay() time.Duration {
	return c.DeferDelay + rand.N(c.DeferDelay/2+1)
}

// maxDeferrals bounds how often one event is put back because its endpoint was busy,
// on top of MaxAttempts real attempts: often enough that it waits deferWindow at least.
func (c Config) maxDeferrals() int {
	return int(deferWindow / c.DeferDelay)
}

// failed counts a failed attempt on the rule, disables the endpoint when it has failed
// too often in a row, and says whether the event is retried.
func (d *Deliverer) failed(ctx context.Context, r alert.Rule, e alert.Event, attempt int, cause error) error {
	disabled := false
	d.status.Failed(ctx, r.ID, cause, func(r *alert.Rule) {
		disabled = false // the edit may run again on a conflict
		if r.Webhook.Failures >= d.cfg.DisableAfter {
			r.Webhook.Disabled, r.Webhook.DisabledAt = true, d.cfg.Now().UTC()
			disabled = true
		}
	})
	if disabled {
		// Reported three ways: this error log, the rule's state in `alerts list/show` and
		// the API, and the event parked in DEAD where `dead list` shows it.
		d.log.Error("webhook disabled after repeated failures", "rule", r.ID, "name", r.Name,
			"failures", d.cfg.DisableAfter, "err", cause)
		return fault.Permanentf("webhook of rule %s disabled after %d consecutive failures: %v", r.ID, d.cfg.DisableAfter, cause)
	}
	d.log.Info("webhook failed", "rule", r.ID, "event", e.ID(), "attempt", attempt, "err", cause)
	return cause
}

// post sends one event; its error is classified: permanent when retrying cannot help.
func (d *Deliverer) post(ctx context.Context, w alert.Webhook, e alert.Event, body []byte, attempt int) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fault.Permanentf("webhook request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "docketwatch-alerter/1")
	req.Header.Set(HeaderIdempotency, e.ID())
	req.Header.Set(HeaderEvent, e.Type)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	req.Header.Set(HeaderSignature, Sign(w.Secret, body, d.cfg.Now()))
	// The request carries the alert's trace (W3C traceparent) so that a receiver that
	// traces can join it; the span says how the endpoint answered.
	ctx, span := tracing.StartClient(ctx, "webhook POST")
	tracing.InjectHTTP(ctx, req.Header)
	err = d.send(req)
	tracing.End(span, "", err)
	return err
}

// send makes one request and classifies its answer.
func (d *Deliverer) send(req *http.Request) error {
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("posting to webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		wait := 30 * time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = min(time.Duration(s)*time.Second, time.Hour)
		}
		return fault.RateLimitedErr(fmt.Errorf("webhook answered %s", resp.Status), wait)
	case code == http.StatusRequestTimeout || code >= 500:
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	// Another 4xx, or a redirect: the same request will get the same answer.
	return fault.Permanentf("webhook answered %s", resp.Status)
}
