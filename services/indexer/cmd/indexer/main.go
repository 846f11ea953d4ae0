// Command indexer owns a bleve index against a NATS cluster: it indexes TEXTS (or its
// shard's part of them, --shard i/n), answers search.query requests for it, and runs
// the re-index jobs that rebuild it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer"
	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	var data string
	var cfg indexer.Config
	var shard search.Shard
	if v := os.Getenv("DOCKETWATCH_SHARD"); v != "" { // the flag, when given, overrides it
		if err := shard.Set(v); err != nil {
			fmt.Fprintln(os.Stderr, "indexer: DOCKETWATCH_SHARD:", err)
			os.Exit(2)
		}
	}
	run.Service("indexer", os.Args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&data, "data", "docketwatch-data", "directory holding the index")
		fs.Var(&shard, "shard", "the part of the index this indexer holds and serves, i/n: 0/2 and 1/2 split it in two (env DOCKETWATCH_SHARD; default all of it)")
	}, func(ctx context.Context, env run.Env) error {
		idx, err := indexer.OpenShard(filepath.Join(data, "index"), shard)
		if err != nil {
			return err
		}
		defer idx.Close()
		env.Metrics.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "docketwatch_index_documents", Help: "Documents in this process's index.",
		}, func() float64 { c, _ := idx.DocCount(); return float64(c) }))
		_, js, err := env.Connect("stage")
		if err != nil {
			return err
		}
		// One indexer per shard: a second one (another directory) waits for this one to
		// stop, unready meanwhile, and so does one that lost its lease as it stops.
		key := indexer.Durable(shard)
		var leaseWhy atomic.Pointer[error]
		setWhy := func(err error) { leaseWhy.Store(&err) }
		setWhy(fmt.Errorf("waiting for the lease of %s", key))
		env.Ready.Add(func() error {
			if why := *leaseWhy.Load(); why != nil {
				return fmt.Errorf("indexer: %w", why)
			}
			if _, err := idx.DocCount(); err != nil {
				return fmt.Errorf("index: %w", err)
			}
			return nil
		})
		host, _ := os.Hostname()
		dir, _ := filepath.Abs(filepath.Join(data, "index"))
		lease, err := bus.AcquireLease(ctx, js, key, host+":"+dir, env.Log)
		if err != nil {
			return err
		}
		defer lease.Release()
		starting := errors.New("starting")
		startingp := &starting
		leaseWhy.Store(startingp)
		// A lost lease ends the process with an error, for its supervisor to restart it:
		// it waits for the lease again then.
		ctx, stopOnLoss := context.WithCancelCause(ctx)
		defer stopOnLoss(nil)
		go func() {
			select {
			case <-lease.Lost():
				err := fmt.Errorf("lost the lease of %s to another indexer", key)
				setWhy(err)
				stopOnLoss(err)
			case <-ctx.Done():
			}
		}()
		nc, _, err := env.Connect("search")
		if err != nil {
			return err
		}
		sub, err := search.ServeShard(nc, bus.SearchSubject, idx, shard, runtime.NumCPU()*2, env.Log)
		if err != nil {
			return err
		}
		defer sub.Drain()
		// Re-index jobs run beside the live writer: the swap pauses it.
		_, jobJS, err := env.Connect("jobs")
		if err != nil {
			return err
		}
		store, err := job.NewStore(ctx, jobJS)
		if err != nil {
			return err
		}
		runner := job.NewRunner(store, env.Log, map[string]job.Handler{
			indexer.ReindexKindFor(shard): indexer.ReindexJob(idx, jobJS, indexer.ReindexOptions{Log: env.Log}),
		})
		done := make(chan struct{})
		go func() { defer close(done); runner.Run(ctx) }()
		defer func() { <-done }()
		cfg.Observe, cfg.Holding = env.Stages.Observe, lease.Valid
		svc := indexer.New(cfg, js, idx, env.Log)
		// Ready once it indexes and answers searches, unless the lease went meanwhile.
		var none error
		leaseWhy.CompareAndSwap(startingp, &none)
		err = svc.Run(ctx)
		if cause := context.Cause(ctx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		return err
	})
}
