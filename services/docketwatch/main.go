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

	"github.com/docketwatch/docketwatch/services/docketwatch/node"
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
	verb, args := os.Args[1], os.Args[2:]
	if verb == "help" || verb == "-h" || verb == "--help" {
		fmt.Print(usage)
		return
	}
	var err error
	if cmd, ok := commands[verb]; ok {
		err = cmd(ctx, verb, args)
	} else {
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

// command runs one verb; it gets the name it was called by (`run` and the role verbs
// share one, the job kinds another).
type command func(ctx context.Context, verb string, args []string) error

// commands are the verbs of the binary: `run` and a verb for each role (node.Roles),
// then the others.
var commands = func() map[string]command {
	m := map[string]command{
		"ingest":   withCommon(cmdIngest),
		"search":   withCommon(cmdSearch),
		"alerts":   withoutVerb(cmdAlerts),
		"dead":     withCommon(cmdDead),
		"jobs":     withCommon(cmdJobs),
		"backfill": withCommon(cmdBackfill),
		"buy":      withCommon(cmdBuy),
		// A job kind's verb is its name (extractor.ReextractKind, indexer.ReindexKind).
		extractor.ReextractKind: withCommon(cmdJobStart),
		indexer.ReindexKind:     withCommon(cmdJobStart),
		"extract":               withoutVerb(cmdExtract),
		"pacer":                 withoutVerb(cmdPacer),
		"config-example":        func(_ context.Context, _ string, args []string) error { return cmdConfigExample(args) },
	}
	for _, role := range append([]string{"run"}, node.Roles...) {
		m[role] = cmdRun
	}
	return m
}()

// withoutVerb adapts a command that has only one name.
func withoutVerb(cmd func(context.Context, []string) error) command {
	return func(ctx context.Context, _ string, args []string) error { return cmd(ctx, args) }
}

// verb is a command that takes the flags every verb takes: fs, named as the verb was
// called, holds them (parsed into c when the verb parses fs), and the verb adds its own.
type verb func(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error

// withCommon adapts a verb: the one place a verb's common flags are set up.
func withCommon(v verb) command {
	return func(ctx context.Context, name string, args []string) error {
		c := new(common)
		return v(ctx, c, c.flagSet(name), args)
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
