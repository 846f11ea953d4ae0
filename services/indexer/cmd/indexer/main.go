// Command indexer owns a bleve index against a NATS cluster: it indexes TEXTS (or its
// shard's part of them, --shard i/n), answers search.query requests for it, and runs
// the re-index jobs that rebuild it.
package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer"
)

func main() {
	var data string
	var cfg indexer.Config
	var shard search.Shard
	run.Service("indexer", os.Args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&data, "data", "docketwatch-data", "directory holding the index")
		fs.Var(&shard, "shard", "the part of the index this indexer holds and serves, i/n: 0/2 and 1/2 split it in two (default all of it)")
	}, func(ctx context.Context, env run.Env) error {
		idx, err := indexer.OpenShard(filepath.Join(data, "index"), shard)
		if err != nil {
			return err
		}
		defer idx.Close()
		_, js, err := env.Connect("stage")
		if err != nil {
			return err
		}
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
		return indexer.New(cfg, js, idx, env.Log).Run(ctx)
	})
}
