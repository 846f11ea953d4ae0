// Package node runs any subset of docketwatch's roles in one process, either embedded (its
// own NATS server and everything over one data directory: the default) or as part of a
// deployment against a NATS cluster. It is the one composition root: `docketwatch run`
// and `docketwatch ROLE` both start roles from its table, with the same flags, so that
// every deployment is wired by the same code. Each stage only sees its own connection
// and dependencies.
package node

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/telemetry"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	alertrules "github.com/docketwatch/docketwatch/services/alerter/rules"
	"github.com/docketwatch/docketwatch/services/alerter/status"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/api/web"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The roles a node can run.
const (
	RoleExtractor = "extractor"
	RoleIndexer   = "indexer"
	RoleAPI       = "api"
	RoleFetcher   = "fetcher"
	RoleAlerter   = "alerter"
)

// role is one entry of the table: its name and what starts it in a node whose bus is
// up. Roles start in the table's order; Close stops them together.
type role struct {
	name string
	init func(n *Node, ctx context.Context) error
}

// roles is the table of roles (the order matters: the indexer answers searches before
// the API asks, the fetcher's routes exist before the API mounts them).
var roles = []role{
	{RoleIndexer, (*Node).initIndexer},
	{RoleExtractor, (*Node).initExtractor},
	{RoleFetcher, (*Node).initFetcher},
	{RoleAlerter, (*Node).initAlerter},
	{RoleAPI, (*Node).initAPI},
}

// Roles lists every role, in start order.
var Roles = func() []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.name
	}
	return names
}()

// Config is what a node needs. RegisterFlags registers all of it but what every verb
// shares (the data directory, NATS, replicas: the CLI's common flags).
type Config struct {
	// DataDir holds the embedded server's store and the index; a node running only
	// stateless roles against a cluster needs none.
	DataDir string
	// Roles to run; empty runs every role.
	Roles []string
	// NATS is the cluster to join; with no URLs the node embeds its own server,
	// listening on 127.0.0.1:NATSPort (0: a free port).
	NATS     bus.ConnConfig
	NATSPort int
	// Replicas of streams and buckets when the node creates them (3 on a cluster).
	Replicas int
	// MetricsAddr, when set ("0.0.0.0:9090"), serves /metrics, /healthz and /readyz of
	// this process's roles: how a role without the API shows itself to Prometheus and
	// to Kubernetes probes.
	MetricsAddr string
	Extractor   extractor.Config
	Indexer     indexer.Config
	Fetcher     fetcher.Config
	// RECAP gets the PDFs of documents announced without one (runs with the fetcher role
	// when a CourtListener token is configured).
	RECAP   recap.Config
	Alerter alerter.Config
	// API serves the HTTP API and the web UI when API.HTTP is set and the api role runs;
	// a fetcher without the api role serves its sources and webhook routes there.
	API api.Config
	Log *slog.Logger
}

// RegisterFlags registers the node's and every role's settings on fs: `run` and each
// role verb take the same flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	config.Func(fs, "roles", "roles to run, comma-separated: "+strings.Join(Roles, ", ")+" (default: all)", func(v string) error {
		c.Roles = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Roles = append(c.Roles, r)
			}
		}
		return checkRoles(c.Roles)
	})
	fs.IntVar(&c.NATSPort, "nats-port", 0, "port of the embedded NATS server on 127.0.0.1 (default: a free port; without --nats)")
	fs.StringVar(&c.MetricsAddr, "metrics", "", "listen address for /metrics, /healthz and /readyz of this process's roles, e.g. 0.0.0.0:9090 (the API serves them too)")
	c.API.RegisterFlags(fs)
	c.Extractor.RegisterFlags(fs)
	c.Indexer.RegisterFlags(fs)
	c.Fetcher.RegisterFlags(fs)
	c.RECAP.RegisterFlags(fs)
	c.Alerter.RegisterFlags(fs)
}

