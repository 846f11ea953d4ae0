package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/schollz/progressbar/v3"
)

// cmdBackfill fetches one court's documents of a date range from CourtListener into the
// pipeline. It resumes: the same range again picks up where an interrupted run stopped.
func cmdBackfill(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	var c common
	c.register(fs)
	var cfg fetcher.Config
	cfg.RegisterFlags(fs)
	court := fs.String("court", "", "CourtListener court id (cand, nysd, ca9, ...)")
	since := fs.String("since", "", "first day (YYYY-MM-DD or RFC 3339)")
	until := fs.String("until", "", "last day (default: now)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *court == "" || *since == "" {
		return usageError{"backfill needs --court and --since"}
	}
	from, err := fetcher.ParseTime(*since)
	if err != nil {
		return usageError{err.Error()}
	}
	var to time.Time
	if *until != "" {
		if to, err = fetcher.ParseTime(*until); err != nil {
			return usageError{err.Error()}
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
			bar = progressbar.NewOptions64(p.Total, progressbar.OptionSetDescription("backfill "+*court),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("docs"),
				progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetPredictTime(true))
		}
		if bar != nil {
			bar.Set64(p.Done)
		}
	})
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if !c.jsonOut {
		fmt.Printf("backfill %s: %d documents\n", *court, p.Done)
	}
	return err
}
