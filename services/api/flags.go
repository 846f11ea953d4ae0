package api

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RegisterFlags adds the policy's flags to fs, with DOCKETWATCH_* environment variables
// as defaults, so that `docketwatch run`, `docketwatch api` and the api binary take the
// same names. The token comes only from the environment or a file, never a flag, so
// that no process listing shows it. Call Load after parsing, then Validate.
//
//	DOCKETWATCH_API_TOKEN / --api-token-file   the API token (writes; reads when not public)
//	--search-public (DOCKETWATCH_SEARCH_PUBLIC, default true)
//	--rate, --burst (DOCKETWATCH_API_RATE, DOCKETWATCH_API_BURST): per-client requests/s, -1 off
//	--max-body (DOCKETWATCH_API_MAX_BODY): request body bytes
//	--trusted-proxies (DOCKETWATCH_TRUSTED_PROXIES): addresses or CIDRs whose X-Forwarded-For counts
//	--webhook-sources (DOCKETWATCH_WEBHOOK_SOURCES): who may post CourtListener webhooks
func (p *Policy) RegisterFlags(fs *flag.FlagSet) *PolicyFlags {
	f := &PolicyFlags{p: p}
	env := func(k string) string { return os.Getenv("DOCKETWATCH_" + k) }
	p.Token = env("API_TOKEN")
	fs.StringVar(&f.tokenFile, "api-token-file", env("API_TOKEN_FILE"), "file holding the API token (else env DOCKETWATCH_API_TOKEN); writes need it, and reads when search is not public")
	p.PublicReads = true
	if v := env("SEARCH_PUBLIC"); v != "" {
		p.PublicReads, f.err = strconv.ParseBool(v)
	}
	fs.BoolVar(&p.PublicReads, "search-public", p.PublicReads, "anyone may search and read documents; false needs the API token (env DOCKETWATCH_SEARCH_PUBLIC)")
	p.Rate, p.Burst = 20, 60
	if v := env("API_RATE"); v != "" {
		p.Rate, _ = strconv.ParseFloat(v, 64)
	}
	if v := env("API_BURST"); v != "" {
		p.Burst, _ = strconv.Atoi(v)
	}
	fs.Float64Var(&p.Rate, "rate", p.Rate, "requests per second each client may make on average; -1: no limit (env DOCKETWATCH_API_RATE)")
	fs.IntVar(&p.Burst, "burst", p.Burst, "requests a client may make at once (env DOCKETWATCH_API_BURST)")
	p.MaxBodyBytes = 1 << 20
	if v := env("API_MAX_BODY"); v != "" {
		p.MaxBodyBytes, _ = strconv.ParseInt(v, 10, 64)
	}
	fs.Int64Var(&p.MaxBodyBytes, "max-body", p.MaxBodyBytes, "largest request body in bytes (env DOCKETWATCH_API_MAX_BODY)")
	f.proxies, f.sources = env("TRUSTED_PROXIES"), env("WEBHOOK_SOURCES")
	fs.StringVar(&f.proxies, "trusted-proxies", f.proxies, "reverse proxies whose X-Forwarded-For names the client, comma-separated addresses or CIDRs (env DOCKETWATCH_TRUSTED_PROXIES)")
	fs.StringVar(&f.sources, "webhook-sources", f.sources, "who may post CourtListener webhook events, addresses or CIDRs (default CourtListener's; env DOCKETWATCH_WEBHOOK_SOURCES)")
	return f
}

// PolicyFlags holds what RegisterFlags reads as text until Load.
type PolicyFlags struct {
	p                           *Policy
	tokenFile, proxies, sources string
	err                         error
}

// Load finishes the policy after parsing: the token file and the address lists.
func (f *PolicyFlags) Load() error {
	if f.err != nil {
		return fmt.Errorf("DOCKETWATCH_SEARCH_PUBLIC: %w", f.err)
	}
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return fmt.Errorf("reading the API token file: %w", err)
		}
		if f.p.Token = strings.TrimSpace(string(b)); f.p.Token == "" {
			return fmt.Errorf("the API token file %s is empty", f.tokenFile)
		}
	}
	var err error
	if f.proxies != "" {
		if f.p.TrustedProxies, err = ParsePrefixes(f.proxies); err != nil {
			return fmt.Errorf("trusted proxies: %w", err)
		}
	}
	if f.sources != "" {
		if f.p.WebhookSources, err = ParsePrefixes(f.sources); err != nil {
			return fmt.Errorf("webhook sources: %w", err)
		}
	}
	return f.p.Validate()
}
