package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

const alertsUsage = `docketwatch alerts manages alert rules.

Usage:
  docketwatch alerts add  --name N --query Q [--exhibits-only] [--court C,...] [--docket D]
                          [--entity E]... [--type T]... [--webhook URL [--secret S]]
                          [--email ADDR]... [--daily-cap N]
  docketwatch alerts list
  docketwatch alerts show ID
  docketwatch alerts rm   ID
  docketwatch alerts test [--days N | --since D [--until D]] [--by filed|indexed] [--exhibits-only] [--court C,...] [--docket D] QUERY

Every verb takes --data DIR and --json. They work against a running "docketwatch run"
or, with nothing running, on the data directory itself.
`

// repeated is a flag that may be given more than once.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func cmdAlerts(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, alertsUsage)
		return usageError{msg: "alerts needs a verb: add, list, show, rm or test", cmd: "alerts"}
	}
	name, args := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Print(alertsUsage)
		return nil
	}
	for _, v := range alertsVerbs {
		if slices.Contains(v.names, name) {
			return withCommon(v.run)(ctx, "alerts "+v.names[0], args)
		}
	}
	return usageError{msg: fmt.Sprintf("unknown alerts verb %q", name), cmd: "alerts"}
}

// alertsVerbs are the alerts verbs by every name they answer to; each one's flag set is
// named by the first ("alerts list" for ls too), the name its line in alertsUsage gives.
var alertsVerbs = []struct {
	names []string
	run   verb
}{
	{[]string{"add"}, alertsAdd},
	{[]string{"list", "ls"}, alertsList},
	{[]string{"show"}, alertsShow},
	{[]string{"rm", "delete"}, alertsRemove},
	{[]string{"test", "preview"}, alertsTest},
}

// ruleStore opens the rule store of the pipeline (a cluster, a running docketwatch, or
// one started here for the command).
func ruleStore(ctx context.Context, c *common) (*alert.Store, func(), error) {
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	store, err := alert.OpenStore(ctx, deps.JS)
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	return store, closeFn, nil
}

// existingRuleStore is ruleStore for a verb that reads rules: it refuses a data
// directory where docketwatch never ran (common.requireIndex).
func existingRuleStore(ctx context.Context, c *common) (*alert.Store, func(), error) {
	if err := c.requireIndex(); err != nil {
		return nil, nil, err
	}
	return ruleStore(ctx, c)
}

// checkQuery refuses a query the index could not parse, before it is saved, saying
// where the mistake is.
func checkQuery(q string) error {
	if strings.TrimSpace(q) == "" {
		return errors.New("the query is empty")
	}
	if _, err := schema.ParseQueryString(q); err != nil {
		var qe *search.QueryError
		if errors.As(err, &qe) && qe.Position >= 0 {
			return fmt.Errorf("%s\n  %s\n  %s^", qe.Message, q, strings.Repeat(" ", qe.Position))
		}
		return fmt.Errorf("query %q: %w", q, err)
	}
	return nil
}

func alertsAdd(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	name := fs.String("name", "", "the rule's name")
	q := fs.String("query", "", "the query, in the search syntax")
	exhibits := fs.Bool("exhibits-only", false, "only exhibits")
	court := fs.String("court", "", "only these courts (comma-separated ids)")
	docket := fs.String("docket", "", "only this docket number (3:20-cv-08570)")
	var entities, types, emails repeated
	fs.Var(&entities, "entity", "only documents naming this entity (repeatable; \"organization:Meta Platforms, Inc.\")")
	fs.Var(&types, "type", "only these document types (repeatable): main, attachment, exhibit, or a description word")
	hook := fs.String("webhook", "", "POST alerts to this URL")
	secret := fs.String("secret", "", "the webhook's signing secret (generated when omitted)")
	fs.Var(&emails, "email", "email alerts to this address (repeatable)")
	dailyCap := fs.Int("daily-cap", 0, "at most this many alerts a day, the rest in a digest (0: no cap)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *q == "" && len(rest) > 0 {
		*q = strings.Join(rest, " ")
	}
	if *name == "" || *q == "" {
		return badUsage(fs, "alerts add needs --name and --query")
	}
	if err := checkQuery(*q); err != nil {
		return err
	}
	r := alert.Rule{Name: *name, Query: *q, DailyCap: *dailyCap, Filters: alert.Filters{
		ExhibitsOnly: *exhibits, Docket: *docket, Entities: entities, Types: types}}
	if *court != "" {
		r.Filters.Courts = strings.Split(*court, ",")
	}
	if *hook != "" {
		r.Webhook = &alert.Webhook{URL: *hook, Secret: *secret}
	} else if *secret != "" {
		return badUsage(fs, "--secret needs --webhook")
	}
	if len(emails) > 0 {
		r.Email = &alert.Email{To: emails}
	}
	st, closeFn, err := ruleStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	saved, err := st.Create(ctx, r)
	if err != nil {
		return err
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(saved)
	}
	fmt.Printf("rule %s saved: %s\n", saved.ID, saved.Name)
	if saved.Webhook != nil && *secret == "" {
		fmt.Printf("webhook secret (shown once): %s\n", saved.Webhook.Secret)
	}
	return nil
}

