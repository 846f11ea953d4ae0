// Package alerter is the stage after the index: it consumes INDEXED, matches each new or
// changed document against every saved rule (package percolate), and publishes one
// alert per (rule, document) on ALERTS, exactly once, however often the document is
// redelivered, re-indexed or re-extracted. Deliverers (packages webhook and email)
// consume ALERTS, one durable consumer per channel; the API serves the Atom feeds.
//
// Exactly once rests on three facts: each alert has its own ALERTS subject, so whether
// it went out is one lookup with no window to expire; the (rule, document) ledger in KV
// is written only after the alert is stored, and is checked first; and the publish
// carries a Nats-Msg-Id, so two workers racing on the same pair store one message.
package alerter

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	"github.com/docketwatch/docketwatch/services/alerter/percolate"
	"github.com/docketwatch/docketwatch/services/alerter/rules"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
	"github.com/nats-io/nats.go/jetstream"
)

// Config tunes the stage.
type Config struct {
	// BaseURL is where users reach the API ("https://docketwatch.example.org"); alert
	// links start with it. Empty leaves links out.
	BaseURL string
	// Concurrency is how many documents are matched at once (default 2).
	Concurrency int
	// FreshFor is how long after its filing a document first seen still counts as newly
	// filed (default 7 days); one seen later is newly available.
	FreshFor time.Duration
	// DigestEvery is how often days past their cap are looked for (default 1 minute).
	DigestEvery time.Duration
	// TextSkew is how far the extractors' clocks may run ahead of the NATS server's.
	TextSkew time.Duration
	// AckWait is how long a document may be worked on before INDEXED redelivers it
	// (default 30 s); it is also how long a crash delays the documents it held.
	AckWait time.Duration
	// Observe, when set, is told how each document's message ended and how long it
	// took: the stage's metrics.
	Observe func(stage, outcome string, took time.Duration)
	// WebhookAllowPrivate lets this server's webhook deliveries reach loopback and private
	// addresses (local setups, receivers on the same network). The delivering server alone
	// decides: rules are saved without the check, and a refused delivery says why in the
	// rule's webhook status.
	WebhookAllowPrivate bool
	// SMTP is the relay of the email channel that runs beside the stage in the alerter
	// role; with no Host, rules with email channels are refused.
	SMTP email.Config
}

// RegisterFlags registers the role's settings on fs (pkg/config binds them to the
// environment and the config file), the email channel's with them.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.BaseURL, "base-url", "", "public address of the web UI and API (https://docketwatch.example.org), for links in alerts; without it alerts carry no link")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", false, "deliver webhooks to loopback and private addresses too (local receivers); decided by the server that delivers")
	c.SMTP.RegisterFlags(fs)
}

// Validate reports a setting that cannot work, naming its flag.
func (c Config) Validate() error {
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url %q: want an http or https URL", c.BaseURL)
		}
	}
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		return fmt.Errorf("--smtp-port %d: want a port number", c.SMTP.Port)
	}
	if c.SMTP.Host == "" {
		return email.ValidTLS(c.SMTP.TLS)
	}
	return c.SMTP.Validate()
}

func (c Config) withDefaults() Config {
	c.Concurrency = config.Default(c.Concurrency, 2)
	c.FreshFor = config.Default(c.FreshFor, 7*24*time.Hour)
	c.DigestEvery = config.Default(c.DigestEvery, time.Minute)
	c.AckWait = config.Default(c.AckWait, 30*time.Second)
	return c
}

// Service is the alerting stage.
type Service struct {
	cfg    Config
	js     jetstream.JetStream
	store  *alert.Store
	ledger *alert.Ledger
	perc   *percolate.Percolator
	texts  bus.TextFinder
	log    *slog.Logger
	now    func() time.Time

	// hook, when set (by the crash test), is called at the points where a crash is most
	// dangerous: "publishing" (matched, nothing written) and "published" (the alert is
	// on ALERTS, the ledger does not know yet).
	hook func(point string)

	// invalid holds the rules that do not compile, by id, with the reason.
	mu      sync.Mutex
	invalid map[string]error
}

// Deps are what the stage works with: OpenDeps opens them.
type Deps struct {
	JS jetstream.JetStream
	// Rules are the saved rules; Alerted is the (rule, document) ledger's bucket.
	Rules   *alert.Store
	Alerted jetstream.KeyValue
	Log     *slog.Logger
}

// OpenDeps opens the stage's rules and ledger over js. The contract (bus.Setup) must exist.
func OpenDeps(ctx context.Context, js jetstream.JetStream, log *slog.Logger) (Deps, error) {
	rules, err := alert.OpenStore(ctx, js)
	if err != nil {
		return Deps{}, err
	}
	ledgerKV, err := bus.KV(ctx, js, bus.BucketAlerted)
	if err != nil {
		return Deps{}, err
	}
	return Deps{JS: js, Rules: rules, Alerted: ledgerKV, Log: log}, nil
}

