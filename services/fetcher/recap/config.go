package recap

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
)

// Config configures RECAP lookups and purchases. The zero value (after defaults) looks
// documents up for free and buys nothing.
type Config struct {
	// Recheck is when a document RECAP does not hold is looked up again, counted from
	// when it was announced; after the last, it is given up (default 1h, 6h, 24h, 72h,
	// 168h).
	Recheck []time.Duration
	// Interval is the least time between two passes over the documents due (default 1 min).
	Interval time.Duration
	// Rules decide what is bought; Caps bound the spend per day and per month (both
	// must be set to buy).
	Rules Rules
	Caps  Caps
	// PACERUsername and PACERPassword are the PACER login, secrets (the environment or
	// the config file, never a flag: ps would show it); PACERUsernameFile and
	// PACERPasswordFile, when named, hold them instead (read at start, trimmed).
	PACERUsername     fetcher.Secret
	PACERPassword     fetcher.Secret
	PACERUsernameFile string
	PACERPasswordFile string
	// Poll is how often a purchase whose webhook event has not come is asked about
	// (default 5 min); Lease how long a buyer owns a purchase request it is sending
	// (default 2 min).
	Poll  time.Duration
	Lease time.Duration
}

func (c Config) withDefaults() Config {
	if len(c.Recheck) == 0 {
		c.Recheck = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour}
	}
	c.Interval = config.Default(c.Interval, time.Minute)
	c.Poll = config.Default(c.Poll, 5*time.Minute)
	c.Lease = config.Default(c.Lease, 2*time.Minute)
	return c
}

// Validate reports settings that cannot work: buying without caps or credentials, or
// without any rule that limits what is bought.
func (c Config) Validate() error {
	var errs []error
	for i, d := range c.Recheck {
		if d <= 0 || i > 0 && d <= c.Recheck[i-1] {
			errs = append(errs, fmt.Errorf("recap recheck schedule %v: want increasing positive durations", c.Recheck))
			break
		}
	}
	if c.Rules.Enabled {
		if c.Caps.Day <= 0 || c.Caps.Month <= 0 {
			errs = append(errs, errors.New("buying needs a daily and a monthly cap (--buy-cap-day, --buy-cap-month)"))
		}
		if len(c.Rules.Dockets) == 0 && len(c.Rules.Terms) == 0 {
			errs = append(errs, errors.New("buying needs watched dockets or terms (--buy-dockets, --buy-terms)"))
		}
		if _, err := c.Credentials(); err != nil {
			errs = append(errs, err)
		}
	} else if _, err := c.login(); err != nil {
		errs = append(errs, err) // a login file named but unreadable, even if unused yet
	}
	return errors.Join(errs...)
}

// Credentials is the PACER login buying needs.
func (c Config) Credentials() (courtlistener.PACERCredentials, error) {
	creds, err := c.login()
	if err != nil {
		return courtlistener.PACERCredentials{}, err
	}
	if creds.Username == "" || creds.Password == "" {
		return courtlistener.PACERCredentials{}, fmt.Errorf("--buy needs a PACER login: %s and %s (or the config file's pacer-username and pacer-password), or --pacer-username-file and --pacer-password-file",
			config.EnvName("pacer-username"), config.EnvName("pacer-password"))
	}
	return creds, nil
}

// login is the PACER login as configured, read from its files when they are named.
func (c Config) login() (courtlistener.PACERCredentials, error) {
	read := func(value fetcher.Secret, file, flag string) (string, error) {
		if file == "" {
			return strings.TrimSpace(string(value)), nil
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--%s: %w", flag, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	user, err := read(c.PACERUsername, c.PACERUsernameFile, "pacer-username-file")
	if err != nil {
		return courtlistener.PACERCredentials{}, err
	}
	pass, err := read(c.PACERPassword, c.PACERPasswordFile, "pacer-password-file")
	if err != nil {
		return courtlistener.PACERCredentials{}, err
	}
	return courtlistener.PACERCredentials{Username: user, Password: pass}, nil
}

// RegisterFlags registers the settings on fs (pkg/config binds each to its
// DOCKETWATCH_* variable and the config file). The PACER login is a secret: the
// environment or the config file, or files named by flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Rules.Enabled, "buy", false, "buy PACER documents RECAP does not hold, within the rules and caps")
	config.Func(fs, "buy-dockets", "watched dockets whose documents may be bought, court/number, comma-separated", func(v string) error {
		c.Rules.Dockets = splitList(v)
		return nil
	})
	config.Func(fs, "buy-terms", "buy documents whose description contains one of these terms, comma-separated", func(v string) error {
		c.Rules.Terms = splitList(v)
		return nil
	})
	fs.BoolVar(&c.Rules.ExhibitsOnly, "buy-exhibits-only", false, "buy exhibits only")
	fs.IntVar(&c.Rules.MaxPages, "buy-max-pages", 0, "buy no document longer than this many pages (0: no limit)")
	for _, cap := range []struct {
		name string
		v    *Cents
	}{{"buy-cap-day", &c.Caps.Day}, {"buy-cap-month", &c.Caps.Month}} {
		config.Func(fs, cap.name, "most spent on PACER documents, in dollars (\"5.00\"), per "+strings.TrimPrefix(cap.name, "buy-cap-"), func(v string) error {
			d, err := ParseDollars(v)
			*cap.v = d
			return err
		})
	}
	config.SecretVar(fs, &c.PACERUsername, "pacer-username", "PACER username, for buying")
	config.SecretVar(fs, &c.PACERPassword, "pacer-password", "PACER password, for buying")
	fs.StringVar(&c.PACERUsernameFile, "pacer-username-file", "", "file holding the PACER username (wins over pacer-username)")
	fs.StringVar(&c.PACERPasswordFile, "pacer-password-file", "", "file holding the PACER password (wins over pacer-password)")
}

// ParseDollars reads "5", "5.00" or "$0.30" into cents.
func ParseDollars(v string) (Cents, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "$")
	if v == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q: at most two decimals", v)
	}
	d, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("amount %q: want dollars like 5.00", v)
	}
	c := int64(0)
	if frac != "" {
		c, err = strconv.ParseInt((frac + "0")[:2], 10, 64)
		if err != nil || c < 0 {
			return 0, fmt.Errorf("amount %q: want dollars like 5.00", v)
		}
	}
	return Cents(d*100 + c), nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