func alertsList(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	if err := noArgs(fs, args); err != nil {
		return err
	}
	st, closeFn, err := existingRuleStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	rules, err := st.List(ctx)
	if err != nil {
		return err
	}
	if err := st.WithRetries(ctx, rules); err != nil {
		return err
	}
	for i := range rules {
		rules[i] = rules[i].Redacted()
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(rules)
	}
	if len(rules) == 0 {
		fmt.Println("no alert rules")
	}
	for _, r := range rules {
		fmt.Printf("%s  %-30s %s%s\n", r.ID, r.Name, r.Query, ruleNotes(r))
	}
	return nil
}

// ruleNotes is a short summary of a rule's filters and channel state.
func ruleNotes(r alert.Rule) string {
	var n []string
	if r.Filters.ExhibitsOnly {
		n = append(n, "exhibits")
	}
	if len(r.Filters.Courts) > 0 {
		n = append(n, "court "+strings.Join(r.Filters.Courts, ","))
	}
	if r.Filters.Docket != "" {
		n = append(n, "docket "+r.Filters.Docket)
	}
	for _, ch := range []string{alert.ChannelWebhook, alert.ChannelEmail} {
		d := r.Delivery(ch)
		switch {
		case d == nil:
		case ch == alert.ChannelWebhook && r.Webhook.Disabled:
			n = append(n, "webhook DISABLED: "+d.LastError)
		case d.Failures > 0 || d.PendingRetries > 0:
			n = append(n, fmt.Sprintf("%s failing (%d in a row, %d pending retries): %s", ch, d.Failures, d.PendingRetries, d.LastError))
		default:
			n = append(n, ch)
		}
	}
	if r.DailyCap > 0 {
		n = append(n, fmt.Sprintf("cap %d/day", r.DailyCap))
	}
	if len(n) == 0 {
		return ""
	}
	return "  [" + strings.Join(n, "; ") + "]"
}

// onRule runs do on the rule named by the verb's one argument, in the rule store.
func onRule(ctx context.Context, c *common, fs *flag.FlagSet, args []string, do func(st *alert.Store, id string) error) error {
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badUsage(fs, "%s needs one rule id, got %d arguments", fs.Name(), len(rest))
	}
	st, closeFn, err := existingRuleStore(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	return do(st, rest[0])
}

func alertsShow(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	return onRule(ctx, c, fs, args, func(st *alert.Store, id string) error {
		r, _, err := st.Get(ctx, id)
		if err != nil {
			return err
		}
		rules := []alert.Rule{r}
		if err := st.WithRetries(ctx, rules); err != nil {
			return err
		}
		if c.jsonOut {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rules[0].Redacted())
		}
		return printRule(os.Stdout, rules[0])
	})
}

// printRule writes a rule as aligned "field: value" lines: what it matches, where it
// delivers, and how each channel's deliveries go (alert.Rule.DeliveryStatus, as the
// Alerts page says it).
func printRule(w io.Writer, r alert.Rule) error {
	f := newFieldWriter(w)
	f.row("rule", r.ID)
	f.row("name", r.Name)
	f.row("query", r.Query)
	f.row("filters", strings.TrimSuffix(strings.TrimPrefix(ruleNotes(alert.Rule{Filters: r.Filters, DailyCap: r.DailyCap}), "  ["), "]"))
	if r.Paused {
		f.row("paused", "yes: matches nothing until resumed")
	}
	f.row("created", r.CreatedAt.Format(time.DateTime))
	if r.Webhook != nil {
		f.row("webhook", r.Webhook.URL)
		f.row("  delivery", deliveryText(r, alert.ChannelWebhook))
	}
	if r.Email != nil {
		f.row("email", strings.Join(r.Email.To, ", "))
		f.row("  delivery", deliveryText(r, alert.ChannelEmail))
	}
	f.row("feed", "/api/v1/alerts/"+r.ID+"/feed.atom (fetched by readers: nothing delivered, no status)")
	return f.flush()
}