// New returns the stage, or why cfg cannot work. Rules match with the index's own
// mapping (package schema), exactly as a search would.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	cfg = cfg.withDefaults()
	return &Service{
		cfg: cfg, js: deps.JS, store: deps.Rules, ledger: alert.NewLedger(deps.Alerted),
		perc: percolate.New(schema.Mapping()), texts: bus.TextFinder{JS: deps.JS, Skew: cfg.TextSkew},
		log: deps.Log, now: time.Now, invalid: map[string]error{},
	}, nil
}

// Consumer is the stage's durable consumer of INDEXED.
func (s *Service) Consumer() bus.Consumer {
	return bus.Consumer{
		Stage: "alerter", Stream: bus.Indexed, Durable: "alerter",
		Concurrency: s.cfg.Concurrency, AckWait: s.cfg.AckWait, MaxDeliver: 8,
		Backoff: bus.ExponentialBackoff(time.Second, time.Minute), Observe: s.cfg.Observe,
	}
}

// Run loads the rules, keeps them current, and consumes INDEXED until ctx ends; then it
// finishes the documents under way and returns. No document is matched before every
// saved rule is loaded, so a restart never skips a rule.
func (s *Service) Run(ctx context.Context) error {
	ready := make(chan struct{})
	var once sync.Once
	var changes <-chan alert.Change
	// NATS may be restarting as the stage starts: wait for it rather than stop the stage
	// and leave the process running without alerts.
	var err error
	if bus.Retry(ctx, bus.ExponentialBackoff(100*time.Millisecond, 5*time.Second), func(retryIn time.Duration) bool {
		changes, err = s.store.Watch(ctx, func(id string, err error) {
			s.log.Error("unreadable rule", "rule", id, "err", err)
		})
		if err == nil || !bus.Unanswered(err) {
			return true
		}
		s.log.Warn("waiting for nats to load the alert rules", "retry_in", retryIn, "err", err)
		return false
	}) != nil {
		return nil
	}
	if err != nil {
		return err
	}
	go func() {
		for c := range changes {
			if c.Loaded {
				// Every rule of before is applied: matching may start.
				once.Do(func() { close(ready) })
				continue
			}
			s.apply(c)
		}
	}()
	select {
	case <-ready:
	case <-ctx.Done():
		return nil
	}
	s.log.Info("alert rules loaded", "rules", s.perc.Len())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.digests(ctx)
	}()
	err = s.Consumer().Consume(ctx, s.js, s.log, s.handle)
	wg.Wait()
	return err
}

// apply brings one rule change into the percolator.
func (s *Service) apply(c alert.Change) {
	s.mu.Lock()
	delete(s.invalid, c.ID)
	s.mu.Unlock()
	if c.Deleted || c.Rule.Paused {
		s.perc.Remove(c.ID)
		return
	}
	compiled, err := rules.Compile(c.Rule, s.perc.Mapping())
	if err != nil {
		// The API and the CLI compile before saving; a rule that fails here was written
		// by hand or by a newer release. It matches nothing until fixed, visibly.
		s.perc.Remove(c.ID)
		s.mu.Lock()
		s.invalid[c.ID] = err
		s.mu.Unlock()
		s.log.Error("rule does not compile", "rule", c.ID, "err", err)
		return
	}
	s.perc.Put(compiled)
}

// Rules is the number of rules being matched.
func (s *Service) Rules() int { return s.perc.Len() }

func (s *Service) handle(ctx context.Context, msg jetstream.Msg) error {
	var ix filing.Indexed
	if err := json.Unmarshal(msg.Data(), &ix); err != nil {
		return fault.Permanentf("decoding indexed message: %v", err)
	}
	if err := filing.CheckSchema(ix.Schema); err != nil {
		return fault.PermanentErr(err)
	}
	if err := ix.ID.Validate(); err != nil {
		return fault.PermanentErr(err)
	}
	if s.perc.Len() == 0 {
		return nil
	}
	text, err := s.texts.Find(ctx, ix)
	if err != nil {
		return err
	}
	matches, st, err := s.perc.Match(ctx, text)
	if err != nil {
		return err
	}
	s.log.Debug("percolated", "doc_id", ix.ID, "rules", st.Rules, "candidates", st.Candidates, "matched", st.Matched)
	var errs []error
	for _, m := range matches {
		if err := s.alertOnce(ctx, ix, text, m); err != nil {
			errs = append(errs, err)
		}
	}
	// A failure leaves the message to be redelivered; the pairs already alerted are in
	// the ledger and are skipped then.
	return errors.Join(errs...)
}

// seenAt is when docketwatch first learned of the document.
func seenAt(ix filing.Indexed, t filing.Text) time.Time {
	if !t.Document.DiscoveredAt.IsZero() {
		return t.Document.DiscoveredAt
	}
	return ix.IndexedAt
}

