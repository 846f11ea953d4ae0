package fetcher

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
)

// Secret is a credential. It prints, logs and marshals as "[redacted]", so that a
// configuration dumped to a log or a status page never shows it.
type Secret string

const redacted = "[redacted]"

func (s Secret) String() string { return redacted }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler (and so JSON) without the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return redacted }

// Config configures the fetcher. The zero value fetches nothing; Validate reports
// nonsense before anything starts.
type Config struct {
	CourtListener CourtListenerConfig
	PACER         PACERConfig
	// QuietAfter is how long a court may yield nothing new before Status reports it as
	// quiet (default 6 h).
	QuietAfter time.Duration
	// MaxBackoff caps the wait after repeated transient failures of one source (default
	// 10 min); the first wait is 5 s, doubling.
	MaxBackoff time.Duration
	// SpoolDir holds PDFs larger than SpoolMemory while they are hashed and stored
	// (default os.TempDir()); SpoolMemory defaults to 8 MB.
	SpoolDir    string
	SpoolMemory int64
	// JobRetryInterval is the first wait before a queued job (a webhook event to resolve,
	// a PDF whose download failed) is tried again, doubling up to MaxBackoff (default 1
	// min); JobAttempts is how often a job is tried before it is parked in DEAD with its
	// reason (default 6: about half an hour with the defaults).
	JobRetryInterval time.Duration
	JobAttempts      int
	// BackfillMaxFailures is how many consecutive failed polls without progress make
	// Backfill give up and return (default 20); it is resumable.
	BackfillMaxFailures int
}

