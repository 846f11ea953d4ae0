package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
)

// TestUsageErrorsPrintVerbUsage: a command used wrongly (a flag it does not take, a
// missing argument, one too many, a bad value) is answered with the error, that
// command's synopsis and flags, and exit 2 — never the top-level usage, which only an
// unknown command gets.
func TestUsageErrorsPrintVerbUsage(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		synopsis string // what the usage printed must show of the command's synopsis
		flags    string // "Flags of docketwatch X:", or "" for a command without its own flags
		err      string
	}{
		{[]string{"search", "--no-such-flag", "x"}, "docketwatch search [--data DIR]", "search", "flag provided but not defined: -no-such-flag"},
		{[]string{"search"}, "docketwatch search [--data DIR]", "search", "search needs a query"},
		{[]string{"ingest"}, "docketwatch ingest [--data DIR]", "ingest", "ingest needs at least one file or folder"},
		{[]string{"ingest", "--court", "Not A Court", "x.pdf"}, "docketwatch ingest [--data DIR]", "ingest", "is not a CourtListener court id"},
		{[]string{"run", "extra"}, "docketwatch run    [--data DIR]", "run", `run takes no arguments, got ["extra"]`},
		{[]string{"indexer", "extra"}, "docketwatch extractor|indexer|", "indexer", "indexer takes no arguments"},
		{[]string{"backfill"}, "docketwatch backfill --court C --since D", "backfill", "backfill needs --court and --since"},
		{[]string{"backfill", "--court", "cand", "--since", "yesterday"}, "docketwatch backfill --court C", "backfill", "yesterday"},
		{[]string{"alerts"}, "docketwatch alerts show ID", "", "alerts needs a verb"},
		{[]string{"alerts", "frobnicate"}, "docketwatch alerts add  --name N", "", `unknown alerts verb "frobnicate"`},
		{[]string{"alerts", "add", "--query", "x"}, "docketwatch alerts add  --name N --query Q", "alerts add", "alerts add needs --name and --query"},
		{[]string{"alerts", "list", "extra"}, "docketwatch alerts list", "alerts list", "alerts list takes no arguments"},
		{[]string{"alerts", "show"}, "docketwatch alerts show ID", "alerts show", "alerts show needs one rule id, got 0 arguments"},
		{[]string{"alerts", "show", "a", "b"}, "docketwatch alerts show ID", "alerts show", "alerts show needs one rule id, got 2 arguments"},
		{[]string{"alerts", "rm"}, "docketwatch alerts rm   ID", "alerts rm", "alerts rm needs one rule id"},
		{[]string{"alerts", "test"}, "docketwatch alerts test [--days N", "alerts test", "alerts test needs a query"},
		{[]string{"alerts", "test", "--by", "moon", "x"}, "docketwatch alerts test [--days N", "alerts test", `--by "moon": want filed or indexed`},
		{[]string{"alerts", "test", "--since", "2024-13-01", "x"}, "docketwatch alerts test [--days N", "alerts test", `--since "2024-13-01": want YYYY-MM-DD`},
		{[]string{"config-example", "extra"}, "docketwatch config-example", "", "config-example takes no arguments"},
		{[]string{"extract"}, "docketwatch extract [--json]", "extract", "extract needs a PDF file"},
		{[]string{"pacer"}, "docketwatch pacer parse [--court ID]", "", "pacer needs a verb"},
		{[]string{"pacer", "parse", "a.xml", "b.xml"}, "docketwatch pacer parse [--court ID]", "pacer parse", "pacer parse needs one feed file, got 2 arguments"},
		{[]string{"dead"}, "docketwatch dead   [--data DIR]", "dead", "dead needs list, show SEQ or retry"},
		{[]string{"dead", "show", "abc"}, "docketwatch dead   [--data DIR]", "dead", `"abc" is not a sequence number`},
		{[]string{"dead", "retry"}, "docketwatch dead   [--data DIR]", "dead", "name the parked messages by their SEQ"},
		{[]string{"dead", "bury", "1"}, "docketwatch dead   [--data DIR]", "dead", "dead bury: want list, show or retry"},
		{[]string{"reextract", "extra"}, "docketwatch reextract [--court C]", "reextract", "reextract takes no arguments"},
		{[]string{"reextract", "--since", "2024-02-30"}, "docketwatch reextract [--court C]", "reextract", `"2024-02-30" is not a day`},
		{[]string{"reindex", "--since", "2024-03-01", "--until", "2024-02-01"}, "docketwatch reindex [--court C]", "reindex", "--until 2024-02-01 is before --since 2024-03-01"},
		{[]string{"jobs", "show"}, "docketwatch jobs   [--json]", "jobs", "jobs show needs one job id, got 0 arguments"},
		{[]string{"jobs", "show", "a", "b"}, "docketwatch jobs   [--json]", "jobs", "jobs show needs one job id, got 2 arguments"},
		{[]string{"jobs", "pause", "a"}, "docketwatch jobs   [--json]", "jobs", "jobs pause: want list, show, follow or cancel"},
		{[]string{"buy"}, "docketwatch buy    [--json] --dry-run", "buy", "buy needs --dry-run or ledger"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := docketwatch(t, tc.args...)
			cmd.Env = append(withoutEnv(cmd.Env, "DOCKETWATCH_DATA"), "DOCKETWATCH_DATA="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("exit: %v; want status 2\n%s", err, stderr.String())
			}
			out := stderr.String()
			if !strings.Contains(out, tc.err) {
				t.Errorf("stderr does not say %q:\n%s", tc.err, out)
			}
			if !strings.Contains(out, "Usage:\n") || !strings.Contains(out, tc.synopsis) {
				t.Errorf("stderr lacks the command's usage (%q):\n%s", tc.synopsis, out)
			}
			if tc.flags != "" && !strings.Contains(out, "Flags of docketwatch "+tc.flags+":\n  -") {
				t.Errorf("stderr lacks the flags of %s:\n%s", tc.flags, out)
			}
			if strings.Contains(out, "docketwatch watches US federal courts") {
				t.Errorf("stderr carries the top-level usage:\n%s", out)
			}
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		out, err := docketwatch(t, "frobnicate").CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "docketwatch watches US federal courts") {
			t.Errorf("unknown command: exit %v; want 2 and the top-level usage:\n%s", err, out)
		}
	})
}