func checkRoles(names []string) error {
	for _, r := range names {
		if !slices.Contains(Roles, r) {
			return fmt.Errorf("unknown role %q (roles: %s)", r, strings.Join(Roles, ", "))
		}
	}
	return nil
}

func (c Config) has(role string) bool { return len(c.Roles) == 0 || slices.Contains(c.Roles, role) }

// serves says whether the node listens on API.HTTP.
func (c Config) serves() bool {
	return c.API.HTTP != "" && (c.has(RoleAPI) || c.has(RoleFetcher))
}

// Validate reports a configuration that cannot start, naming the flag, before anything
// starts; it reads the files the settings name (tokens, credentials, the alias file) and
// keeps the entities it loads.
func (c *Config) Validate() error {
	if err := checkRoles(c.Roles); err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	if slices.Contains(c.Roles, RoleAPI) && c.API.HTTP == "" {
		// Every role (no --roles) without an address is an embedded pipeline (ingest's).
		return errors.New("--http: the api role needs an address to serve on")
	}
	embedded := c.NATS.URLs == ""
	if c.DataDir == "" && (embedded || c.has(RoleIndexer)) {
		return errors.New("--data: a data directory is needed for the embedded server and the index")
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && err != nil {
		return fmt.Errorf("--metrics %q: want host:port: %w", c.MetricsAddr, err)
	}
	if c.NATSPort < 0 || c.NATSPort > 65535 || (c.NATSPort != 0 && !embedded) {
		return fmt.Errorf("--nats-port %d: want a port of the embedded server (no --nats)", c.NATSPort)
	}
	if c.Indexer.Shard.Sharded() && embedded {
		return errors.New("--shard: a shard of the index needs the other shards beside it: run sharded indexers against a NATS cluster (--nats)")
	}
	if !embedded {
		if err := c.NATS.Validate(); err != nil {
			return err
		}
	}
	checks := []struct {
		role     string
		validate func() error
	}{
		{RoleIndexer, c.Indexer.Validate},
		{RoleExtractor, c.Extractor.Validate},
		{RoleExtractor, c.Extractor.LoadEntities},
		{RoleFetcher, c.Fetcher.Validate},
		{RoleFetcher, c.RECAP.Validate},
		{RoleAlerter, c.Alerter.Validate},
	}
	for _, ch := range checks {
		if c.has(ch.role) {
			if err := ch.validate(); err != nil {
				return err
			}
		}
	}
	if c.serves() {
		return c.API.Validate()
	}
	return nil
}

// Node is a running set of roles.
type Node struct {
	cfg  Config
	lock *datadir.Lock
	nats *bus.Embedded
	// connMu guards conns: an indexer that waits for its lease connects later.
	connMu sync.Mutex
	conns  []*nats.Conn
	index  *indexer.Index
	ops    *http.Server
	// ready is /readyz: every connection up, and the indexer's checks.
	ready *run.Readiness
	// leaseMu guards the indexer's shard lease and why the indexer stopped for good.
	leaseMu  sync.Mutex
	lease    *bus.Lease
	leaseErr error // why no lease is held (nil: held)
	failed   error
	// stageCtx ends when Close begins: the stages drain.
	stageCtx context.Context
	cancel   context.CancelFunc
	stages   sync.WaitGroup
	// metrics hooks handed to the stages.
	observe    *telemetry.Stages
	deliveries *telemetry.Deliveries
	// routes adds the routes of the roles beside the API (the fetcher's).
	routes func(*http.ServeMux)
	// HTTPURL is the API's address once it listens; OpsURL the metrics server's.
	HTTPURL string
	OpsURL  string

	// JS is a JetStream handle for the node's owner (the CLI's ingest).
	JS jetstream.JetStream
	// Blobs is the blob store.
	Blobs blob.Store
	// Searcher answers queries over NATS, as every other client does: every shard of
	// the index answers, and their answers are merged.
	Searcher *search.Remote
	// Fetcher is the fetcher role's service, when it runs (backfills use it).
	Fetcher *fetcher.Service
	// RECAP is the RECAP lookup and purchase stage, nil without a CourtListener token.
	RECAP *recap.Service
	// Metrics is the node's Prometheus registry, served at /metrics.
	Metrics *prometheus.Registry

	closeOnce sync.Once
}

// Start validates cfg, then starts the configured roles from the table. On an error
// everything started is stopped again. The caller must Close the node.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, ready: run.NewReadiness(errors.New("starting"))}
	n.stageCtx, n.cancel = context.WithCancel(context.Background())
	if err := n.start(ctx); err != nil {
		n.Close()
		return nil, err
	}
	n.ready.Started()
	return n, nil
}

