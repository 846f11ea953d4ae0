package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
)

// runOptions are the flags of `run` and of the role verbs.
type runOptions struct {
	common
	addr    string
	metrics string
	roles   string
	config  string
	policy  api.Policy
	pf      *api.PolicyFlags
	fetcher fetcher.Config
	recap   recap.Config // PACER documents: RECAP lookups and purchases
	baseURL string
	smtp    email.Config
	extract extractFlags
	shard   search.Shard
}

// extractFlags are the extraction settings of the verbs that run the pipeline.
type extractFlags struct {
	aliases string
	engine  string
	noOCR   bool
}

func (e *extractFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&e.aliases, "aliases", os.Getenv("DOCKETWATCH_ALIASES"), "YAML alias file for entity names: canonical name → other names (env DOCKETWATCH_ALIASES)")
	fs.StringVar(&e.engine, "engine", "auto", "PDF text engine: auto, go or poppler")
	fs.BoolVar(&e.noOCR, "no-ocr", false, "do not OCR pages without text")
}

// config is the extractor's configuration from the flags.
func (e extractFlags) config() (extractor.Config, error) {
	rec, err := recognizer(e.aliases)
	return extractor.Config{Entities: rec, Engine: e.engine, NoOCR: e.noOCR}, err
}

func runFlags(verb string) (*flag.FlagSet, *runOptions) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	o := &runOptions{}
	o.register(fs)
	fs.StringVar(&o.addr, "http", envOr("DOCKETWATCH_HTTP", "127.0.0.1:8080"), "HTTP listen address of the API role (env DOCKETWATCH_HTTP; empty: no HTTP)")
	fs.StringVar(&o.metrics, "metrics", os.Getenv("DOCKETWATCH_METRICS"), "listen address for /metrics, /healthz and /readyz of this process's roles, e.g. 0.0.0.0:9090 (env DOCKETWATCH_METRICS; the API serves them too)")
	fs.StringVar(&o.roles, "roles", "", "roles to run, comma-separated (default: all for run)")
	fs.StringVar(&o.config, "config", os.Getenv("DOCKETWATCH_CONFIG"), "YAML file of settings, keyed by these flags' names; flags and DOCKETWATCH_* variables override it (env DOCKETWATCH_CONFIG)")
	o.fetcher.RegisterFlags(fs)
	o.recap.RegisterFlags(fs)
	o.extract.register(fs)
	fs.Var(&o.shard, "shard", "the part of the index this indexer holds and serves, i/n: 0/2 and 1/2 split it in two (env DOCKETWATCH_SHARD; default all of it)")
	o.pf = o.policy.RegisterFlags(fs)
	fs.StringVar(&o.baseURL, "base-url", os.Getenv("DOCKETWATCH_BASE_URL"), "public address of the web UI and API, for links in alerts (env DOCKETWATCH_BASE_URL)")
	fs.StringVar(&o.smtp.Host, "smtp-host", os.Getenv("DOCKETWATCH_SMTP_HOST"), "SMTP relay for alert email (env DOCKETWATCH_SMTP_HOST); the password only from env DOCKETWATCH_SMTP_PASSWORD")
	fs.IntVar(&o.smtp.Port, "smtp-port", 0, "SMTP port (default 587, or 465 with --smtp-tls tls)")
	fs.StringVar(&o.smtp.Username, "smtp-user", os.Getenv("DOCKETWATCH_SMTP_USER"), "SMTP user (env DOCKETWATCH_SMTP_USER)")
	fs.StringVar(&o.smtp.From, "smtp-from", os.Getenv("DOCKETWATCH_SMTP_FROM"), "sender address of alert email (env DOCKETWATCH_SMTP_FROM)")
	fs.StringVar(&o.smtp.TLS, "smtp-tls", "", "SMTP TLS: starttls (default), tls (implicit, port 465) or none")
	o.smtp.Password = os.Getenv("DOCKETWATCH_SMTP_PASSWORD")
	return fs, o
}

// cmdRun runs roles until interrupted: every role for `run`, one for `docketwatch
// extractor` and the other role verbs (which are meant for a NATS cluster: --nats).
func cmdRun(ctx context.Context, verb string, args []string) error {
	fs, o := runFlags(verb)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if o.config != "" {
		if err := config.Apply(fs, o.config); err != nil {
			return err
		}
	}
	if err := o.pf.Load(); err != nil {
		return err
	}
	if v := os.Getenv("DOCKETWATCH_SHARD"); v != "" && !flagSet(fs, "shard") {
		if err := o.shard.Set(v); err != nil {
			return fmt.Errorf("DOCKETWATCH_SHARD: %w", err)
		}
	}
	if o.policy.Token == "" && o.NATS.URLs == "" {
		// An embedded docketwatch is one person's: give its web UI a sign-in token of
		// its own, kept in the data directory, rather than leave every write refused.
		path, tok, err := datadir.APIToken(o.data)
		if err != nil {
			return err
		}
		o.policy.Token = tok
		fmt.Fprintf(os.Stderr, "docketwatch: API and web sign-in token in %s\n", path)
	}
	ex, err := o.extract.config()
	if err != nil {
		return err
	}
	// A long-running role waits for a NATS that is not up yet rather than exit into a
	// crash loop; the waiting, and later losses of the server, go to its log.
	o.NATS.WaitForServers = true
	log := o.Logger(slog.LevelInfo)
	slog.SetDefault(log)
	service := "docketwatch"
	if verb != "run" {
		service += "-" + verb
	}
	stopTracing, err := o.StartTracing(ctx, service, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	cfg := node.Config{Extractor: ex, DataDir: o.data, NATS: o.NATS, Replicas: o.Replicas, HTTPAddr: o.addr, MetricsAddr: o.metrics, Fetcher: o.fetcher,
		RECAP:   o.recap,
		Alerter: alerter.Config{BaseURL: o.baseURL}, SMTP: o.smtp, Policy: o.policy, Shard: o.shard,
		Log: log}
	switch {
	case verb != "run":
		cfg.Roles = []string{verb}
	case o.roles != "":
		cfg.Roles = strings.Split(o.roles, ",")
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		return err
	}
	what := "docketwatch"
	if verb != "run" {
		what += " " + verb
	}
	where := "data " + o.data
	if n.OpsURL != "" {
		where += ", metrics " + n.OpsURL
	}
	if n.HTTPURL != "" {
		fmt.Printf("%s serving %s (%s); Ctrl-C stops\n", what, n.HTTPURL, where)
	} else {
		fmt.Printf("%s running (%s); Ctrl-C stops\n", what, where)
	}
	<-ctx.Done()
	fmt.Println("docketwatch: draining and stopping")
	n.Close()
	return nil
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
