package pdfextract

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testtool"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
	"github.com/docketwatch/docketwatch/services/extractor/poppler"
)

// benchFile is the shared benchmark corpus: 464 pages of generated and real filings.
const benchFile = "/work/shared/corpus/bench/merged-text-filings.pdf"

func TestPageImages(t *testing.T) {
	testtool.Need(t, poppler.Available)
	tests := []struct {
		file        string
		min, max    float64 // expected coverage of pages 1 and 2
		wantAtLeast int     // images per page
	}{
		{file: "testdata/ca8_.pdf", min: 0.8, max: 1, wantAtLeast: 1},
		{file: "../poppler/testdata/ca3_003112692106.pdf", min: 0.001, max: 0.2, wantAtLeast: 1},
		{file: "../poppler/testdata/ca2_1-1.pdf", min: 0, max: 0, wantAtLeast: 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d := poppler.OpenFile(tt.file, poppler.Options{})
			images, err := pageImages(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			for n := 1; n <= 2; n++ {
				img := images[n]
				if !img.Known || img.Count < tt.wantAtLeast || img.Coverage < tt.min || img.Coverage > tt.max {
					t.Errorf("page %d: got %+v; want at least %d images covering %.3f–%.3f of the page", n, img, tt.wantAtLeast, tt.min, tt.max)
				}
			}
		})
	}
}

// BenchmarkEngines reports pages per second, on the same file in the same run, of the Go
// engine on all cores, of one pdftotext -layout process run directly, of our poppler
// package (the same process plus page clean-up), and of the auto decision without OCR.
// Each iteration runs all four in turn, so that load from other processes on the
// machine hits them alike; go/pdftotext is the target ratio (at least 1).
func BenchmarkEngines(b *testing.B) {
	data, err := os.ReadFile(benchFile)
	if err != nil {
		b.Skipf("skipping: %v", err)
	}
	testtool.Need(b, poppler.Available)
	ctx := context.Background()
	pages, err := pdftext.Extract(ctx, data, pdftext.Options{})
	if err != nil && len(pages) == 0 {
		b.Fatal(err)
	}
	n := float64(len(pages))
	var goT, cliT, popT, autoT time.Duration
	timed := func(d *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	for b.Loop() {
		timed(&goT, func() error { _, err := pdftext.Extract(ctx, data, pdftext.Options{}); return err })
		timed(&cliT, func() error {
			out, err := exec.Command("pdftotext", "-layout", benchFile, "-").Output()
			if err == nil && !strings.Contains(string(out), "\f") {
				err = fmt.Errorf("pdftotext printed no pages")
			}
			return err
		})
		timed(&popT, func() error { _, err := poppler.Extract(ctx, data, poppler.Options{}); return err })
		timed(&autoT, func() error { _, err := Extract(ctx, data, Options{NoOCR: true}); return err })
	}
	rate := func(d time.Duration) float64 { return n * float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(goT), "go-pages/s")
	b.ReportMetric(rate(cliT), "pdftotext-pages/s")
	b.ReportMetric(rate(popT), "poppler-pkg-pages/s")
	b.ReportMetric(rate(autoT), "auto-no-ocr-pages/s")
	b.ReportMetric(cliT.Seconds()/goT.Seconds(), "go/pdftotext-speed")
}