// start brings the bus up, then each role of the table the node runs, then the ops server.
func (n *Node) start(ctx context.Context) error {
	if err := n.openBus(ctx); err != nil {
		return err
	}
	for _, r := range roles {
		if !n.cfg.has(r.name) {
			continue
		}
		if err := r.init(n, ctx); err != nil {
			return fmt.Errorf("starting the %s role: %w", r.name, err)
		}
	}
	if n.cfg.MetricsAddr != "" {
		if err := n.serveOps(n.cfg.MetricsAddr); err != nil {
			return err
		}
	}
	if n.nats != nil {
		owner := datadir.Owner{PID: os.Getpid(), NATS: n.nats.ClientURL(), Token: n.nats.Token, HTTP: n.HTTPURL}
		return n.lock.Publish(owner)
	}
	return nil
}

// openBus locks the data directory when the node owns it, starts the embedded server
// when there is no cluster, sets up the JetStream contract and the node's own handles.
func (n *Node) openBus(ctx context.Context) error {
	cfg := n.cfg
	embedded := cfg.NATS.URLs == ""
	var err error
	if embedded || cfg.has(RoleIndexer) {
		// The embedded server's store and the index each want one owner.
		if n.lock, err = datadir.Acquire(cfg.DataDir); err != nil {
			return err
		}
	}
	if embedded {
		n.nats, err = bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: true, Port: cfg.NATSPort, Log: cfg.Log})
		if err != nil {
			return err
		}
		// A full disk stops the embedded JetStream storing until space returns.
		n.ready.Add(n.nats.Storage)
	}
	if n.JS, _, err = n.connect("owner"); err != nil {
		return err
	}
	if err = bus.Setup(ctx, n.JS, bus.Options{Replicas: cfg.Replicas, Log: cfg.Log}); err != nil {
		return fmt.Errorf("setting up the JetStream contract: %w", err)
	}
	if n.Blobs, err = blob.NewNATS(ctx, n.JS, bus.ObjectPDFs); err != nil {
		return err
	}
	n.Metrics = prometheus.NewRegistry()
	n.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		telemetry.NewJetStream(n.JS, run.Streams...))
	if n.nats != nil {
		n.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docketwatch_nats_disk_full",
			Help: "1 while the embedded NATS server's disk is full and JetStream stores nothing; it restarts by itself when space returns.",
		}, func() float64 {
			if n.nats.Storage() != nil {
				return 1
			}
			return 0
		}))
	}
	n.observe = telemetry.NewStages(n.Metrics)
	n.deliveries = telemetry.NewDeliveries(n.Metrics)
	_, clientNC, err := n.connect("client")
	if err != nil {
		return err
	}
	n.Searcher = search.NewRemote(clientNC, bus.SearchSubject)
	return nil
}

// connect opens a connection of its own for one component: a connection shared by
// stages can stall them all behind one slow subscriber. Readiness watches it.
func (n *Node) connect(name string) (jetstream.JetStream, *nats.Conn, error) {
	var nc *nats.Conn
	var err error
	if n.nats != nil {
		nc, err = n.nats.Connect("docketwatch-" + name)
	} else {
		nc, err = n.cfg.NATS.Connect("docketwatch-" + name)
	}
	if err != nil {
		return nil, nil, err
	}
	n.connMu.Lock()
	n.conns = append(n.conns, nc)
	n.connMu.Unlock()
	n.ready.Watch(nc)
	js, err := jetstream.New(nc)
	return js, nc, err
}

