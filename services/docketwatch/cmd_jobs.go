package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor"
)

// cmdJobStart creates a batch job (reextract) and follows it to its end. The job runs in
// the `docketwatch run` serving the data directory, or in this process when none is;
// either way it is recorded in the jobs bucket, and a job cut short (Ctrl-C, a crash)
// resumes where it was the next time a docketwatch runs on the data.
func cmdJobStart(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	kind := fs.Name()
	var sel job.Selection
	fs.StringVar(&sel.Court, "court", "", "only this court (CourtListener id, e.g. cand)")
	since := fs.String("since", "", "only documents filed on or after this day (YYYY-MM-DD)")
	until := fs.String("until", "", "only documents filed on or before this day (YYYY-MM-DD)")
	if kind == extractor.ReextractKind {
		fs.BoolVar(&sel.Failed, "failed", false, "the documents the extractor parked")
		fs.StringVar(&sel.ExtractorVersion, "extractor-version", "", "only documents extracted by another version than this")
	}
	detach := fs.Bool("detach", false, "create the job and return: it runs in the background")
	if err := noArgs(fs, args); err != nil {
		return err
	}
	var err error
	if sel.Since, err = parseDay(*since); err != nil {
		return badUsage(fs, "--since: %s", err)
	}
	if sel.Until, err = parseDay(*until); err != nil {
		return badUsage(fs, "--until: %s", err)
	}
	if !sel.Since.IsZero() && !sel.Until.IsZero() && sel.Until.Before(sel.Since) {
		return badUsage(fs, "--until %s is before --since %s", *until, *since)
	}
	deps, store, closeFn, err := jobStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	jobs, err := node.CreateJobs(ctx, store, deps.Searcher, kind, sel)
	for _, j := range jobs {
		fmt.Fprintf(os.Stderr, "job %s (%s) created\n", j.ID, j.Kind)
	}
	if err != nil || *detach {
		return err
	}
	// The jobs run side by side (one per shard); following them in turn waits for all.
	for _, j := range jobs {
		if err := follow(ctx, store, j.ID, c.jsonOut); err != nil {
			return err
		}
	}
	if kind == extractor.ReextractKind {
		return awaitReextracted(ctx, deps.JS, os.Stderr)
	}
	return nil
}

// parseDay reads a day given as YYYY-MM-DD; empty is the zero time.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, fmt.Errorf("%q is not a day like 2024-04-15", s)
	}
	return t, nil
}

// follow shows a job's progress until it ends: a bar with docs/s and ETA (count lines
// when standard error is no terminal), or JSON lines; it reads the job again each time
// the job changes (a watch of its key).
func follow(ctx context.Context, store *job.Store, id string, jsonOut bool) error {
	var bar *progress
	enc := json.NewEncoder(os.Stdout)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	changes, err := store.Changes(wctx, id)
	if err != nil {
		return err
	}
	for {
		j, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		if jsonOut {
			enc.Encode(j)
		} else {
			if bar == nil {
				bar = newProgress(os.Stderr, j.Kind, "docs")
			}
			bar.set(int64(j.Done), int64(j.Total))
		}
		if j.State.Finished() {
			if bar != nil {
				bar.finish()
			}
			if !jsonOut {
				fmt.Printf("job %s %s: %d of %d looked at, %d selected, %d errors %s\n", j.ID, j.State, j.Done, j.Total, j.Selected, j.Errors, j.Message)
			}
			if j.State != job.Done {
				return fmt.Errorf("job %s %s: %s", j.ID, j.State, j.Message)
			}
			return nil
		}
		backstop := time.NewTimer(job.WatchBackstop)
		select {
		case _, ok := <-changes:
			backstop.Stop()
			if ok {
				continue
			}
		case <-backstop.C:
			continue
		}
		if ctx.Err() == nil {
			return fmt.Errorf("following job %s: the watch of its changes ended", id)
		}
		fmt.Fprintf(os.Stderr, "\nstopped following job %s; it goes on (docketwatch jobs show %s)\n", id, id)
		return nil
	}
}

