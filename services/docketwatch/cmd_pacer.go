package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
)

const pacerUsage = `docketwatch pacer parse [--court ID] [--json] FILE.xml
  parse a PACER RSS feed saved to a file and print the documents the PACER source would
  publish from it (the court is read from the feed's channel link unless --court says it)`

// cmdPacer runs the PACER verbs; parse is the one: it reads a saved feed with the
// fetcher's own parser (services/fetcher/pacerrss), so what it prints is what `run`
// would publish from that feed.
func cmdPacer(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "parse" {
		return usageError{msg: "pacer needs a verb: parse", cmd: "pacer"}
	}
	fs := flag.NewFlagSet("pacer parse", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print each document as one JSON line (NDJSON)")
	court := fs.String("court", "", "the feed's PACER court id (nysd, cand, ca9); default: read from the feed")
	files, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return badUsage(fs, "pacer parse needs one feed file, got %d arguments", len(files))
	}
	docs, feed, err := parseFeedFile(files[0], strings.ToLower(*court))
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(os.Stdout)
		for _, d := range docs {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	return printFeedDocs(os.Stdout, feed, docs)
}

// parseFeedFile parses one saved feed as the PACER source would, returning its
// documents in feed order.
func parseFeedFile(path, court string) ([]filing.Document, *pacerrss.Feed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading feed: %w", err)
	}
	if court == "" {
		var ok bool
		if court, ok = pacerrss.CourtOfFeed(raw); !ok {
			return nil, nil, fmt.Errorf("%s: the feed names no court (no https://ecf.COURT.uscourts.gov link): give --court", path)
		}
	}
	feed, err := pacerrss.Parse(court, bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return feed.Documents(time.Now().UTC()), feed, nil
}

// printFeedDocs writes one line per document, then what the feed held and dropped.
func printFeedDocs(w io.Writer, feed *pacerrss.Feed, docs []filing.Document) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILED\tCOURT\tDOCKET\tENTRY\tCASE\tDESCRIPTION\tID\tURL")
	for _, d := range docs {
		entry := "-"
		if d.Entry.Number > 0 {
			entry = fmt.Sprint(d.Entry.Number)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Entry.Filed.Format("2006-01-02 15:04"), d.Docket.Court, orDash(d.Docket.Number),
			entry, orDash(d.Docket.CaseName), orDash(d.Entry.Description), d.ID, orDash(d.URL))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "feed %s (%s): %s, %s, %s\n", feed.Court, orDash(feed.BuildDate), plural(feed.Items, "item"), plural(len(docs), "document"), plural(len(feed.Dropped), "dropped item"))
	for _, why := range feed.Dropped {
		fmt.Fprintf(w, "  dropped %s\n", why)
	}
	return nil
}