// connectBlobs is connect with a blob store over the connection.
func (n *Node) connectBlobs(ctx context.Context, name string) (jetstream.JetStream, blob.Store, error) {
	js, _, err := n.connect(name)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
	return js, blobs, err
}

// runStage runs f until Close; a stage that stops on its own says so in the log.
func (n *Node) runStage(name string, f func(context.Context) error) {
	n.stages.Add(1)
	go func() {
		defer n.stages.Done()
		if err := f(n.stageCtx); err != nil && n.stageCtx.Err() == nil {
			n.cfg.Log.Error("stage stopped", "stage", name, "err", err)
		}
	}()
}

func (n *Node) initExtractor(ctx context.Context) error {
	js, blobs, err := n.connectBlobs(ctx, RoleExtractor)
	if err != nil {
		return err
	}
	cfg := n.cfg.Extractor // Validate loaded its entities
	cfg.Observe = n.observe.Observe
	svc, err := extractor.New(cfg, extractor.Deps{JS: js, Blobs: blobs, Log: n.cfg.Log})
	if err != nil {
		return err
	}
	n.runStage(RoleExtractor, svc.Run)
	return nil
}

// initFetcher starts the fetcher; without the api role beside it, it serves its own
// routes (the sources' freshness, the CourtListener webhook) at the API's paths.
func (n *Node) initFetcher(ctx context.Context) error {
	js, blobs, err := n.connectBlobs(ctx, RoleFetcher)
	if err != nil {
		return err
	}
	fetch, err := fetcher.New(n.cfg.Fetcher, fetcher.Deps{JS: js, Blobs: blobs, Log: n.cfg.Log})
	if err != nil {
		return err
	}
	n.Metrics.MustRegister(fetch.Collector())
	// A court's source that stopped leaves the fetcher not doing its job.
	n.ready.Add(fetch.Ready)
	n.runStage(RoleFetcher, fetch.Run)
	n.Fetcher = fetch
	if n.RECAP, err = startRECAP(ctx, n.cfg, js, blobs, n.Metrics); err != nil {
		return err
	} else if n.RECAP != nil {
		n.runStage(recap.Stage, n.RECAP.Run)
	}
	n.routes = func(mux *http.ServeMux) {
		mux.Handle("GET /api/v1/sources", fetch.StatusHandler())
		if wh, err := fetch.WebhookHandler(n.stageCtx); err == nil {
			mux.Handle("POST /api/v1/webhooks/courtlistener", wh)
		} else {
			n.cfg.Log.Info("courtlistener webhook not served", "err", err)
		}
		if n.RECAP != nil {
			mux.Handle("POST "+api.RECAPFetchWebhookPath, n.RECAP.WebhookHandler())
		}
	}
	if n.cfg.has(RoleAPI) || n.cfg.API.HTTP == "" {
		return nil
	}
	mux := http.NewServeMux()
	n.routes(mux)
	return n.listen(api.Protect(mux, n.policy()))
}