// deliveryText is the channel's status for people, without whether it is failing.
func deliveryText(r alert.Rule, channel string) string {
	text, _ := r.DeliveryStatus(channel)
	return text
}

func alertsRemove(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	return onRule(ctx, c, fs, args, func(st *alert.Store, id string) error {
		if err := st.Delete(ctx, id); err != nil {
			return err
		}
		if !c.jsonOut {
			fmt.Printf("rule %s deleted\n", id)
		}
		return nil
	})
}

func alertsTest(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	days := fs.Int("days", 30, "how many days back, ending today (without --since)")
	since := fs.String("since", "", "first day of the range, YYYY-MM-DD (any range: counted by day, month or year)")
	until := fs.String("until", "", "last day of the range, YYYY-MM-DD (default today)")
	by := fs.String("by", search.ByFiled, "count documents by their filed date, or by when they were indexed (indexed)")
	exhibits := fs.Bool("exhibits-only", false, "only exhibits")
	court := fs.String("court", "", "only these courts (comma-separated ids)")
	docket := fs.String("docket", "", "only this docket number")
	words, err := parseQuery(fs, args)
	if err != nil {
		return err
	}
	from, to, err := testRange(*since, *until, *days, time.Now())
	if err != nil {
		return badUsage(fs, "%s", err)
	}
	if *by != search.ByFiled && *by != search.ByIndexed {
		return badUsage(fs, "--by %q: want filed or indexed", *by)
	}
	q := search.Query{Q: strings.Join(words, " "), Exhibits: *exhibits, Docket: *docket}
	if err := checkQuery(q.Q); err != nil {
		return err
	}
	if *court != "" {
		q.Court = strings.Split(*court, ",")
	}
	s, closeFn, err := searcher(c)
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	counts, unit, err := search.Histogram(ctx, s, q, *by, from, to)
	if err != nil {
		return err
	}
	var total, peak uint64
	for _, b := range counts {
		total += b.Hits
		peak = max(peak, b.Hits)
	}
	sample := search.Within(q, *by, from.Format(time.DateOnly), to.Format(time.DateOnly))
	sample.Limit = 5
	res, err := s.Search(ctx, sample)
	if err != nil {
		return err
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"query": q, "by": *by, "unit": unit,
			"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "counts": counts, "total": total, "sample": res.Hits})
	}
	fmt.Printf("%q would have matched %d documents %s from %s to %s (by %s)\n\n", q.Q, total, map[string]string{search.ByFiled: "filed", search.ByIndexed: "indexed"}[*by],
		from.Format(time.DateOnly), to.Format(time.DateOnly), unit)
	for _, b := range counts {
		bar := ""
		if peak > 0 {
			bar = strings.Repeat("#", int((b.Hits*40+peak-1)/peak))
		}
		fmt.Printf("  %-10s %5d %s\n", b.Period, b.Hits, bar)
	}
	if len(res.Hits) > 0 {
		fmt.Println("\nfor example:")
		printHits(res)
	}
	return nil
}

// testRange is the range of alerts test: --since..--until, else the --days ending today.
func testRange(since, until string, days int, now time.Time) (time.Time, time.Time, error) {
	to := now.UTC().Truncate(24 * time.Hour)
	if until != "" {
		t, err := time.Parse(time.DateOnly, until)
		if err != nil {
			return to, to, fmt.Errorf("--until %q: want YYYY-MM-DD", until)
		}
		to = t
	}
	if since == "" {
		if days < 1 {
			return to, to, errors.New("--days must be 1 or more")
		}
		return to.AddDate(0, 0, -(days - 1)), to, nil
	}
	from, err := time.Parse(time.DateOnly, since)
	if err != nil {
		return to, to, fmt.Errorf("--since %q: want YYYY-MM-DD", since)
	}
	if to.Before(from) {
		return to, to, errors.New("--until is before --since")
	}
	return from, to, nil
}
