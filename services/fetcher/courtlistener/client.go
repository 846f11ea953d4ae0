package courtlistener

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/clock"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/services/fetcher/courthttp"
)

// The public CourtListener endpoints.
const (
	DefaultBaseURL    = "https://www.courtlistener.com/api/rest/v4/"
	DefaultStorageURL = "https://storage.courtlistener.com/"
)

// ErrInvalidCursor is returned when CourtListener no longer accepts a saved "next" URL
// (404 "Invalid cursor"); the Source then restarts from its saved position.
var ErrInvalidCursor = errors.New("courtlistener: invalid cursor")

// Config configures a Client. Zero fields take the defaults noted.
type Config struct {
	// BaseURL is the API root (default DefaultBaseURL); StorageURL the PDF host
	// (default DefaultStorageURL).
	BaseURL    string
	StorageURL string
	// Token is the API token, sent only to BaseURL's host and never logged.
	Token string
	// Budget is the request budget (nil: DefaultLimits; &Limits{}: none). BudgetLog
	// keeps the requests it counts (default: in memory); every client of one account
	// should share one, outside the process.
	Budget    *Limits
	BudgetLog BudgetLog
	// HTTPClient makes requests (default: 10 s connect, 60 s response timeouts).
	HTTPClient *http.Client
	UserAgent  string
	// MaxRetries is how often a request is retried after 5xx, timeouts, truncated
	// bodies and 429s (default 5); Backoff is the first backoff (default 1 s, doubling
	// up to MaxBackoff, default 1 min: bus.ExponentialBackoff, with bus.Jitter).
	MaxRetries int
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxWait is the longest the client waits on its own for the budget or a 429's
	// Retry-After; a longer wait is returned as a fault.RateLimited error (default 2 min).
	MaxWait time.Duration
	// MaxResponseBytes bounds a JSON response (default 32 MB); MaxPDFBytes a download
	// (default 1 GB).
	MaxResponseBytes int64
	MaxPDFBytes      int64
	// DocketCache bounds the dockets kept between requests (default 4096).
	DocketCache int
	Logger      *slog.Logger
	Now         func() time.Time
	// Sleep waits d or until ctx ends (default a timer); tests replace it with a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a CourtListener REST v4 client. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	storage *url.URL
	budget  *budget

	mu      sync.Mutex
	dockets map[int64]Docket
	order   []int64
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("courtlistener: no API token configured")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.StorageURL == "" {
		cfg.StorageURL = DefaultStorageURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("courtlistener: bad base url %q", cfg.BaseURL)
	}
	storage, err := url.Parse(cfg.StorageURL)
	if err != nil || storage.Host == "" {
		return nil, fmt.Errorf("courtlistener: bad storage url %q", cfg.StorageURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if !strings.HasSuffix(storage.Path, "/") {
		storage.Path += "/"
	}
	if cfg.Budget == nil {
		l := DefaultLimits
		cfg.Budget = &l
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = courthttp.Client(10*time.Second, 60*time.Second, 4)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = courthttp.UserAgent
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 5
	}
	cfg.Backoff = config.Default(cfg.Backoff, time.Second)
	cfg.MaxBackoff = config.Default(cfg.MaxBackoff, time.Minute)
	cfg.MaxWait = config.Default(cfg.MaxWait, 2*time.Minute)
	cfg.MaxResponseBytes = config.Default(cfg.MaxResponseBytes, 32<<20)
	cfg.MaxPDFBytes = config.Default(cfg.MaxPDFBytes, 1<<30)
	cfg.DocketCache = config.Default(cfg.DocketCache, 4096)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clock.Sleep
	}
	return &Client{cfg: cfg, base: base, storage: storage, budget: newBudget(*cfg.Budget, cfg.BudgetLog), dockets: map[int64]Docket{}}, nil
}

// endpoint returns the absolute URL of an API path with a query.
func (c *Client) endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	return u.String()
}

// isAPI reports whether rawURL is on the API host, where the token may be sent.
func (c *Client) isAPI(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Host == c.base.Host && u.Scheme == c.base.Scheme
}

// StorageURL returns where a document's PDF is: the storage host + filepath_local.
func (c *Client) StorageURL(filepathLocal string) string {
	u := *c.storage
	u.Path += strings.TrimPrefix(filepathLocal, "/")
	return u.String()
}

// apiError is DRF's error body.
type apiError struct {
	Detail        string   `json:"detail"`
	UnknownParams []string `json:"unknown_params"`
}

