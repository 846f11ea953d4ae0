package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/services/indexer"
)

// cmdReindex creates a re-index job and follows it to its end. The job rebuilds the
// index from TEXTS into a new version beside the active one while searches and ingestion
// go on, then swaps it in; it runs in the `docketwatch run` serving the data directory,
// or in this process when none is. A selection rebuilds part of the collection from
// TEXTS and carries the rest over from the old index.
func cmdReindex(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	var c common
	c.register(fs)
	var sel job.Selection
	fs.StringVar(&sel.Court, "court", "", "only this court (CourtListener id, e.g. cand)")
	since := fs.String("since", "", "only documents filed on or after this day (YYYY-MM-DD)")
	until := fs.String("until", "", "only documents filed on or before this day (YYYY-MM-DD)")
	detach := fs.Bool("detach", false, "create the job and return: it runs in the background")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("reindex takes no arguments, got %q", pos)}
	}
	for _, d := range []struct {
		s  string
		to *time.Time
	}{{*since, &sel.Since}, {*until, &sel.Until}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return usageError{fmt.Sprintf("%q is not a day like 2024-04-15", d.s)}
		}
		*d.to = t
	}
	if !sel.Since.IsZero() && !sel.Until.IsZero() && sel.Until.Before(sel.Since) {
		return usageError{fmt.Sprintf("--until %s is before --since %s", *until, *since)}
	}
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	store, err := job.NewStore(ctx, deps.JS)
	if err != nil {
		return err
	}
	j, err := store.Create(ctx, indexer.ReindexKind, sel)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "job %s created\n", j.ID)
	if *detach {
		return nil
	}
	return follow(ctx, store, j.ID, c.jsonOut)
}