// initAlerter starts the matcher and the deliverers: webhooks always, email with an
// SMTP relay.
func (n *Node) initAlerter(ctx context.Context) error {
	js, _, err := n.connect(RoleAlerter)
	if err != nil {
		return err
	}
	deps, err := alerter.OpenDeps(ctx, js, n.cfg.Log)
	if err != nil {
		return err
	}
	cfg := n.cfg.Alerter
	cfg.Observe = n.observe.Observe
	al, err := alerter.New(cfg, deps)
	if err != nil {
		return err
	}
	n.runStage(RoleAlerter, al.Run)
	whJS, _, err := n.connect("webhook")
	if err != nil {
		return err
	}
	rules, err := alert.OpenStore(ctx, whJS)
	if err != nil {
		return err
	}
	wh, err := webhook.New(webhook.Config{Policy: n.measured(status.Policy{}, alert.ChannelWebhook),
		AllowPrivate: n.cfg.Alerter.WebhookAllowPrivate}, webhook.Deps{JS: whJS, Rules: rules, Log: n.cfg.Log})
	if err != nil {
		return err
	}
	n.runStage("webhook", wh.Run)
	if cfg.SMTP.Host == "" {
		return nil
	}
	emJS, _, err := n.connect("email")
	if err != nil {
		return err
	}
	smtp := cfg.SMTP
	smtp.Policy = n.measured(smtp.Policy, alert.ChannelEmail)
	em, err := email.New(smtp, email.Deps{JS: emJS, Rules: rules, Log: n.cfg.Log})
	if err != nil {
		return err
	}
	n.runStage("email", em.Run)
	return nil
}

// measured hooks the delivery policy p of channel to the node's metrics.
func (n *Node) measured(p status.Policy, channel string) status.Policy {
	p.Observe, p.OnDelivery = n.observe.Observe, n.deliveries.For(channel)
	return p
}

// initAPI serves the API and the web UI on API.HTTP, when set.
func (n *Node) initAPI(ctx context.Context) error {
	if n.cfg.API.HTTP == "" {
		return nil
	}
	js, _, err := n.connect(RoleAPI)
	if err != nil {
		return err
	}
	rules, err := alert.OpenStore(ctx, js)
	if err != nil {
		return err
	}
	checkRule := func(r alert.Rule) error { _, err := alertrules.Compile(r, schema.Mapping()); return err }
	var sources http.Handler
	if n.Fetcher != nil {
		sources = n.Fetcher.StatusHandler()
	}
	// One gate for the API's and the web UI's searches, one record of signed-out sessions.
	gate := api.NewSearchGate(0, 0, 0)
	sessions, err := api.OpenSessions(n.stageCtx, js, n.cfg.Log)
	if err != nil {
		return err
	}
	var spend http.Handler // the PACER spend on the status page
	if n.RECAP != nil {
		spend = n.RECAP.SpendHandler()
	}
	ui := web.Handler(web.Deps{Searcher: n.Searcher, Gate: gate, Sessions: sessions, Health: n.readyToServe, JS: js, Metrics: n.Metrics, Sources: sources, Spend: spend,
		CheckRule: checkRule, Token: n.cfg.API.Policy.Token, Log: n.cfg.Log})
	svc, err := api.New(n.cfg.API, api.Deps{Searcher: n.Searcher, Gate: gate, Sessions: sessions, Blobs: n.Blobs, JS: js, Rules: rules, CheckRule: checkRule,
		JobKinds: []string{extractor.ReextractKind, indexer.ReindexKind}, CreateJobs: n.createJobs,
		BaseURL: n.cfg.Alerter.BaseURL, Metrics: n.Metrics, Ready: n.readyToServe, Routes: n.routes, UI: ui, Log: n.cfg.Log})
	if err != nil {
		return err
	}
	n.HTTPURL = svc.URL()
	n.runStage("http", svc.Run)
	return nil
}

// policy is the HTTP server's protection, logging to the node's log.
func (n *Node) policy() api.Policy {
	p := n.cfg.API.Policy
	p.Log = n.cfg.Log
	return p
}

// listen serves h on API.HTTP until Close (api.New does for the api role). An address
// in use is an error of Start.
func (n *Node) listen(h http.Handler) error {
	ln, err := net.Listen("tcp", n.cfg.API.HTTP)
	if err != nil {
		return fmt.Errorf("listening on %s (--http): %w", n.cfg.API.HTTP, err)
	}
	n.HTTPURL = "http://" + ln.Addr().String()
	conns := n.cfg.API.Policy.ConnLimit()
	ln = conns.Wrap(ln)
	srv := api.NewServer(h, conns)
	n.runStage("http", func(ctx context.Context) error {
		return api.Serve(ctx, srv, ln)
	})
	return nil
}

