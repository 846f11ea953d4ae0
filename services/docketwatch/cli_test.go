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

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
)

// TestWrongFlagPrintsVerbUsage: a flag the verb does not take is answered with that
// verb's flags and exit 2, not the top-level usage.
func TestWrongFlagPrintsVerbUsage(t *testing.T) {
	for _, verb := range []string{"search", "ingest", "dead", "jobs"} {
		t.Run(verb, func(t *testing.T) {
			out := usageFailure(t, verb, "--no-such-flag", "x")
			if !strings.Contains(out, "flag provided but not defined: -no-such-flag") || !strings.Contains(out, "Flags of docketwatch "+verb+":") || !strings.Contains(out, "-data") {
				t.Errorf("stderr does not name the bad flag and the verb's flags:\n%s", out)
			}
			if strings.Contains(out, "docketwatch watches US federal courts") {
				t.Errorf("stderr carries the top-level usage:\n%s", out)
			}
		})
	}
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

// TestQueryVerbsNeedAQuery: search and alerts test without a query exit 2 saying so,
// with the top-level usage, before they open anything; an unknown verb does the same.
func TestQueryVerbsNeedAQuery(t *testing.T) {
	for _, tc := range []struct{ args, want []string }{
		{[]string{"search", "--limit", "3"}, []string{"search needs a query"}},
		{[]string{"alerts", "test", "--days", "7"}, []string{"alerts test needs a query"}},
		{[]string{"no-such-verb"}, []string{`unknown command "no-such-verb"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := usageFailure(t, tc.args...)
			for _, w := range append(tc.want, "docketwatch watches US federal courts") {
				if !strings.Contains(out, w) {
					t.Errorf("stderr lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// usageFailure runs docketwatch with args, which it must refuse as a usage error (exit
// status 2), and returns what it said on stderr.
func usageFailure(t *testing.T, args ...string) string {
	t.Helper()
	cmd := docketwatch(t, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("docketwatch %s: exit %v; want status 2", strings.Join(args, " "), err)
	}
	return stderr.String()
}
