// Package node runs any subset of docketwatch's roles in one process, either embedded (its
// own NATS server and everything over one data directory: the default) or as part of a
// deployment against a NATS cluster. It is the composition root: each stage only sees its
// own connection and dependencies.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/telemetry"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/docketwatch/docketwatch/services/alerter"
	"github.com/docketwatch/docketwatch/services/alerter/email"
	alertrules "github.com/docketwatch/docketwatch/services/alerter/rules"
	"github.com/docketwatch/docketwatch/services/alerter/webhook"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/api/web"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/entity"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The roles a node can run.
const (
	RoleExtractor = "extractor"
	RoleIndexer   = "indexer"
	RoleAPI       = "api"
	RoleFetcher   = "fetcher"
	RoleAlerter   = "alerter"
)

// Roles lists every role, in start order.
var Roles = []string{RoleIndexer, RoleExtractor, RoleFetcher, RoleAlerter, RoleAPI}

// Config is what a node needs.
type Config struct {
	// DataDir holds the embedded server's store and the index; a node running only
	// stateless roles against a cluster needs none.
	DataDir string
	// Roles to run; empty runs every role.
	Roles []string
	// NATS is the cluster to join; with no URLs the node embeds its own server.
	NATS bus.ConnConfig
	// Replicas of streams and buckets when the node creates them (3 on a cluster).
	Replicas int
	// HTTPAddr serves the API when set ("127.0.0.1:8080") and the api role runs.
	HTTPAddr string
	// MetricsAddr, when set ("0.0.0.0:9090"), serves /metrics, /healthz and /readyz of
	// this process's roles: how a role without the API shows itself to Prometheus and
	// to Kubernetes probes.
	MetricsAddr string
	Extractor   extractor.Config
	Indexer     indexer.Config
	// Shard is the part of TEXTS the indexer role indexes and serves ("1/2"); the
	// default is all of it. Every shard of a deployment runs one or more indexers.
	Shard   search.Shard
	Fetcher fetcher.Config
	// RECAP gets the PDFs of documents announced without one (runs with the fetcher role
	// when a CourtListener token is configured).
	RECAP   recap.Config
	Alerter alerter.Config
	// SMTP sends alert emails; with no Host, rules with email channels are refused.
	SMTP email.Config
	// Policy protects the HTTP server: the API token for writes (and, unless search is
	// public, reads), size limits, a per-client rate limit, webhook sources.
	Policy api.Policy
	Log    *slog.Logger
}

func (c Config) has(role string) bool { return len(c.Roles) == 0 || slices.Contains(c.Roles, role) }

// Validate reports a configuration that cannot start.
func (c Config) Validate() error {
	for _, r := range c.Roles {
		if !slices.Contains(Roles, r) {
			return fmt.Errorf("unknown role %q (roles: %v)", r, Roles)
		}
	}
	if c.DataDir == "" && (c.NATS.URLs == "" || c.has(RoleIndexer)) {
		return errors.New("a data directory is needed for the embedded server and the index")
	}
	if err := c.Shard.Validate(); err != nil {
		return err
	}
	if c.Shard.Sharded() && c.NATS.URLs == "" {
		return errors.New("a shard of the index needs the other shards beside it: run sharded indexers against a NATS cluster (--nats)")
	}
	if c.has(RoleAPI) && c.HTTPAddr != "" {
		if err := c.Policy.Validate(); err != nil {
			return err
		}
	}
	if c.has(RoleFetcher) {
		if err := c.Fetcher.Validate(); err != nil {
			return err
		}
		if err := c.RECAP.Validate(); err != nil {
			return err
		}
	}
	if c.NATS.URLs != "" {
		return c.NATS.Validate()
	}
	return nil
}