// TestPrintJobIsText: `jobs show` without --json is readable lines, not JSON.
func TestPrintJobIsText(t *testing.T) {
	day := time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC)
	j := &job.Job{ID: "j1", Kind: "reextract", State: job.Done, Total: 10, Done: 10, Selected: 4, Errors: 1,
		Selection: job.Selection{Court: "cand", Since: day, Failed: true},
		Created:   day, Updated: day.Add(time.Minute), Finished: day.Add(time.Minute)}
	var b bytes.Buffer
	if err := printJob(&b, j); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"job:", "j1", "state:", "done", "court cand, filed from 2024-04-15, parked by the extractor", "10 of 10 looked at, 4 selected, 1 error\n", "finished:"} {
		if !strings.Contains(out, want) {
			t.Errorf("jobs show output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "{") {
		t.Errorf("jobs show output is JSON:\n%s", out)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 documents", 1: "1 document", 2: "2 documents"} {
		if got := plural(n, "document"); got != want {
			t.Errorf("plural(%d) = %q; want %q", n, got, want)
		}
	}
}

// TestReadVerbsRefuseMissingIndex: a read verb finding no index in the data directory
// (here the default one, as without --data) refuses, names the directory, and leaves
// nothing behind in it.
func TestReadVerbsRefuseMissingIndex(t *testing.T) {
	xdg := t.TempDir()
	want := filepath.Join(xdg, "docketwatch")
	for _, args := range [][]string{{"search", "netflix"}, {"alerts", "list"}, {"alerts", "show", "r1"}, {"alerts", "test", "netflix"}, {"dead", "list"}, {"jobs"}, {"jobs", "show", "x"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := docketwatch(t, args...)
			cmd.Env = append(withoutEnv(cmd.Env, "DOCKETWATCH_DATA"), "XDG_DATA_HOME="+xdg)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("succeeded on a directory with no index:\n%s", out)
			}
			if !strings.Contains(string(out), "no docketwatch index in "+want) {
				t.Errorf("output does not say where it looked (%s):\n%s", want, out)
			}
			if entries, _ := os.ReadDir(want); len(entries) > 0 {
				t.Errorf("%s holds %d entries after a read verb; want nothing created", want, len(entries))
			}
		})
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// TestParkedSource: a parked document (the extractor's) and a parked text (the
// indexer's) both name their file, else their URL.
func TestParkedSource(t *testing.T) {
	doc := filing.Document{ID: "d1", URL: "https://ecf.cand.uscourts.gov/doc1/1", Blob: &filing.BlobRef{Name: "order.pdf"}}
	fromURL := filing.Document{ID: "d2", URL: "https://storage.courtlistener.com/recap/x.pdf"}
	for _, tc := range []struct {
		name string
		msg  any
		want string
	}{
		{"document with a file", doc, "order.pdf"},
		{"document from a URL", fromURL, fromURL.URL},
		{"text of a file", filing.Text{Document: doc}, "order.pdf"},
		{"text from a URL", filing.Text{Document: fromURL}, fromURL.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			if got := parkedSource(data); got != tc.want {
				t.Errorf("parkedSource = %q; want %q", got, tc.want)
			}
		})
	}
	if got := parkedSource([]byte("not json")); got != "" {
		t.Errorf("parkedSource(junk) = %q; want empty", got)
	}
}

// TestPrintRuleShowsDelivery: `alerts show` without --json says how each pushing channel
// delivers — failing or working, the pending retries and the next attempt, the last
// success and the last failure with its reason — and that the feed has no status.
func TestPrintRuleShowsDelivery(t *testing.T) {
	at := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	r := alert.Rule{ID: "0123456789abcdef", Name: "sealing", Query: `"motion to seal"`, CreatedAt: at.Add(-48 * time.Hour),
		Webhook: &alert.Webhook{URL: "https://hooks.example.com/dw", Delivery: alert.Delivery{LastDeliveryAt: at.Add(-time.Hour)}},
		Email: &alert.Email{To: []string{"counsel@example.com"}, Delivery: alert.Delivery{Failures: 3, LastFailureAt: at,
			LastError: "sending email via smtp.example.com: 421 4.3.2 service not available", PendingRetries: 2, NextRetryAt: at.Add(2 * time.Minute)}}}
	var b bytes.Buffer
	if err := printRule(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Webhook working. Last delivered: 2026-03-02 13:05 UTC.",
		"Email failing: 3 failed attempts in a row. Pending retries: 2, the next at 2026-03-02 14:07 UTC.",
		"Last failure: 2026-03-02 14:05 UTC: sending email via smtp.example.com: 421 4.3.2 service not available",
		"counsel@example.com", "feed.atom (fetched by readers: nothing delivered, no status)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("alerts show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "{") {
		t.Errorf("alerts show output is JSON:\n%s", out)
	}
}
