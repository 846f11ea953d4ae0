package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/schollz/progressbar/v3"
)

// cmdBackfill fetches one court's documents of a date range from CourtListener into the
// pipeline. It resumes: the same range again picks up where an interrupted run stopped.
func cmdBackfill(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	var cfg fetcher.Config
	cfg.RegisterFlags(fs)
	court := fs.String("court", "", "CourtListener court id (cand, nysd, ca9, ...)")
	since := fs.String("since", "", "first day (YYYY-MM-DD or RFC 3339)")
	until := fs.String("until", "", "last day, included (YYYY-MM-DD), or an RFC 3339 time the range ends before (default: now)")
	if err := noArgs(fs, args); err != nil {
		return err
	}
	if *court == "" || *since == "" {
		return badUsage(fs, "backfill needs --court and --since")
	}
	from, err := fetcher.ParseTime(*since)
	if err != nil {
		return badUsage(fs, "%s", err)
	}
	var to time.Time
	if *until != "" {
		if to, err = fetcher.ParseEnd(*until); err != nil {
			return badUsage(fs, "%s", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	svc, err := fetcher.New(cfg, fetcher.Deps{JS: deps.JS, Blobs: deps.Blobs, Log: c.logger()})
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	enc := json.NewEncoder(os.Stdout)
	p, err := svc.Backfill(ctx, *court, from, to, func(p fetcher.Progress) {
		if c.jsonOut {
			enc.Encode(p)
			return
		}
		if bar == nil && p.Total > 0 {
			// The rate is the backfill's own: the bar's would count a resumed run's
			// earlier documents as done in its first microseconds.
			bar = progressbar.NewOptions64(p.Total, progressbar.OptionSetDescription("backfill "+*court),
				progressbar.OptionShowCount(), progressbar.OptionSetWriter(os.Stderr))
		}
		if bar != nil {
			bar.Describe(strings.TrimSpace("backfill " + *court + " " + p.Pace()))
			bar.Set64(p.Done)
		}
	})
	if bar != nil {
		if err == nil {
			bar.Finish()
		} else {
			bar.Exit() // a failed backfill is not shown complete
		}
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	// Like ingest, the backfill is done when its documents are searchable or parked.
	if !c.jsonOut && len(p.IDs) > 0 {
		fmt.Fprintf(os.Stderr, "waiting for %s to be searchable\n", plural(len(p.IDs), "document"))
	}
	parked, err := ingest.Await(ctx, deps, p.IDs)
	if !c.jsonOut {
		fmt.Printf("backfill %s: %s, %d parked\n", *court, plural(int(p.Done), "document"), len(parked))
		for id, reason := range parked {
			fmt.Printf("  parked %s: %s\n", id, reason)
		}
	}
	return err
}