// CourtListenerConfig configures the CourtListener source.
type CourtListenerConfig struct {
	// Courts are CourtListener court ids to poll ("cand", "nysd", "ca9").
	Courts []string
	// Token is the API token; TokenFile a file holding it (read at start, trimmed).
	// Token wins when both are set. Required when Courts is not empty, and for webhooks
	// and backfills.
	Token     Secret
	TokenFile string
	// BaseURL and StorageURL default to CourtListener's public hosts.
	BaseURL    string
	StorageURL string
	// PollInterval is the wait between polls of a court that is caught up (default 10 min).
	PollInterval time.Duration
	// Budget is the request budget of the account (nil: courtlistener.DefaultLimits;
	// &Limits{}: unlimited).
	Budget *courtlistener.Limits
	// Field orders polling: date_modified (default), which also finds documents whose
	// PDF arrived or whose text was redone later, or date_created. A saved cursor of the
	// other field continues from its position by this one.
	Field courtlistener.Field
	// Overlap is how far behind its position each poll looks again, for documents
	// CourtListener committed late (default courtlistener.DefaultOverlap).
	Overlap time.Duration
	// Since is where polling starts for a court that has no cursor yet; zero means
	// Lookback before the first poll (default 24 h).
	Since    time.Time
	Lookback time.Duration
	// MaxPages bounds the pages one poll reads before the cursor is saved (default 10).
	MaxPages int
	// HTTPClient, Backoff and MaxBackoff tune the client (see courtlistener.Config).
	HTTPClient *http.Client
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// PACERConfig configures the PACER RSS source.
type PACERConfig struct {
	// Courts are PACER court ids whose feeds to poll ("nysd", "cand", "ca9", "nysb").
	Courts []string
	// Interval is the least time between two polls of one court's feed (default and
	// minimum 5 min unless AllowFast: PACER's feeds are shared and CourtListener visits
	// them at that rate).
	Interval  time.Duration
	AllowFast bool
	// HTTPClient and URL override the poller's defaults (tests point URL at a fake).
	HTTPClient *http.Client
	URL        func(court string) (string, error)
}

// Defaults.
const (
	DefaultCLPollInterval = 10 * time.Minute
	DefaultPACERInterval  = 5 * time.Minute
	DefaultLookback       = 24 * time.Hour
	DefaultQuietAfter     = 6 * time.Hour
)

func (c Config) withDefaults() Config {
	c.QuietAfter = config.Default(c.QuietAfter, DefaultQuietAfter)
	c.MaxBackoff = config.Default(c.MaxBackoff, 10*time.Minute)
	if c.SpoolDir == "" {
		c.SpoolDir = os.TempDir()
	}
	c.SpoolMemory = config.Default(c.SpoolMemory, 8<<20)
	c.JobRetryInterval = config.Default(c.JobRetryInterval, time.Minute)
	c.JobAttempts = config.Default(c.JobAttempts, 6)
	c.BackfillMaxFailures = config.Default(c.BackfillMaxFailures, 20)
	cl := &c.CourtListener
	cl.PollInterval = config.Default(cl.PollInterval, DefaultCLPollInterval)
	if cl.Field == "" {
		cl.Field = courtlistener.DateModified
	}
	cl.Lookback = config.Default(cl.Lookback, DefaultLookback)
	c.PACER.Interval = config.Default(c.PACER.Interval, DefaultPACERInterval)
	return c
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	seen := map[string]bool{}
	for _, court := range c.CourtListener.Courts {
		if !validCourt(court) {
			errs = append(errs, fmt.Errorf("--courtlistener-courts: court %q: want a lower-case court id like cand", court))
		}
		if seen[court] {
			errs = append(errs, fmt.Errorf("--courtlistener-courts: court %q listed twice", court))
		}
		seen[court] = true
	}
	if len(c.CourtListener.Courts) > 0 && c.CourtListener.Token == "" && c.CourtListener.TokenFile == "" {
		errs = append(errs, errors.New("--courtlistener-courts configured without an API token (DOCKETWATCH_COURTLISTENER_TOKEN, the config file's courtlistener-token or --courtlistener-token-file)"))
	} else if c.CourtListener.TokenFile != "" {
		// Read here as it is read when the fetcher opens, so that a file missing or empty
		// is refused at start rather than stopping the fetcher once it runs.
		if _, err := c.CourtListener.token(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, u := range []struct{ flag, url string }{{"courtlistener-url", c.CourtListener.BaseURL}, {"courtlistener-storage-url", c.CourtListener.StorageURL}} {
		if p, err := url.Parse(u.url); u.url != "" && (err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "") {
			errs = append(errs, fmt.Errorf("--%s %q: want an http or https URL", u.flag, u.url))
		}
	}
	if f := c.CourtListener.Field; f != courtlistener.DateCreated && f != courtlistener.DateModified {
		errs = append(errs, fmt.Errorf("--courtlistener-field %q: want date_created or date_modified", f))
	}
	seen = map[string]bool{}
	for _, court := range c.PACER.Courts {
		if _, err := pacerrss.FeedURL(court); err != nil {
			errs = append(errs, fmt.Errorf("--pacer-courts: %w", err))
		}
		if seen[court] {
			errs = append(errs, fmt.Errorf("--pacer-courts: court %q listed twice", court))
		}
		seen[court] = true
	}
	if c.PACER.Interval < DefaultPACERInterval && !c.PACER.AllowFast {
		errs = append(errs, fmt.Errorf("--pacer-interval %v is below the polite minimum %v", c.PACER.Interval, DefaultPACERInterval))
	}
	return errors.Join(errs...)
}

// token returns the configured API token, reading the token file if needed.
func (c CourtListenerConfig) token() (string, error) {
	if t := strings.TrimSpace(string(c.Token)); t != "" {
		return t, nil
	}
	if c.TokenFile == "" {
		return "", errors.New("no courtlistener API token configured")
	}
	b, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("--courtlistener-token-file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("--courtlistener-token-file %s is empty", c.TokenFile)
	}
	return t, nil
}

// validCourt accepts CourtListener court ids: lower-case letters, digits and dashes.
func validCourt(court string) bool {
	if len(court) < 2 || len(court) > 16 {
		return false
	}
	for i := 0; i < len(court); i++ {
		c := court[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

// RegisterFlags registers the fetcher's settings on fs, so that every role verb exposes
// the same names (pkg/config binds them to the environment and the config file). The
// CourtListener token is a secret. Call Validate after parsing.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	config.Func(fs, "courtlistener-courts", "comma-separated CourtListener court ids to poll", func(v string) error {
		c.CourtListener.Courts = splitList(v)
		return nil
	})
	config.SecretVar(fs, &c.CourtListener.Token, "courtlistener-token", "CourtListener API token")
	fs.StringVar(&c.CourtListener.TokenFile, "courtlistener-token-file", "", "file holding the CourtListener API token")
	fs.StringVar(&c.CourtListener.BaseURL, "courtlistener-url", "", "CourtListener API root (default "+courtlistener.DefaultBaseURL+")")
	fs.StringVar(&c.CourtListener.StorageURL, "courtlistener-storage-url", "", "CourtListener PDF storage root (default "+courtlistener.DefaultStorageURL+")")
	fs.DurationVar(&c.CourtListener.PollInterval, "courtlistener-interval", DefaultCLPollInterval, "wait between polls of a caught-up court")
	fs.DurationVar(&c.CourtListener.Lookback, "courtlistener-lookback", DefaultLookback, "how far back a court's first poll starts")
	config.Func(fs, "courtlistener-budget", `request budget, e.g. "5/min,50/hour,125/day" or "none" (default: an ordinary account's limits)`, func(v string) error {
		l, err := ParseLimits(v)
		if err != nil {
			return err
		}
		c.CourtListener.Budget = &l
		return nil
	})
	field := (*string)(&c.CourtListener.Field)
	config.ChoiceVar(fs, field, "courtlistener-field", string(courtlistener.DateModified), Fields,
		"date_modified polls new documents and PDFs that arrive later; date_created new documents only")
	fs.DurationVar(&c.CourtListener.Overlap, "courtlistener-overlap", courtlistener.DefaultOverlap, "how far behind its position each poll looks again, for documents committed late")
	fs.DurationVar(&c.JobRetryInterval, "fetch-retry-interval", time.Minute, "first wait before a failed PDF download or webhook event is tried again, doubling")
	fs.IntVar(&c.JobAttempts, "fetch-attempts", 6, "how often a PDF download or webhook event is tried before it is parked in DEAD")
	config.Func(fs, "pacer-courts", "comma-separated PACER court ids whose RSS feeds to poll", func(v string) error {
		c.PACER.Courts = splitList(v)
		return nil
	})
	fs.DurationVar(&c.PACER.Interval, "pacer-interval", DefaultPACERInterval, "least time between polls of one court's feed, at least 5m")
	fs.DurationVar(&c.QuietAfter, "fetch-quiet-after", DefaultQuietAfter, "report a court quiet after this long without new filings")
}

// Fields are the values of --courtlistener-field.
var Fields = []string{string(courtlistener.DateCreated), string(courtlistener.DateModified)}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, strings.ToLower(s))
		}
	}
	return out
}