// getJSON GETs an API URL (as given, e.g. a "next" link) into v, within the budget,
// retrying what can be retried.
func (c *Client) getJSON(ctx context.Context, rawURL string, v any) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fault.PermanentErr(fmt.Errorf("courtlistener: bad url: %w", err))
	}
	// The token goes only to the API host: a "next" link pointing elsewhere is refused.
	if !c.isAPI(rawURL) {
		return fault.Permanentf("courtlistener: refusing to send the token to %s://%s", u.Scheme, u.Host)
	}
	what := u.Path
	backoff := bus.ExponentialBackoff(c.cfg.Backoff, c.cfg.MaxBackoff)
	var last error
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			if err := c.cfg.Sleep(ctx, bus.Jitter(backoff(attempt))); err != nil {
				return err
			}
		}
		if err := c.wait(ctx); err != nil {
			return err
		}
		retry, wait, err := c.try(ctx, u.String(), v)
		if err == nil {
			return nil
		}
		last = fmt.Errorf("getting %s: %w", what, err)
		if !retry {
			return last
		}
		if wait > 0 {
			if wait > c.cfg.MaxWait {
				return fault.RateLimitedErr(last, wait)
			}
			c.cfg.Logger.Info("courtlistener throttled", "wait", wait)
			if err := c.cfg.Sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
	if w := fault.RetryAfter(last); w > 0 {
		return last
	}
	return fmt.Errorf("%w (after %d attempts)", last, c.cfg.MaxRetries+1)
}

// wait blocks until the budget has a slot, or returns RateLimited when that is longer
// than MaxWait away.
func (c *Client) wait(ctx context.Context) error {
	for {
		d, err := c.budget.reserve(ctx, c.cfg.Now())
		if err != nil {
			return fmt.Errorf("courtlistener request budget: %w", err)
		}
		if d == 0 {
			return nil
		}
		if d > c.cfg.MaxWait {
			return fault.RateLimitedErr(errors.New("courtlistener: request budget spent"), d)
		}
		if err := c.cfg.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// try makes one request. It reports whether a failure may be retried and how long the
// server asked to wait first.
func (c *Client) try(ctx context.Context, u string, v any) (retry bool, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, 0, fault.PermanentErr(err)
	}
	req.Header.Set("Authorization", "Token "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, ctx.Err()
		}
		return true, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return true, 0, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(body)) > c.cfg.MaxResponseBytes {
		return false, 0, fault.Permanentf("response larger than %d bytes", c.cfg.MaxResponseBytes)
	}
	var ae apiError
	if resp.StatusCode != http.StatusOK {
		_ = json.Unmarshal(body, &ae)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		if err := json.Unmarshal(body, v); err != nil {
			// A body cut short in transit; the next attempt usually reads it whole.
			return true, 0, fmt.Errorf("decoding response: %w", err)
		}
		return false, 0, nil
	case code == http.StatusUnauthorized:
		return false, 0, fault.Permanentf("courtlistener refused the API token (401 %s): check the configured token", ae.Detail)
	case code == http.StatusForbidden:
		return false, 0, fault.Permanentf("courtlistener denied access (403 %s): the account may lack RECAP API permission", ae.Detail)
	case code == http.StatusTooManyRequests:
		ra, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
		if err != nil || ra < 0 {
			// DRF sends no Retry-After to a blocked account (a 0/... rate).
			return false, 0, fault.Permanentf("courtlistener throttled without Retry-After (429 %s): the account may be blocked", ae.Detail)
		}
		d := time.Duration(ra) * time.Second
		return true, max(d, time.Second), fault.RateLimitedErr(fmt.Errorf("throttled (429 %s)", ae.Detail), d)
	case code == http.StatusNotFound && strings.Contains(ae.Detail, "Invalid cursor"):
		return false, 0, ErrInvalidCursor
	case code >= 500:
		return true, 0, fmt.Errorf("server error %s", resp.Status)
	default:
		msg := ae.Detail
		if len(ae.UnknownParams) > 0 {
			msg += " " + strings.Join(ae.UnknownParams, ",")
		}
		return false, 0, fault.Permanentf("courtlistener answered %s: %s", resp.Status, msg)
	}
}

