package pacerrss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courthttp"
)

// ErrTooSoon is returned (as a fault.RateLimited error whose RetryAfter says how long to
// wait) when a court's feed is polled again before its minimum interval has passed.
var ErrTooSoon = errors.New("polled again before the minimum interval")

// FeedState is the cursor of one court's feed: what the last successful poll saw. It is
// JSON-serialisable, to be stored in a KV bucket between polls and across restarts.
type FeedState struct {
	Court string `json:"court"`
	// ETag and LastModified are the validators of the last feed fully emitted; PACER
	// ignores them today, but a conditional request costs nothing.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// BuildDate is the lastBuildDate of the last feed fully emitted: a feed with the same
	// one is skipped without parsing.
	BuildDate string `json:"build_date,omitempty"`
	// EntryTypes is the channel description ("Docket entries of type: all"); a court that
	// changes it has changed what it publishes.
	EntryTypes string `json:"entry_types,omitempty"`
	// Seen holds the keys of the most recently emitted entries, oldest first, at most
	// Config.MaxSeen of them, so an entry still in the feed is not emitted twice.
	Seen []string `json:"seen,omitempty"`

	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastNew     time.Time `json:"last_new,omitzero"`
	// Errors counts consecutive failed polls; LastError is the latest failure.
	Errors    int    `json:"errors,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

// Quiet reports whether the feed has yielded nothing new for longer than threshold
// (counting from the first successful poll when nothing new has been seen yet).
func (s FeedState) Quiet(now time.Time, threshold time.Duration) bool {
	last := s.LastNew
	if last.IsZero() {
		last = s.LastSuccess
	}
	return !last.IsZero() && now.Sub(last) > threshold
}

// Config configures a Poller. The zero value of every field has a sensible default.
type Config struct {
	// Client makes the requests; by default one with a 5 s connect and 20 s response
	// timeout, as juriscraper uses for PACER.
	Client    *http.Client
	UserAgent string
	// MinInterval is the least time between two polls of one court (default 5 minutes,
	// as CourtListener visits each feed).
	MinInterval time.Duration
	// MaxSeen bounds FeedState.Seen (default 2000; the largest feeds hold ~500 items).
	MaxSeen int
	// MaxBytes bounds a feed's size (default MaxFeedBytes).
	MaxBytes int64
	// URL returns a court's feed URL (default FeedURL); tests point it at a fake server.
	URL    func(court string) (string, error)
	Now    func() time.Time
	Logger *slog.Logger
}

// Poller polls PACER RSS feeds politely: at most once per MinInterval per court, with
// conditional requests, skipping a feed whose lastBuildDate has not changed.
type Poller struct {
	cfg Config
}

// NewPoller returns a Poller with cfg's defaults filled in.
func NewPoller(cfg Config) *Poller {
	if cfg.Client == nil {
		cfg.Client = courthttp.Client(5*time.Second, 20*time.Second, 2)
		cfg.Client.Timeout = 30 * time.Second // a feed is small: bound the whole request
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = courthttp.UserAgent
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = 5 * time.Minute
	}
	cfg.MaxSeen = config.Default(cfg.MaxSeen, 2000)
	cfg.MaxBytes = config.Default(cfg.MaxBytes, MaxFeedBytes)
	if cfg.URL == nil {
		cfg.URL = FeedURL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{cfg: cfg}
}

// Poll fetches the feed of st.Court and calls emit, oldest first, for each entry not
// emitted before. emit returns an error when it could not publish the document durably:
// Poll then stops and returns that error with a state that records exactly the entries
// emitted so far, so persisting it loses nothing and repeats nothing. The validators and
// BuildDate advance only after every entry was emitted.
//
// Errors: ErrTooSoon (RateLimited) before MinInterval has passed; a 404/401/403 from the
// court is Permanent (no feed there); other HTTP failures, timeouts and a malformed or
// truncated feed are Transient. The returned state records the failure either way.
func (p *Poller) Poll(ctx context.Context, st FeedState, emit func(context.Context, filing.Document) error) (FeedState, error) {
	if st.Court == "" {
		return st, fault.Permanentf("polling feed: state has no court")
	}
	now := p.cfg.Now()
	if !st.LastPoll.IsZero() {
		if wait := p.cfg.MinInterval - now.Sub(st.LastPoll); wait > 0 {
			return st, fault.RateLimitedErr(fmt.Errorf("polling feed %s: %w", st.Court, ErrTooSoon), wait)
		}
	}
	st.LastPoll = now
	next, err := p.poll(ctx, st, emit, now)
	if err != nil {
		next.Errors++
		next.LastError = err.Error()
		p.cfg.Logger.Warn("feed poll failed", "court", st.Court, "err", err)
		return next, err
	}
	next.Errors, next.LastError, next.LastSuccess = 0, "", now
	return next, nil
}

func (p *Poller) poll(ctx context.Context, st FeedState, emit func(context.Context, filing.Document) error, now time.Time) (FeedState, error) {
	url, err := p.cfg.URL(st.Court)
	if err != nil {
		return st, fault.PermanentErr(fmt.Errorf("polling feed %s: %w", st.Court, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return st, fault.PermanentErr(fmt.Errorf("polling feed %s: %w", st.Court, err))
	}
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/xml;q=0.9, */*;q=0.5")
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return st, fmt.Errorf("fetching feed %s: %w", st.Court, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return st, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		wait := 5 * time.Minute
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		return st, fault.RateLimitedErr(fmt.Errorf("fetching feed %s: %s", st.Court, resp.Status), wait)
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		return st, fault.Permanentf("fetching feed %s from %s: %s (the court may publish no feed)", st.Court, url, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return st, fmt.Errorf("fetching feed %s: %s", st.Court, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.MaxBytes+1))
	if err != nil {
		return st, fmt.Errorf("reading feed %s: %w", st.Court, err)
	}
	if int64(len(body)) > p.cfg.MaxBytes {
		return st, fault.Permanentf("reading feed %s: larger than %d bytes", st.Court, p.cfg.MaxBytes)
	}
	build := BuildDate(body)
	if build != "" && build == st.BuildDate {
		p.cfg.Logger.Debug("feed unchanged", "court", st.Court, "build_date", build)
		return st, nil
	}
	feed, err := Parse(st.Court, bytes.NewReader(body))
	if err != nil {
		return st, err
	}
	if st.EntryTypes != "" && feed.Description != st.EntryTypes {
		p.cfg.Logger.Warn("feed entry types changed", "court", st.Court, "was", st.EntryTypes, "now", feed.Description)
	}
	seen := make(map[string]bool, len(st.Seen))
	for _, k := range st.Seen {
		seen[k] = true
	}
	st.Seen = append([]string(nil), st.Seen...)
	newCount := 0
	// Feeds list the newest first; emit in filing order.
	for i := len(feed.Entries) - 1; i >= 0; i-- {
		e := feed.Entries[i]
		k := e.key()
		if seen[k] {
			continue
		}
		doc := e.Document(now)
		if err := emit(ctx, doc); err != nil {
			return st, fmt.Errorf("emitting %s from feed %s: %w", doc.ID, st.Court, err)
		}
		seen[k] = true
		st.Seen = append(st.Seen, k)
		if over := len(st.Seen) - p.cfg.MaxSeen; over > 0 {
			st.Seen = append(st.Seen[:0:0], st.Seen[over:]...)
		}
		st.LastNew = now
		newCount++
	}
	st.BuildDate = build
	st.EntryTypes = feed.Description
	st.ETag = resp.Header.Get("ETag")
	st.LastModified = resp.Header.Get("Last-Modified")
	p.cfg.Logger.Info("feed polled", "court", st.Court, "items", feed.Items, "entries", len(feed.Entries), "new", newCount, "dropped", len(feed.Dropped))
	return st, nil
}
