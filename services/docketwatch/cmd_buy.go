package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
)

// cmdBuy shows what the purchase rules would buy (--dry-run) and what was bought
// (ledger). Purchases themselves are made by the running fetcher role (run --buy).
func cmdBuy(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	var fc fetcher.Config
	fc.RegisterFlags(fs)
	var rc recap.Config
	rc.RegisterFlags(fs)
	dry := fs.Bool("dry-run", false, "list what the rules would buy now and its estimated cost; spend nothing")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if !*dry && (len(pos) != 1 || pos[0] != "ledger") {
		return badUsage(fs, "buy needs --dry-run or ledger (purchases are made by `run --buy`)")
	}
	if err := rc.Validate(); err != nil {
		return err
	}
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	cl, err := fc.CourtListener.NewClient(ctx, deps.JS, c.logger())
	if err != nil {
		return err
	}
	rdeps, err := recap.OpenDeps(ctx, deps.JS, deps.Blobs, cl, c.logger())
	if err != nil {
		return err
	}
	svc, err := recap.New(rc, rdeps)
	if err != nil {
		return err
	}
	if *dry {
		plan, err := svc.Plan(ctx, true)
		if err != nil {
			return err
		}
		return printPlan(c.jsonOut, plan)
	}
	return printLedger(ctx, c.jsonOut, svc.Ledger(), rc.Caps)
}

func printPlan(jsonOut bool, plan []recap.Planned) error {
	if jsonOut {
		return json.NewEncoder(os.Stdout).Encode(plan)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOCUMENT\tPAGES\tESTIMATE\tWHY")
	var total recap.Cents
	for _, p := range plan {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", p.Doc, p.Pages, p.Cents, p.Reason)
		total += p.Cents
	}
	fmt.Fprintf(tw, "\t\t%s\t%d documents; nothing was bought\n", total, len(plan))
	return tw.Flush()
}

func printLedger(ctx context.Context, jsonOut bool, l *recap.Ledger, caps recap.Caps) error {
	all, err := l.Purchases(ctx)
	if err != nil {
		return err
	}
	m, err := l.Spend(ctx)
	if err != nil {
		return err
	}
	if jsonOut {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"purchases": all, "month": m, "caps": caps})
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESERVED\tDOCUMENT\tPAGES\tCOST\tSTATE\tREQUEST\tREASON")
	for _, p := range all {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\n", p.ReservedAt.Format("2006-01-02 15:04"), p.Doc, p.Pages, p.Cents, p.State, p.RequestID, oneLine(p.Reason, 80))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("this month: %s of %s; today: %s of %s (PACER waives a quarter's bill of %s or less)\n",
		m.Cents, caps.Month, recap.Today(m, l), caps.Day, recap.QuarterlyWaiver)
	return nil
}