// Docket returns a docket's metadata, from a bounded cache when it was fetched before.
func (c *Client) Docket(ctx context.Context, id int64) (Docket, error) {
	c.mu.Lock()
	d, ok := c.dockets[id]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	q := url.Values{"fields": {"id,court_id,case_name,docket_number,pacer_case_id"}}
	if err := c.getJSON(ctx, c.endpoint("dockets/"+strconv.FormatInt(id, 10)+"/", q), &d); err != nil {
		return Docket{}, fmt.Errorf("fetching docket %d: %w", id, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.dockets[id]; !ok {
		if len(c.order) >= c.cfg.DocketCache {
			delete(c.dockets, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, id)
	}
	c.dockets[id] = d
	return d, nil
}

// Entries returns the entries of a docket numbered lo..hi, with their documents'
// metadata (no text).
func (c *Client) Entries(ctx context.Context, docketID, lo, hi int64) ([]DocketEntry, error) {
	q := url.Values{
		"docket":              {strconv.FormatInt(docketID, 10)},
		"entry_number__range": {strconv.FormatInt(lo, 10) + "," + strconv.FormatInt(hi, 10)},
		"omit":                {"recap_documents__plain_text"},
		"order_by":            {"id"},
	}
	out, err := listAll[DocketEntry](ctx, c, c.endpoint("docket-entries/", q))
	if err != nil {
		return nil, fmt.Errorf("fetching entries %d-%d of docket %d: %w", lo, hi, docketID, err)
	}
	return out, nil
}

// listAll reads every page of a list.
func listAll[T any](ctx context.Context, c *Client, first string) ([]T, error) {
	var out []T
	next := first
	for pages := 0; next != ""; pages++ {
		if pages >= 1000 {
			return nil, fault.Permanentf("more than 1000 pages")
		}
		var p page[T]
		if err := c.getJSON(ctx, next, &p); err != nil {
			return nil, err
		}
		out = append(out, p.Results...)
		next = ""
		if p.Next != nil {
			next = *p.Next
		}
	}
	return out, nil
}

// DocketDocuments returns the documents of a docket created since since (all when zero),
// oldest first, without their text.
func (c *Client) DocketDocuments(ctx context.Context, docketID int64, since time.Time) ([]RECAPDocument, error) {
	q := url.Values{
		"docket_entry__docket": {strconv.FormatInt(docketID, 10)},
		"order_by":             {"date_created"},
		"omit":                 {"plain_text"},
	}
	if !since.IsZero() {
		q.Set("date_created__gte", since.Format(time.RFC3339Nano))
	}
	out, err := listAll[RECAPDocument](ctx, c, c.endpoint("recap-documents/", q))
	if err != nil {
		return nil, fmt.Errorf("listing documents of docket %d: %w", docketID, err)
	}
	return out, nil
}

// RECAPDocument returns one document's metadata (no text).
func (c *Client) RECAPDocument(ctx context.Context, id int64) (RECAPDocument, error) {
	var d RECAPDocument
	q := url.Values{"omit": {"plain_text"}}
	if err := c.getJSON(ctx, c.endpoint("recap-documents/"+strconv.FormatInt(id, 10)+"/", q), &d); err != nil {
		return RECAPDocument{}, fmt.Errorf("fetching recap document %d: %w", id, err)
	}
	return d, nil
}

// Download copies a PDF from the storage host to w, verifying its SHA-1 and size when
// they are given (wantSHA1 "" or wantSize 0 skip that check). A mismatch is Permanent:
// the stored file is not the one described. Storage is not the API: no token is sent and
// the request budget does not apply; 5xx and broken transfers are Transient. The caller
// discards what was written to w when Download fails.
func (c *Client) Download(ctx context.Context, rawURL, wantSHA1 string, wantSize int64, w io.Writer) (int64, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host != c.storage.Host {
		return 0, fault.Permanentf("downloading %s: not on the storage host %s", rawURL, c.storage.Host)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, fault.PermanentErr(fmt.Errorf("downloading %s: %w", rawURL, err))
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		return 0, fault.Permanentf("downloading %s: %s", rawURL, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return 0, fmt.Errorf("downloading %s: %s", rawURL, resp.Status)
	}
	limit := c.cfg.MaxPDFBytes
	if wantSize > 0 {
		limit = min(limit, wantSize)
	}
	h := sha1.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return n, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	if n > limit {
		return n, fault.Permanentf("downloading %s: more than %d bytes", rawURL, limit)
	}
	if wantSize > 0 && n != wantSize {
		return n, fmt.Errorf("downloading %s: got %d bytes; want %d", rawURL, n, wantSize)
	}
	if got := hex.EncodeToString(h.Sum(nil)); wantSHA1 != "" && !strings.EqualFold(got, wantSHA1) {
		return n, fault.Permanentf("downloading %s: sha1 %s; want %s", rawURL, got, wantSHA1)
	}
	return n, nil
}