// ParseLimits reads a request budget: "none", or comma-separated N/min, N/hour, N/day.
func ParseLimits(v string) (courtlistener.Limits, error) {
	var l courtlistener.Limits
	v = strings.TrimSpace(v)
	if v == "none" || v == "" {
		return l, nil
	}
	for _, part := range strings.Split(v, ",") {
		num, unit, ok := strings.Cut(strings.TrimSpace(part), "/")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n <= 0 {
			return l, fmt.Errorf("budget %q: want N/min, N/hour or N/day", part)
		}
		switch unit {
		case "min", "minute", "m":
			l.PerMinute = n
		case "hour", "h":
			l.PerHour = n
		case "day", "d":
			l.PerDay = n
		default:
			return l, fmt.Errorf("budget %q: unknown unit %q", part, unit)
		}
	}
	return l, nil
}

// ParseEnd reads the last day of a backfill and returns where the range ends: after
// that whole day for a date ("2024-04-15" includes April 15), at the time itself for an
// RFC 3339 time.
func ParseEnd(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	return ParseTime(v)
}

// ParseTime reads a backfill bound: a date ("2024-04-15", midnight UTC) or an RFC 3339
// time.
func ParseTime(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date (2024-04-15) or an RFC 3339 time", v)
	}
	return t, nil
}
