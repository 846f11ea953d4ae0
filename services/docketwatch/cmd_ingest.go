package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func cmdIngest(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	verbose := fs.Bool("v", false, "print every file's outcome")
	var known localdir.Known
	fs.StringVar(&known.Court, "court", "", "the files' court, a CourtListener court id (ca9, cand, nysb); wins over what is read")
	fs.StringVar(&known.Docket, "docket", "", "the files' docket number (3:20-cv-08570); wins over what is read")
	fs.StringVar(&known.CaseName, "case-name", "", "the files' case name (\"Klein v. Meta Platforms, Inc.\"); wins over what is read")
	// Used when no docketwatch is serving the data: the one started here extracts.
	c.extractor.RegisterFlags(fs)
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return badUsage(fs, "ingest needs at least one file or folder")
	}
	if known.Court != "" {
		if _, ok := docmeta.CourtByID(strings.ToLower(known.Court)); !ok {
			return badUsage(fs, "--court %q is not a CourtListener court id (ca9, cand, nysb…)", known.Court)
		}
	}
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	deps.Known = known
	deps.Waiting = func(path string, err error) {
		fmt.Fprintf(os.Stderr, "waiting: %s: the server stores nothing now (%v); trying again\n", path, err)
	}
	// Progress goes to standard error, so that --json output stays one document; the
	// files not indexed are listed once, in the summary.
	bar := newProgress(os.Stderr, "ingest", "files")
	var total, settled int64
	deps.Listed = func(n int) { total = int64(n) }
	deps.Progress = func(f ingest.File) {
		settled++
		if *verbose {
			fmt.Fprintf(os.Stderr, "%s: %s %s\n", f.Status, f.Path, f.ID)
			return
		}
		bar.set(settled, total)
	}
	sum, err := ingest.Run(ctx, deps, paths)
	bar.finish()
	if sum != nil {
		printIngestSummary(sum, c.jsonOut)
	}
	if err != nil {
		return err
	}
	return ingestOutcome(sum)
}

// printIngestSummary prints the counts, then each file not indexed with its reason.
func printIngestSummary(sum *ingest.Summary, jsonOut bool) {
	if jsonOut {
		json.NewEncoder(os.Stdout).Encode(sum)
		return
	}
	fmt.Printf("%s: %d indexed, %d duplicate, %d parked, %d failed, %d skipped\n", plural(len(sum.Files), "file"),
		sum.Count[ingest.Indexed], sum.Count[ingest.Duplicate], sum.Count[ingest.Parked], sum.Count[ingest.Failed], sum.Count[ingest.Skipped])
	for _, f := range sum.Files {
		switch f.Status {
		case ingest.Parked, ingest.Failed, ingest.Skipped:
			fmt.Printf("  %s %s: %s\n", f.Status, f.Path, f.Reason)
		}
	}
}

// ingestOutcome is ingest's exit status (documented in the README and `ingest --help`):
// 0 every file indexed (or a duplicate); 1 some file could not be read; 3 every file was
// read but some were parked or skipped (not a PDF).
func ingestOutcome(sum *ingest.Summary) error {
	if n := sum.Count[ingest.Failed]; n > 0 {
		return fmt.Errorf("%s could not be read", plural(n, "file"))
	}
	parked, skipped := sum.Count[ingest.Parked], sum.Count[ingest.Skipped]
	if parked+skipped == 0 {
		return nil
	}
	var why []string
	if parked > 0 {
		why = append(why, plural(parked, "file")+" parked (`docketwatch dead list` says why, `dead retry SEQ` tries again)")
	}
	if skipped > 0 {
		why = append(why, plural(skipped, "file")+" skipped (not PDFs)")
	}
	return exitError{exitNotIndexed, strings.Join(why, "; ")}
}

// pipeline returns handles on a pipeline: the NATS cluster given by --nats; else the data
// directory's, through a `docketwatch run` serving it or, with nothing running, one
// started in this process for the command.
func pipeline(ctx context.Context, c *common) (ingest.Deps, func(), error) {
	// What the CLI publishes (the files of an ingest) begins its trace here.
	stopTracing, err := c.StartTracing(ctx, cliName, c.logger())
	if err != nil {
		return ingest.Deps{}, nil, err
	}
	deps, closeFn, err := connectPipeline(ctx, c)
	if err != nil {
		stopTracing()
		return deps, nil, err
	}
	return deps, func() { closeFn(); stopTracing() }, nil
}

// connectPipeline reaches or starts the pipeline pipeline describes.
func connectPipeline(ctx context.Context, c *common) (ingest.Deps, func(), error) {
	here := func() (ingest.Deps, func(), error) {
		n, err := node.Start(ctx, node.Config{DataDir: c.data, Extractor: c.extractor, Log: c.logger()})
		if err != nil {
			return ingest.Deps{}, nil, err
		}
		return ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}, n.Close, nil
	}
	return reach(c, here, func(nc *nats.Conn, owner bool) (ingest.Deps, func(), error) {
		deps, closeFn, err := clientDeps(ctx, nc)
		if err == nil && owner {
			deps.Lost = datadir.Closed(nc, c.data)
		}
		return deps, closeFn, err
	})
}

// reach opens what a verb works on where the data is: through the cluster of --nats;
// else in this process (here), unless a `docketwatch run` owns the data directory
// (datadir.ErrBusy), then through that one. through gets the client connection and
// whether it leads to that owner; it closes nc when it fails.
func reach[T any](c *common, here func() (T, func(), error), through func(nc *nats.Conn, owner bool) (T, func(), error)) (T, func(), error) {
	var none T
	if c.NATS.URLs != "" {
		nc, err := c.NATS.Connect(cliName)
		if err != nil {
			return none, nil, err
		}
		return through(nc, false)
	}
	v, closeFn, err := here()
	if !errors.Is(err, datadir.ErrBusy) {
		return v, closeFn, err
	}
	nc, _, err := datadir.ConnectOwner(c.data, cliName)
	if err != nil {
		return none, nil, err
	}
	return through(nc, true)
}

// cliName names the CLI's connections and traces.
const cliName = "docketwatch-cli"

// clientDeps are a pipeline's handles over one client connection, and what closes them;
// nc is closed when they cannot be had.
func clientDeps(ctx context.Context, nc *nats.Conn) (ingest.Deps, func(), error) {
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return ingest.Deps{}, nil, err
	}
	blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
	if err != nil {
		nc.Close()
		return ingest.Deps{}, nil, err
	}
	return ingest.Deps{JS: js, Blobs: blobs, Searcher: search.NewRemote(nc, bus.SearchSubject)}, nc.Close, nil
}