// initIndexer opens the index and, once this process holds the shard's lease, indexes
// its part of TEXTS, answers searches on it and runs the jobs that rebuild it. The lease
// keeps a second indexer of the same shard (another directory, another machine) from
// sharing the shard's consumer, where each would index half of the shard: it waits,
// saying so, until the first one stops.
func (n *Node) initIndexer(ctx context.Context) error {
	cfg := n.cfg
	dir := filepath.Join(cfg.DataDir, "index")
	var err error
	if n.index, err = indexer.OpenShard(dir, cfg.Indexer.Shard); err != nil {
		return err
	}
	n.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "docketwatch_index_documents", Help: "Documents in this process's index.",
	}, func() float64 { c, _ := n.index.DocCount(); return float64(c) }))
	n.ready.Add(n.indexerReady)
	ixJS, _, err := n.connect(RoleIndexer)
	if err != nil {
		return err
	}
	key := indexer.Durable(cfg.Indexer.Shard)
	host, _ := os.Hostname()
	abs, _ := filepath.Abs(dir)
	holder := host + ":" + abs // the same after a restart of this worker: it takes its lease back
	lease, err := bus.TryLease(ctx, ixJS, key, holder, cfg.Log)
	switch {
	case err == nil:
		n.setLease(lease, nil)
		return n.serveShard(ctx, ixJS, lease)
	case !errors.Is(err, bus.ErrLeaseHeld):
		return err
	}
	n.setLease(nil, fmt.Errorf("waiting: %w", err))
	cfg.Log.Warn("another indexer holds this shard: waiting for it to stop", "shard", cfg.Indexer.Shard.String(), "err", err)
	n.runStage("indexer-lease", func(ctx context.Context) error {
		lease, err := bus.AcquireLease(ctx, ixJS, key, holder, cfg.Log)
		if err != nil {
			return err
		}
		n.setLease(lease, errors.New("starting"))
		err = n.serveShard(ctx, ixJS, lease)
		n.setLease(nil, err)
		return err
	})
	return nil
}

// serveShard runs, while this indexer holds lease, the indexing stage, the search
// subscription and the batch jobs over the index.
func (n *Node) serveShard(ctx context.Context, ixJS jetstream.JetStream, lease *bus.Lease) error {
	cfg := n.cfg
	_, searchNC, err := n.connect("search")
	if err != nil {
		return err
	}
	jobJS, _, err := n.connect("jobs")
	if err != nil {
		return err
	}
	jobs, err := job.NewStore(ctx, jobJS)
	if err != nil {
		return err
	}
	icfg := cfg.Indexer
	icfg.Observe, icfg.Holding = n.observe.Observe, lease.Valid
	svc, err := indexer.New(icfg, indexer.Deps{JS: ixJS, Index: n.index, Log: cfg.Log})
	if err != nil {
		return err
	}
	sub, err := search.ServeShard(searchNC, bus.SearchSubject, n.index, icfg.Shard, runtime.NumCPU()*2, cfg.Log)
	if err != nil {
		return fmt.Errorf("serving search: %w", err)
	}
	ixCtx, stop := context.WithCancel(n.stageCtx)
	quit := func(err error) {
		n.fail(err)
		sub.Unsubscribe()
		stop()
	}
	go func() {
		select {
		case <-lease.Lost():
			quit(fmt.Errorf("lost the lease of %s to another indexer", indexer.Durable(icfg.Shard)))
		case <-ixCtx.Done():
		}
	}()
	n.runStage(RoleIndexer, func(context.Context) error {
		err := svc.Run(ixCtx)
		if errors.Is(err, indexer.ErrNotHolding) {
			quit(err)
		}
		return err
	})
	// Batch jobs run beside the index, which a re-index rebuilds.
	runner := job.NewRunner(jobs, cfg.Log, map[string]job.Handler{
		extractor.ReextractKind:            extractor.ReextractJob(jobJS),
		indexer.ReindexKindFor(icfg.Shard): indexer.ReindexJob(n.index, jobJS, indexer.ReindexOptions{Log: cfg.Log}),
	})
	n.runStage("jobs", func(context.Context) error { return runner.Run(ixCtx) })
	return nil
}

