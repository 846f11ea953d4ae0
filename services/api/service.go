package api

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/docketwatch/docketwatch/services/api/openapi"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is the API role's: where it listens and the policy that protects it.
type Config struct {
	// HTTP is the listen address ("127.0.0.1:8080"); empty serves nothing.
	HTTP   string
	Policy Policy
	// TokenFile, when set, holds the API token; Validate reads it, and it wins over
	// Policy.Token.
	TokenFile string
}

// RegisterFlags registers the role's settings on fs (pkg/config binds them to the
// environment and the config file). The token is a secret: the environment, the file
// or --api-token-file, never a flag.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTP, "http", "127.0.0.1:8080", "HTTP listen address of the API and web UI (empty: no HTTP, refused for an api role named by --roles or its verb)")
	config.SecretVar(fs, &c.Policy.Token, "api-token", "the API token: writes need it, and reads when search is not public")
	fs.StringVar(&c.TokenFile, "api-token-file", "", "file holding the API token (wins over api-token)")
	fs.BoolVar(&c.Policy.PublicReads, "search-public", true, "anyone may search and read documents; false needs the API token")
	fs.Float64Var(&c.Policy.Rate, "rate", 20, "requests per second each client may make on average; -1: no limit")
	fs.IntVar(&c.Policy.Burst, "burst", 60, "requests a client may make at once")
	fs.Int64Var(&c.Policy.MaxBodyBytes, "max-body", 1<<20, "largest request body in bytes")
	config.Func(fs, "trusted-proxies", "reverse proxies whose X-Forwarded-For names the client, comma-separated addresses or CIDRs", func(v string) (err error) {
		c.Policy.TrustedProxies, err = ParsePrefixes(v)
		return err
	})
	config.Func(fs, "webhook-sources", "who may post CourtListener webhook events, addresses or CIDRs (default CourtListener's)", func(v string) (err error) {
		c.Policy.WebhookSources, err = ParsePrefixes(v)
		return err
	})
}

// Validate reads the token file and reports a setting that cannot work, naming its flag.
func (c *Config) Validate() error {
	if c.TokenFile != "" {
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return fmt.Errorf("--api-token-file: %w", err)
		}
		if c.Policy.Token = strings.TrimSpace(string(b)); c.Policy.Token == "" {
			return fmt.Errorf("--api-token-file: %s is empty", c.TokenFile)
		}
	}
	if c.HTTP != "" {
		if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
			return fmt.Errorf("--http %q: want host:port: %w", c.HTTP, err)
		}
	}
	if c.Policy.MaxBodyBytes < 0 {
		return fmt.Errorf("--max-body %d: want a size in bytes", c.Policy.MaxBodyBytes)
	}
	return c.Policy.Validate()
}

// Deps are what the role serves: the searcher and the stores, and what other roles of
// the same process add (the fetcher's routes, the web UI).
type Deps struct {
	Searcher search.Searcher
	// Sessions are the signed-out web sessions, shared with the web UI.
	Sessions *Sessions
	// Gate bounds the searches under way, shared with the web UI (SearchGate).
	Gate  *SearchGate
	Blobs blob.Store
	// JS reads and writes the rules, the jobs, DEAD and ALERTS.
	JS    jetstream.JetStream
	Rules *alert.Store
	// CheckRule compiles a rule as the alerter will (AlertDeps.Check).
	CheckRule func(alert.Rule) error
	// JobKinds and CreateJobs are AdminDeps's.
	JobKinds   []string
	CreateJobs func(ctx context.Context, s *job.Store, kind string, sel job.Selection) ([]*job.Job, error)
	// BaseURL is the public address, for the feeds' self links.
	BaseURL string
	// Metrics is served at /metrics.
	Metrics prometheus.Gatherer
	// Ready says whether the process can serve (/readyz).
	Ready func(ctx context.Context) error
	// Routes, when set, adds routes of the process's other roles (the fetcher's
	// sources and webhook) to the mux.
	Routes func(mux *http.ServeMux)
	// UI, when set, is the web UI, served at "/".
	UI  http.Handler
	Log *slog.Logger
}

// Service is the API role: an HTTP server listening on Config.HTTP.
type Service struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
}

// New listens on cfg.HTTP and builds the API's routes; Run serves them. An address in
// use is an error here, before anything else starts.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (--http): %w", cfg.HTTP, err)
	}
	conns := cfg.Policy.ConnLimit()
	cfg.Policy.Log, cfg.Policy.Sessions = deps.Log, deps.Sessions
	return &Service{srv: NewServer(Protect(Mux(cfg.Policy.Token, deps), cfg.Policy), conns), ln: conns.Wrap(ln), log: deps.Log}, nil
}

// Mux holds every route of the API over deps; token authorises writes.
func Mux(token string, deps Deps) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(deps.Metrics, promhttp.HandlerOpts{}))
	apiH := Handler(HandlerDeps{Searcher: deps.Searcher, Gate: deps.Gate, Blobs: deps.Blobs, Log: deps.Log, Ready: deps.Ready})
	mux.Handle("/api/", apiH)
	if err := openapi.Routes(mux); err != nil {
		panic(err) // the embedded description does not parse: a build mistake
	}
	mux.Handle("/healthz", apiH)
	mux.Handle("/readyz", apiH)
	AlertRoutes(mux, AlertDeps{Store: deps.Rules, JS: deps.JS, Check: deps.CheckRule, Token: token, BaseURL: deps.BaseURL, Log: deps.Log})
	AdminRoutes(mux, AdminDeps{JS: deps.JS, Token: token, Sessions: deps.Sessions, JobKinds: deps.JobKinds, CreateJobs: deps.CreateJobs, Log: deps.Log})
	if deps.Routes != nil {
		deps.Routes(mux)
	}
	if deps.UI != nil {
		mux.Handle("/", deps.UI)
	}
	return mux
}

// URL is where the role listens ("http://127.0.0.1:8080").
func (s *Service) URL() string { return "http://" + s.ln.Addr().String() }

// Run serves until ctx ends, then lets the requests under way finish (10 s at most).
func (s *Service) Run(ctx context.Context) error { return Serve(ctx, s.srv, s.ln) }

// Serve serves srv on ln until ctx ends, then lets the requests under way finish (10 s
// at most).
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