// alertOnce publishes rule m's alert on the document unless it already went out.
func (s *Service) alertOnce(ctx context.Context, ix filing.Indexed, t filing.Text, m percolate.Match) error {
	r := m.Rule.Rule
	doc := t.Document
	// A rule alerts on what arrives after it was saved. Older documents are what the
	// preview shows; alerting on them when a re-index replays them would be a flood.
	if seenAt(ix, t).Before(r.CreatedAt) {
		return nil
	}
	seen, err := s.ledger.Seen(ctx, r.ID, doc.ID)
	if err != nil || seen {
		return err
	}
	subject := alert.AlertSubject(r.ID, doc.ID)
	published, err := alert.Published(ctx, s.js, subject)
	if err != nil {
		return err
	}
	entry := alert.Entry{AlertID: alert.AlertID(r.ID, doc.ID), Version: t.Version, At: s.now().UTC()}
	if published {
		// The alert went out and the process died before the ledger write: finish it.
		return s.ledger.Record(ctx, r.ID, doc.ID, entry)
	}
	if r.DailyCap > 0 {
		if entry.Overflow, err = s.ledger.Claim(ctx, r.ID, alert.Day(s.now()), r.DailyCap); err != nil {
			return err
		}
	}
	a := s.build(ix, t, m, entry)
	s.at("publishing")
	if _, err := bus.Publish(ctx, s.js, bus.Out{
		Subject: subject, MsgID: "alert:" + a.ID, DocID: doc.ID,
		Value: alert.Event{Schema: alert.Schema, Type: alert.TypeAlert, Alert: &a},
	}); err != nil {
		return err
	}
	s.at("published")
	s.log.Info("alert", "rule", r.ID, "doc_id", doc.ID, "kind", a.Kind, "page", a.Page, "overflow", a.Overflow)
	return s.ledger.Record(ctx, r.ID, doc.ID, entry)
}

func (s *Service) at(point string) {
	if s.hook != nil {
		s.hook(point)
	}
}

func (s *Service) build(ix filing.Indexed, t filing.Text, m percolate.Match, e alert.Entry) alert.Alert {
	r, d := m.Rule.Rule, t.Document
	kind := alert.NewlyFiled
	switch {
	case !ix.First:
		// The index held an earlier version: the entry was known, its text is new.
		kind = alert.NewlyAvailable
	case !d.Entry.Filed.IsZero() && seenAt(ix, t).Sub(d.Entry.Filed) > s.cfg.FreshFor:
		kind = alert.NewlyAvailable
	}
	a := alert.Alert{
		ID: e.AlertID, RuleID: r.ID, RuleName: r.Name, DocID: d.ID, Kind: kind, Title: docmeta.Title(d),
		Court: d.Docket.Court, Docket: d.Docket.Number, CaseName: d.Docket.CaseName, Entry: d.Entry.Number,
		Attachment: d.Attachment, Exhibit: d.Exhibit, ExhibitLabel: d.ExhibitLabel,
		Description: firstNonEmpty(d.Description, d.Entry.Description), Filed: d.Entry.Filed,
		Terms: m.Terms, Pages: m.Pages, Page: m.Page, Snippet: m.Snippet, SnippetText: alert.PlainSnippet(m.Snippet),
		SourceURL: d.URL, Link: alert.DocumentLink(s.cfg.BaseURL, d.ID, m.Page),
		Version: t.Version, Overflow: e.Overflow, MatchedAt: e.At,
	}
	if a.Terms == nil {
		a.Terms = []string{}
	}
	return a
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// digests publishes, every DigestEvery, the digest of each past day on which a rule
// went over its cap.
func (s *Service) digests(ctx context.Context) {
	t := time.NewTicker(s.cfg.DigestEvery)
	defer t.Stop()
	for {
		if err := s.DigestNow(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("publishing digests", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DigestNow publishes the digests due now. Like alerts, a digest goes out once: its
// subject is checked before, the ledger marked after.
func (s *Service) DigestNow(ctx context.Context) error {
	pending, err := s.ledger.PendingDigests(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range pending {
		if err := s.digest(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("digest of rule %s for %s: %w", p.RuleID, p.Day, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) digest(ctx context.Context, p alert.PendingDigest) error {
	subject := alert.DigestSubject(p.RuleID, p.Day)
	published, err := alert.Published(ctx, s.js, subject)
	if err != nil {
		return err
	}
	if !published {
		alerts, omitted, err := alert.Overflowed(ctx, s.js, p.RuleID, p.Day)
		if err != nil {
			return err
		}
		name := ""
		if len(alerts) > 0 {
			name = alerts[0].RuleName
		}
		d := alert.Digest{
			ID: alert.DigestID(p.RuleID, p.Day), RuleID: p.RuleID, RuleName: name, Day: p.Day,
			Alerts: alerts, Omitted: omitted, CreatedAt: s.now().UTC(),
		}
		if _, err := bus.Publish(ctx, s.js, bus.Out{
			Subject: subject, MsgID: "digest:" + d.ID,
			Value: alert.Event{Schema: alert.Schema, Type: alert.TypeDigest, Digest: &d},
		}); err != nil {
			return err
		}
		s.log.Info("digest", "rule", p.RuleID, "day", p.Day, "alerts", len(alerts), "omitted", omitted)
	}
	return s.ledger.MarkDigested(ctx, p.RuleID, p.Day)
}
