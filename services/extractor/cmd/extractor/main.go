// Command extractor runs the extraction stage against a NATS cluster. Start several: they
// share one durable consumer, and a PDF is never extracted by two at once.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/run"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/entity"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
)

func main() {
	worker.ServeIfChild(extractor.ExtractPDF)
	var cfg extractor.Config
	run.Service("extractor", os.Args[1:], func(fs *flag.FlagSet) {
		fs.IntVar(&cfg.Concurrency, "concurrency", 0, "PDFs extracted at once (default: one per CPU)")
	}, func(ctx context.Context, env run.Env) error {
		_, js, err := env.Connect("stage")
		if err != nil {
			return err
		}
		blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
		if err != nil {
			return err
		}
		if cfg.Entities, err = entity.New(entity.Options{}); err != nil {
			return err
		}
		cfg.Observe = env.Stages.Observe
		return extractor.New(cfg, js, blobs, env.Log).Run(ctx)
	})
}