// Node is a running set of roles.
type Node struct {
	cfg   Config
	lock  *datadir.Lock
	nats  *bus.Embedded
	conns []*nats.Conn
	index *indexer.Index
	http  *http.Server
	ops   *http.Server
	// leaseMu guards the indexer's shard lease, why it is not held, and why the
	// indexer stopped for good.
	leaseMu  sync.Mutex
	lease    *bus.Lease
	leaseErr error
	failed   error
	cancel   context.CancelFunc
	stages   sync.WaitGroup
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

// Start starts the configured roles. The caller must Close the node.
func Start(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n = &Node{cfg: cfg}
	started := n
	defer func() {
		if err != nil {
			started.Close() // n itself is nil by now: the return statement set it
		}
	}()
	embedded := cfg.NATS.URLs == ""
	if embedded || cfg.has(RoleIndexer) {
		// The embedded server's store and the index each want one owner.
		if n.lock, err = datadir.Acquire(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	if embedded {
		n.nats, err = bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: true})
		if err != nil {
			return nil, err
		}
	}
	connect := func(name string) (jetstream.JetStream, *nats.Conn, error) {
		var nc *nats.Conn
		var err error
		if embedded {
			nc, err = n.nats.Connect("docketwatch-" + name)
		} else {
			nc, err = cfg.NATS.Connect("docketwatch-" + name)
		}
		if err != nil {
			return nil, nil, err
		}
		n.conns = append(n.conns, nc)
		js, err := jetstream.New(nc)
		return js, nc, err
	}
	if n.JS, _, err = connect("owner"); err != nil {
		return nil, err
	}
	if err = bus.Setup(ctx, n.JS, bus.Options{Replicas: cfg.Replicas}); err != nil {
		return nil, err
	}
	if n.Blobs, err = blob.NewNATS(ctx, n.JS, bus.ObjectPDFs); err != nil {
		return nil, err
	}
	n.Metrics = prometheus.NewRegistry()
	n.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		telemetry.NewJetStream(n.JS, run.Streams...))
	stages := telemetry.NewStages(n.Metrics)
	deliveries := telemetry.NewDeliveries(n.Metrics)
	_, clientNC, err := connect("client")
	if err != nil {
		return nil, err
	}
	n.Searcher = search.NewRemote(clientNC, bus.SearchSubject)

	stageCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	runStage := func(name string, f func(context.Context) error) {
		n.stages.Add(1)
		go func() {
			defer n.stages.Done()
			if err := f(stageCtx); err != nil && stageCtx.Err() == nil {
				cfg.Log.Error("stage stopped", "stage", name, "err", err)
			}
		}()
	}

	if cfg.has(RoleIndexer) {
		if err := n.startIndexer(ctx, stageCtx, connect, runStage, stages); err != nil {
			return nil, err
		}
	}
	if cfg.has(RoleExtractor) {
		exJS, _, err := connect("extractor")
		if err != nil {
			return nil, err
		}
		exBlobs, err := blob.NewNATS(ctx, exJS, bus.ObjectPDFs)
		if err != nil {
			return nil, err
		}
		cfg.Extractor.Observe = stages.Observe
		if cfg.Extractor.Entities == nil {
			if cfg.Extractor.Entities, err = entity.New(entity.Options{}); err != nil {
				return nil, fmt.Errorf("loading the entity recogniser: %w", err)
			}
		}
		runStage(RoleExtractor, extractor.New(cfg.Extractor, exJS, exBlobs, cfg.Log).Run)
	}
	var fetch *fetcher.Service
	if cfg.has(RoleFetcher) {
		fJS, _, err := connect("fetcher")
		if err != nil {
			return nil, err
		}
		fBlobs, err := blob.NewNATS(ctx, fJS, bus.ObjectPDFs)
		if err != nil {
			return nil, err
		}
		fetch = fetcher.New(cfg.Fetcher, fetcher.Deps{JS: fJS, Blobs: fBlobs, Log: cfg.Log})
		n.Metrics.MustRegister(fetch.Collector())
		runStage(RoleFetcher, fetch.Run)
		n.Fetcher = fetch
		if n.RECAP, err = startRECAP(ctx, cfg, fJS, fBlobs, n.Metrics); err != nil {
			return nil, err
		} else if n.RECAP != nil {
			runStage(recap.Stage, n.RECAP.Run)
		}
	}
	if cfg.has(RoleAlerter) {
		alJS, _, err := connect("alerter")
		if err != nil {
			return nil, err
		}
		cfg.Alerter.Observe = stages.Observe
		al, err := alerter.New(ctx, cfg.Alerter, alJS, indexer.Mapping(), cfg.Log)
		if err != nil {
			return nil, err
		}
		runStage(RoleAlerter, al.Run)
		whJS, _, err := connect("webhook")
		if err != nil {
			return nil, err
		}
		rules, err := alert.OpenStore(ctx, whJS)
		if err != nil {
			return nil, err
		}
		runStage("webhook", webhook.New(webhook.Config{Observe: stages.Observe, OnDelivery: deliveries.For("webhook")}, whJS, rules, cfg.Log).Run)
		if cfg.SMTP.Host != "" {
			emJS, _, err := connect("email")
			if err != nil {
				return nil, err
			}
			cfg.SMTP.Observe, cfg.SMTP.OnDelivery = stages.Observe, deliveries.For("email")
			em, err := email.New(cfg.SMTP, emJS, rules, cfg.Log)
			if err != nil {
				return nil, err
			}
			runStage("email", em.Run)
		}
	}
	if cfg.has(RoleAPI) && cfg.HTTPAddr != "" {
		conns := cfg.Policy.ConnLimit()
		ln, err := conns.Listen(cfg.HTTPAddr)
		if err != nil {
			return nil, err
		}
		n.HTTPURL = "http://" + ln.Addr().String()
		apiJS, _, err := connect("api")
		if err != nil {
			return nil, err
		}
		rules, err := alert.OpenStore(ctx, apiJS)
		if err != nil {
			return nil, err
		}
		checkRule := func(r alert.Rule) error { _, err := alertrules.Compile(r, indexer.Mapping()); return err }
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(n.Metrics, promhttp.HandlerOpts{}))
		var sources http.Handler
		if fetch != nil {
			sources = fetch.StatusHandler()
			mux.Handle("GET /api/v1/sources", sources)
			if wh, err := fetch.WebhookHandler(stageCtx); err == nil {
				mux.Handle("POST /api/v1/webhooks/courtlistener", wh)
			}
			if n.RECAP != nil {
				mux.Handle("POST "+api.RECAPFetchWebhookPath, n.RECAP.WebhookHandler())
			}
		}
		gate := api.NewSearchGate(0, 0, 0)
		apiH := api.Handler(api.Deps{Searcher: n.Searcher, Gate: gate, Blobs: n.Blobs, Log: cfg.Log, Ready: n.ready})
		mux.Handle("/api/", apiH)
		mux.Handle("/healthz", apiH)
		mux.Handle("/readyz", apiH)
		api.AlertRoutes(mux, api.AlertDeps{Store: rules, JS: apiJS, Check: checkRule, Token: cfg.Policy.Token,
			BaseURL: cfg.Alerter.BaseURL, Log: cfg.Log})
		api.AdminRoutes(mux, api.AdminDeps{JS: apiJS, Token: cfg.Policy.Token, JobKinds: []string{extractor.ReextractKind, indexer.ReindexKind},
			CreateJobs: n.createJobs, Log: cfg.Log})
		var spend http.Handler // the PACER spend on the status page
		if n.RECAP != nil {
			spend = n.RECAP.SpendHandler()
		}
		mux.Handle("/", web.Handler(web.Deps{Searcher: n.Searcher, Gate: gate, JS: apiJS, Metrics: n.Metrics, Sources: sources, Spend: spend,
			CheckRule: checkRule, Token: cfg.Policy.Token, Log: cfg.Log}))
		cfg.Policy.Log = cfg.Log
		n.http = api.NewServer(tracing.Handler(api.Protect(mux, cfg.Policy)), conns)
		go func() {
			if err := n.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cfg.Log.Error("http server stopped", "err", err)
			}
		}()
	}
	if cfg.MetricsAddr != "" {
		if err := n.serveOps(cfg.MetricsAddr); err != nil {
			return nil, err
		}
	}
	if embedded {
		owner := datadir.Owner{PID: os.Getpid(), NATS: n.nats.ClientURL(), Token: n.nats.Token, HTTP: n.HTTPURL}
		if err := n.lock.Publish(owner); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// startIndexer opens the index and, once this process holds the shard's lease, indexes
// its part of TEXTS, answers searches on it and runs the jobs that rebuild it. The lease
// keeps a second indexer of the same shard (another directory, another machine) from
// sharing the shard's consumer, where each would index half of the shard: it waits,
// saying so, until the first one stops.
func (n *Node) startIndexer(ctx, stageCtx context.Context, connect func(string) (jetstream.JetStream, *nats.Conn, error),
	runStage func(string, func(context.Context) error), stages *telemetry.Stages) error {
	cfg := n.cfg
	dir := filepath.Join(cfg.DataDir, "index")
	var err error
	if n.index, err = indexer.OpenShard(dir, cfg.Shard); err != nil {
		return err
	}
	n.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "docketwatch_index_documents", Help: "Documents in this process's index.",
	}, func() float64 { c, _ := n.index.DocCount(); return float64(c) }))
	// Each stage gets its own connection (STACK.md: a shared one can stall).
	ixJS, _, err := connect("indexer")
	if err != nil {
		return err
	}
	_, searchNC, err := connect("search")
	if err != nil {
		return err
	}
	jobJS, _, err := connect("jobs")
	if err != nil {
		return err
	}
	jobs, err := job.NewStore(ctx, jobJS)
	if err != nil {
		return err
	}
	serve := func(lease *bus.Lease) error {
		sub, err := search.ServeShard(searchNC, bus.SearchSubject, n.index, cfg.Shard, runtime.NumCPU()*2, cfg.Log)
		if err != nil {
			return fmt.Errorf("serving search: %w", err)
		}
		ixCtx, stop := context.WithCancel(stageCtx)
		quit := func(err error) {
			n.fail(err)
			sub.Unsubscribe()
			stop()
		}
		go func() {
			select {
			case <-lease.Lost():
				quit(fmt.Errorf("lost the lease of %s to another indexer", indexer.Durable(cfg.Shard)))
			case <-ixCtx.Done():
			}
		}()
		cfg.Indexer.Observe, cfg.Indexer.Holding = stages.Observe, lease.Valid
		svc := indexer.New(cfg.Indexer, ixJS, n.index, cfg.Log)
		runStage(RoleIndexer, func(context.Context) error {
			err := svc.Run(ixCtx)
			if errors.Is(err, indexer.ErrNotHolding) {
				quit(err)
			}
			return err
		})
		// Batch jobs run beside the index, which a re-index rebuilds.
		runner := job.NewRunner(jobs, cfg.Log, map[string]job.Handler{
			extractor.ReextractKind:           extractor.ReextractJob(jobJS),
			indexer.ReindexKindFor(cfg.Shard): indexer.ReindexJob(n.index, jobJS, indexer.ReindexOptions{Log: cfg.Log}),
		})
		runStage("jobs", func(context.Context) error { return runner.Run(ixCtx) })
		return nil
	}
	key := indexer.Durable(cfg.Shard)
	host, _ := os.Hostname()
	abs, _ := filepath.Abs(dir)
	holder := host + ":" + abs // the same after a restart of this worker: it takes its lease back
	lease, err := bus.TryLease(ctx, ixJS, key, holder, cfg.Log)
	switch {
	case err == nil:
		n.setLease(lease, nil)
		return serve(lease)
	case !errors.Is(err, bus.ErrLeaseHeld):
		return err
	}
	n.setLease(nil, fmt.Errorf("waiting: %w", err))
	cfg.Log.Warn("another indexer holds this shard: waiting for it to stop", "shard", cfg.Shard.String(), "err", err)
	runStage("indexer-lease", func(ctx context.Context) error {
		lease, err := bus.AcquireLease(ctx, ixJS, key, holder, cfg.Log)
		if err != nil {
			return err
		}
		n.setLease(lease, errors.New("starting"))
		err = serve(lease)
		n.setLease(nil, err)
		return err
	})
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

