package pdftext

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// BenchmarkExtract measures pages per second of the Go engine on one PDF
// ($DOCKETWATCH_BENCH_PDF, by default the corpus's merged text filings), and of
// `pdftotext -layout` on the same file in the same run as the reference:
//
//	go test -run '^$' -bench Extract -benchtime 3x ./services/extractor/pdftext/
func BenchmarkExtract(b *testing.B) {
	path := os.Getenv("DOCKETWATCH_BENCH_PDF")
	if path == "" {
		path = corpusDir() + "/bench/merged-text-filings.pdf"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("benchmark PDF not available (%v); set DOCKETWATCH_BENCH_PDF", err)
	}
	pages, err := Extract(context.Background(), data, Options{})
	if err != nil {
		b.Fatalf("Extract: %v", err)
	}
	n := len(pages)
	b.Run("go", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Extract(context.Background(), data, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pages/s")
	})
	b.Run("go-1worker", func(b *testing.B) {
		for b.Loop() {
			if _, err := Extract(context.Background(), data, Options{Workers: 1}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pages/s")
	})
	b.Run("pdftotext", func(b *testing.B) {
		if _, err := exec.LookPath("pdftotext"); err != nil {
			b.Skip("pdftotext not installed: no reference figure")
		}
		for b.Loop() {
			if err := exec.Command("pdftotext", "-layout", path, os.DevNull).Run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "pages/s")
	})
}