// fail records why the indexer stopped for good in this process (its lease lost): it
// cannot take its shard back without rebuilding, so the process is neither ready nor
// live from then on, for an orchestrator to restart it.
func (n *Node) fail(err error) {
	n.leaseMu.Lock()
	defer n.leaseMu.Unlock()
	if n.failed == nil {
		n.failed = err
		n.cfg.Log.Error("indexer stopped", "err", err)
	}
}

// live says whether the process still does its work.
func (n *Node) live() error {
	n.leaseMu.Lock()
	defer n.leaseMu.Unlock()
	return n.failed
}

// setLease records the shard lease held (nil: none), or why none is.
func (n *Node) setLease(l *bus.Lease, why error) {
	n.leaseMu.Lock()
	defer n.leaseMu.Unlock()
	if l != nil {
		n.lease = l
	}
	n.leaseErr = why
}

// indexerReady says whether the indexer works: alive, holding its lease, its index
// answering.
func (n *Node) indexerReady() error {
	if err := n.live(); err != nil {
		return err
	}
	n.leaseMu.Lock()
	why := n.leaseErr
	n.leaseMu.Unlock()
	if why != nil {
		return fmt.Errorf("indexer: %w", why)
	}
	if _, err := n.index.DocCount(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// createJobs records the jobs an API request for kind starts.
func (n *Node) createJobs(ctx context.Context, s *job.Store, kind string, sel job.Selection) ([]*job.Job, error) {
	return CreateJobs(ctx, s, n.Searcher, kind, sel)
}

// CreateJobs records the jobs of kind: one, but a re-index is one job per shard of the
// index, as many as answer a search through searcher (all of them must).
func CreateJobs(ctx context.Context, s *job.Store, searcher search.Searcher, kind string, sel job.Selection) ([]*job.Job, error) {
	remote, ok := searcher.(*search.Remote)
	if kind != indexer.ReindexKind || !ok {
		j, err := s.Create(ctx, kind, sel)
		if err != nil {
			return nil, err
		}
		return []*job.Job{j}, nil
	}
	shards, err := remote.Shards(ctx)
	if err != nil {
		return nil, fmt.Errorf("counting the index shards: %w", err)
	}
	return indexer.CreateReindex(ctx, s, sel, shards)
}

// serveOps serves the process's metrics and probes on addr.
func (n *Node) serveOps(addr string) error {
	srv, err := run.ServeOps(addr, run.OpsHandler(n.Metrics, n.ready.Check, n.live), n.cfg.Log)
	if err != nil {
		return err
	}
	n.ops, n.OpsURL = srv, "http://"+srv.Addr
	return nil
}

// readyToServe says whether the API can serve: the process ready and an index answering.
func (n *Node) readyToServe(ctx context.Context) error {
	if err := n.ready.Check(); err != nil {
		return err
	}
	return n.Searcher.Answering(ctx)
}

// Close stops accepting work, lets the stages finish what they hold (extractions under
// way complete, the last index batch commits, requests under way are answered), then
// stops the server and releases the data directory. It is safe to call more than once.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		n.ready.Stop()
		if n.lock != nil {
			n.lock.Withdraw()
		}
		if n.ops != nil {
			n.ops.Close()
		}
		n.cancel()
		n.stages.Wait()
		if n.lease != nil {
			n.lease.Release() // the next indexer of the shard starts at once
		}
		n.connMu.Lock()
		for i := len(n.conns) - 1; i >= 0; i-- {
			n.conns[i].Close()
		}
		n.connMu.Unlock()
		if n.index != nil {
			n.index.Close()
		}
		if n.nats != nil {
			n.nats.Shutdown()
		}
		if n.lock != nil {
			n.lock.Release()
		}
	})
}
