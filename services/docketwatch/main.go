// Command docketwatch watches US federal courts: it ingests filings, extracts their text,
// indexes them for search and alerts on new ones. `docketwatch run` runs everything in one
// process over a data directory; the other verbs work against that running process or,
// with nothing running, directly on the data directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/worker"
	"github.com/docketwatch/docketwatch/services/indexer"
)

const usage = `docketwatch watches US federal courts.

Usage:
  docketwatch run    [--data DIR] [--http ADDR]      run everything, embedded
                     [--nats URLS --replicas 3 --roles R,R]  ... or against a NATS cluster
                     [--pacer-courts C,C] [--courtlistener-courts C,C]  sources to watch (see --help)
  docketwatch extractor|indexer|fetcher|alerter|api --nats URLS [--data DIR]   one role against a cluster
                     (every role verb takes the flags of run)
  docketwatch backfill --court C --since D [--until D]  fetch a date range from CourtListener
  docketwatch ingest [--data DIR] [--json] [--court C] [--docket D] [--case-name N] PATH...  ingest PDF files and folders; waits until each is indexed or parked (exit 0: all indexed; 3: some parked or skipped; 1: some unreadable)
  docketwatch search [--data DIR] [--json|--export] [--limit N] [--court C] [--docket D] [--exhibits]
                     [--since D] [--until D] [--entity TYPE:NAME] [--facets court,year,...] [--sort newest] QUERY
  docketwatch alerts add|list|show|rm|test ...        manage alert rules ("alerts help")
  docketwatch config-example                          print a config file with every setting of run
  docketwatch extract [--json] [--no-ocr] [--engine auto|go|poppler] [--aliases FILE] FILE.pdf...
  docketwatch pacer parse [--court ID] [--json] FILE.xml   print the documents a saved PACER RSS feed yields
  docketwatch dead   [--data DIR] [--json] list | show SEQ... | retry SEQ...|--all
  docketwatch reextract [--court C] [--since D] [--until D] [--failed] [--detach] [--json]
  docketwatch reindex [--court C] [--since D] [--until D] [--detach] [--json]   rebuild the index, no downtime
  docketwatch jobs   [--json] [list | show ID | follow ID | cancel ID]
  docketwatch buy    [--json] --dry-run | ledger       PACER purchases: what the rules would buy, what was bought

The data directory defaults to $DOCKETWATCH_DATA, else ~/.local/share/docketwatch.
Every setting --foo-bar can also be set as DOCKETWATCH_FOO_BAR or as foo-bar in the YAML
file of --config (flag over environment over file); secrets only as the latter two.
`

func main() {
	// A PDF is parsed in a child process of this same binary (package worker).
	worker.ServeIfChild(extractor.ExtractPDF)

	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch verb, args := os.Args[1], os.Args[2:]; verb {
	case "run", "extractor", "indexer", "api", "fetcher", "alerter":
		err = cmdRun(ctx, verb, args)
	case "ingest":
		err = cmdIngest(ctx, args)
	case "search":
		err = cmdSearch(ctx, args)
	case "alerts":
		err = cmdAlerts(ctx, args)
	case "dead":
		err = cmdDead(ctx, args)
	case "reextract":
		err = cmdJobStart(ctx, verb, args)
	case "reindex":
		err = cmdJobStart(ctx, indexer.ReindexKind, args)
	case "jobs":
		err = cmdJobs(ctx, args)
	case "backfill":
		err = cmdBackfill(ctx, args)
	case "buy":
		err = cmdBuy(ctx, args)
	case "extract":
		err = cmdExtract(ctx, args)
	case "pacer":
		err = cmdPacer(ctx, args)
	case "config-example":
		err = cmdConfigExample(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		err = usageError{msg: fmt.Sprintf("unknown command %q", verb)}
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docketwatch:", err)
		var ue usageError
		if errors.As(err, &ue) {
			ue.printUsage(os.Stderr)
			os.Exit(2)
		}
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// exitError ends the process with its own code: an outcome a script must be able to
// tell from success and from failure (ingest's parked files: 3).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// exitNotIndexed is ingest's exit status when every file was read but some were parked
// or skipped.
const exitNotIndexed = 3