// cmdJobs lists, shows, follows and cancels jobs.
func cmdJobs(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = []string{"list"}
	}
	switch verb := pos[0]; {
	case verb == "list" && len(pos) > 1:
		return badUsage(fs, "jobs list takes no arguments, got %q", pos[1:])
	case verb == "list":
	case !slices.Contains([]string{"show", "follow", "cancel"}, verb):
		return badUsage(fs, "jobs %s: want list, show, follow or cancel", verb)
	case len(pos) != 2:
		return badUsage(fs, "jobs %s needs one job id, got %d arguments", verb, len(pos)-1)
	}
	if err := c.requireIndex(); err != nil {
		return err
	}
	_, store, closeFn, err := jobStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	enc := json.NewEncoder(os.Stdout)
	switch verb := pos[0]; {
	case verb == "list":
		jobs, err := store.List(ctx)
		if err != nil {
			return err
		}
		if c.jsonOut {
			for _, j := range jobs {
				enc.Encode(j)
			}
			return nil
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tDONE\tTOTAL\tSELECTED\tERRORS\tUPDATED")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", j.ID, j.State, j.Done, j.Total, j.Selected, j.Errors, j.Updated.Format(time.DateTime))
		}
		return tw.Flush()
	case verb == "show":
		j, err := store.Get(ctx, pos[1])
		if err != nil {
			return err
		}
		if c.jsonOut {
			return enc.Encode(j)
		}
		return printJob(os.Stdout, j)
	case verb == "follow":
		return follow(ctx, store, pos[1], c.jsonOut)
	case verb == "cancel":
		j, err := store.Cancel(ctx, pos[1])
		if errors.Is(err, job.ErrNotFound) {
			return err
		}
		if err == nil {
			fmt.Printf("job %s is %s\n", j.ID, j.State)
		}
		return err
	}
	return nil
}

// printJob writes a job as aligned "field: value" lines, what was asked and how far it got.
func printJob(w io.Writer, j *job.Job) error {
	f := newFieldWriter(w)
	f.row("job", j.ID)
	f.row("kind", j.Kind)
	f.row("state", string(j.State))
	f.row("selection", describeSelection(j.Selection))
	f.row("progress", fmt.Sprintf("%d of %d looked at, %d selected, %s", j.Done, j.Total, j.Selected, plural(int(j.Errors), "error")))
	f.row("message", j.Message)
	f.row("owner", j.Owner)
	f.row("created", j.Created.Format(time.DateTime))
	f.row("updated", j.Updated.Format(time.DateTime))
	if !j.Finished.IsZero() {
		f.row("finished", j.Finished.Format(time.DateTime))
	}
	for _, k := range slices.Sorted(maps.Keys(j.Detail)) {
		f.row(k, j.Detail[k])
	}
	return f.flush()
}

// describeSelection says in words which documents a job works on.
func describeSelection(s job.Selection) string {
	var parts []string
	if s.Court != "" {
		parts = append(parts, "court "+s.Court)
	}
	if !s.Since.IsZero() {
		parts = append(parts, "filed from "+s.Since.Format(time.DateOnly))
	}
	if !s.Until.IsZero() {
		parts = append(parts, "filed until "+s.Until.Format(time.DateOnly))
	}
	if s.Failed {
		parts = append(parts, "parked by the extractor")
	}
	if s.ExtractorVersion != "" {
		parts = append(parts, "extracted by another version than "+s.ExtractorVersion)
	}
	if len(parts) == 0 {
		return "all documents"
	}
	return strings.Join(parts, ", ")
}

// jobStore is the job store of the pipeline the verb works with (pipeline).
func jobStore(ctx context.Context, c *common) (ingest.Deps, *job.Store, func(), error) {
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return deps, nil, nil, err
	}
	store, err := job.NewStore(ctx, deps.JS)
	if err != nil {
		closeFn()
		return deps, nil, nil, err
	}
	return deps, store, closeFn, nil
}
