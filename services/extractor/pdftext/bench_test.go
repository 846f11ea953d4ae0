package pdftext

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testcpu"
)

// BenchmarkPerCore compares the Go engine with `pdftotext -layout` on the same files in
// the same run, by CPU time, on two merges: the corpus's bench merge
// ($DOCKETWATCH_BENCH_PDF, by default bench/merged-text-filings.pdf) and a merge, made
// with pdfunite, of the corpus's other born-digital PDFs. Each round runs our engine
// (one worker) and then pdftotext, so that load from other processes hits both alike;
// the ratio's range over the rounds is reported, not the best round. Pin the process to
// one core so that both get one (scripts/bench pdftext does):
//
//	go test -c -o /tmp/pdftext.test ./services/extractor/pdftext/ &&
//	(cd services/extractor/pdftext && taskset -c 1 /tmp/pdftext.test -test.run '^$' -test.bench PerCore -test.benchtime 5x)
func BenchmarkPerCore(b *testing.B) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		b.Skip("pdftotext not installed: no reference figure")
	}
	bench := os.Getenv("DOCKETWATCH_BENCH_PDF")
	if bench == "" {
		bench = filepath.Join(corpusDir(), "bench", "merged-text-filings.pdf")
	}
	b.Run("bench-merge", func(b *testing.B) { benchPerCore(b, bench) })
	b.Run("corpus-merge", func(b *testing.B) { benchPerCore(b, corpusMerge(b)) })
}

// corpusMerge unites the corpus's born-digital PDFs outside bench/ into one file.
func corpusMerge(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("pdfunite"); err != nil {
		b.Skip("pdfunite not installed (poppler-utils): no corpus merge")
	}
	var files []string
	for _, f := range bornDigitalPDFs(b) {
		// The testdata PDFs are copies of corpus files, listed once under testdata/.
		if !strings.Contains(f, string(filepath.Separator)+"bench"+string(filepath.Separator)) {
			files = append(files, f)
		}
	}
	if len(files) < 2 {
		b.Skipf("found %d born-digital corpus PDFs in %s; set DOCKETWATCH_CORPUS", len(files), corpusDir())
	}
	out := filepath.Join(b.TempDir(), "corpus-merge.pdf")
	if msg, err := exec.Command("pdfunite", append(files, out)...).CombinedOutput(); err != nil {
		b.Fatalf("pdfunite: %v: %s", err, msg)
	}
	b.Logf("corpus merge: %d born-digital PDFs", len(files))
	return out
}

func benchPerCore(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("benchmark PDF not available (%v); set DOCKETWATCH_BENCH_PDF or DOCKETWATCH_CORPUS", err)
	}
	ctx := context.Background()
	pages, err := Extract(ctx, data, Options{Workers: 1})
	if err != nil {
		b.Fatalf("Extract: %v", err)
	}
	n := float64(len(pages))
	var goCPU, refCPU time.Duration
	var ratios []float64
	for b.Loop() {
		start := testcpu.Process(b)
		if _, err := Extract(ctx, data, Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
		ours := testcpu.Process(b) - start
		cmd := exec.Command("pdftotext", "-layout", path, os.DevNull)
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		ref := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		goCPU += ours
		refCPU += ref
		ratios = append(ratios, ref.Seconds()/ours.Seconds())
	}
	slices.Sort(ratios)
	rounds := float64(len(ratios))
	b.ReportMetric(n, "pages")
	b.ReportMetric(n*rounds/goCPU.Seconds(), "go-pages/cpu-s")
	b.ReportMetric(n*rounds/refCPU.Seconds(), "pdftotext-pages/cpu-s")
	b.ReportMetric(ratios[0], "ratio-min")
	b.ReportMetric(ratios[len(ratios)/2], "ratio-median")
	b.ReportMetric(ratios[len(ratios)-1], "ratio-max")
}
