package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressRates: rates count only the work done since following began, over at
// least a second; a job found half done or a jump in the first milliseconds shows none.
func TestProgressRates(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2024, 4, 15, 9, 0, 0, 0, time.UTC)
	p := newProgress(&b, "reindex", "docs")
	p.now = func() time.Time { return clock }
	step := func(after time.Duration, done int64) string {
		clock = clock.Add(after)
		b.Reset()
		p.set(done, 7_000_000)
		return strings.TrimSpace(b.String())
	}
	if got := step(0, 3_500_000); got != "reindex: 3500000 of 7000000 docs" {
		t.Errorf("first report %q; want the count and no rate", got)
	}
	if got := step(time.Millisecond, 4_200_000); got != "reindex: 4200000 of 7000000 docs" {
		t.Errorf("a jump within a millisecond: %q; want no rate", got)
	}
	if got := step(2*time.Second-time.Millisecond, 4_900_000); got != "reindex: 4900000 of 7000000 docs; 700000.0 docs/s, 3s left" {
		t.Errorf("after 2s: %q; want 1.4M docs over 2s and the time left", got)
	}
	if got := step(time.Second, 4_950_000); got != "" {
		t.Errorf("within the same tenth: %q; want no line", got)
	}
}

// TestIngestReportsEverything: a folder with a good PDF, a bad one and a text file: a
// count line as files settle (no terminal), the parked file and the skipped one each
// listed once, and exit status 3.
func TestIngestReportsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a pipeline")
	}
	dir := t.TempDir()
	copyFile(t, filepath.Join("testdata", "ca7_3.pdf"), filepath.Join(dir, "order.pdf"))
	writeFile(t, filepath.Join(dir, "junk.pdf"), []byte("%PDF-1.4 this is not really a pdf"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("my notes"))
	cmd := docketwatch(t, "ingest", "--data", t.TempDir(), dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitNotIndexed {
		t.Fatalf("exit: %v; want status %d\n%s%s", err, exitNotIndexed, stdout.String(), stderr.String())
	}
	all := stdout.String() + stderr.String()
	for _, want := range []string{"ingest: 3 of 3 files", "3 files: 1 indexed, 0 duplicate, 1 parked, 0 failed, 1 skipped", "skipped " + filepath.Join(dir, "notes.txt") + ": not a PDF", "1 file parked", "1 file skipped"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if n := strings.Count(all, "parked "+filepath.Join(dir, "junk.pdf")); n != 1 {
		t.Errorf("the parked file is listed %d times; want once:\n%s", n, all)
	}
}