// serveOps serves the process's metrics and probes on addr, as the per-service binaries do.
func (n *Node) serveOps(addr string) error {
	srv, err := run.ServeOps(addr, run.OpsHandler(n.Metrics, n.readyRoles, n.live), n.cfg.Log)
	if err != nil {
		return err
	}
	n.ops, n.OpsURL = srv, "http://"+srv.Addr
	return nil
}

// readyRoles says whether this process's roles can work: every NATS connection up and,
// for an indexer, its own index answering.
func (n *Node) readyRoles() error {
	if err := run.Connected(n.conns...); err != nil {
		return err
	}
	if n.index != nil {
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
	}
	return nil
}

// ready says whether the node can serve: NATS reachable and an index answering.
func (n *Node) ready(ctx context.Context) error {
	if err := run.Connected(n.conns...); err != nil {
		return err
	}
	return n.Searcher.Answering(ctx)
}

// Close stops accepting work, lets the stages finish what they hold (extractions under
// way complete, the last index batch commits), then stops the server and releases the
// data directory. It is safe to call more than once.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		if n.lock != nil {
			n.lock.Withdraw()
		}
		if n.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			n.http.Shutdown(ctx)
			cancel()
		}
		if n.ops != nil {
			n.ops.Close()
		}
		if n.cancel != nil {
			n.cancel()
		}
		n.stages.Wait()
		if n.lease != nil {
			n.lease.Release() // the next indexer of the shard starts at once
		}
		for i := len(n.conns) - 1; i >= 0; i-- {
			n.conns[i].Close()
		}
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
