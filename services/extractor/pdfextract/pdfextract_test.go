package pdfextract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/pkg/testtool"
	"github.com/docketwatch/docketwatch/services/extractor/ocr"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
	"github.com/docketwatch/docketwatch/services/extractor/poppler"
)

// TestScans checks the OCR decision on real scans: the OCR'd text holds what doctor's
// tests expect, and the pages record OCR and its confidence.
func TestScans(t *testing.T) {
	testtool.Need(t, poppler.Available, ocr.Available)
	tests := []struct {
		name, file string
		maxPages   int
		want       string
		inFirst    int
	}{
		{name: "no text layer", file: "../ocr/testdata/image-pdf.pdf", maxPages: 1, want: "(Slip Opinion)", inFirst: 20},
		{name: "stamp over a small image", file: "../ocr/testdata/ocr_pdf_variation.pdf", want: "UNITED", inFirst: 100},
		{name: "circuit stamp over a full-page scan", file: "testdata/ca4_17.pdf", want: "APPEARANCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var progress atomic.Int32
			res, err := Extract(context.Background(), testfile.Read(t, tt.file), Options{
				MaxPages: tt.maxPages,
				Progress: func(done, total int) { progress.Add(1) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Pages) == 0 {
				t.Fatal("no pages")
			}
			p := res.Pages[0]
			text := p.Text
			if tt.inFirst > 0 {
				text = text[:min(len(text), tt.inFirst)]
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("page 1: got %q; want %q in it", text, tt.want)
			}
			if !p.OCR || p.Confidence < 0.5 || p.Confidence > 1 {
				t.Errorf("page 1: OCR %v, confidence %v; want OCR with a confidence in [0.5, 1]", p.OCR, p.Confidence)
			}
			if res.PageEngines[0] != ocr.Name() || !strings.Contains(res.Engine, ocr.Name()) {
				t.Errorf("engines: page %q, document %q; want %q", res.PageEngines[0], res.Engine, ocr.Name())
			}
			if progress.Load() == 0 {
				t.Error("Progress was never called during OCR")
			}
		})
	}
}

// TestBornDigitalNeverOCR checks that pages with a real text layer keep it — even when
// they draw an image as large as the page.
func TestBornDigitalNeverOCR(t *testing.T) {
	for _, file := range []string{"../poppler/testdata/ca2_1-1.pdf", "../poppler/testdata/ca3_003112692106.pdf", "testdata/ca8_.pdf"} {
		t.Run(file, func(t *testing.T) {
			var ocrd atomic.Int32
			res, err := Extract(context.Background(), testfile.Read(t, file), Options{Progress: func(int, int) { ocrd.Add(1) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Pages) < 2 {
				t.Fatalf("got %d pages; want 2", len(res.Pages))
			}
			for i, p := range res.Pages {
				if p.OCR || res.PageEngines[i] != pdftext.Version {
					t.Errorf("page %d: OCR %v, engine %q; want the go engine's text", p.Number, p.OCR, res.PageEngines[i])
				}
				if len(strings.Fields(p.Text)) < 20 {
					t.Errorf("page %d: got %q; want its text", p.Number, p.Text)
				}
			}
			if ocrd.Load() != 0 || res.Engine != pdftext.Version {
				t.Errorf("engine %q, %d pages OCR'd, notes %q; want go alone", res.Engine, ocrd.Load(), res.Notes)
			}
		})
	}
}

// TestFallbackDocument checks a file only poppler can read comes out through poppler.
func TestFallbackDocument(t *testing.T) {
	testtool.Need(t, poppler.Available)
	data := testpdf.DamagedXref(t, testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf"))
	if _, err := pdftext.Extract(context.Background(), data, pdftext.Options{}); err == nil {
		t.Skip("skipping: the go engine now reads a damaged xref; the fallback is not exercised")
	}
	res, err := Extract(context.Background(), data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) != 2 || !strings.Contains(res.Pages[0].Text, "17-3510") {
		t.Fatalf("got %d pages; want both with their text", len(res.Pages))
	}
	if res.Engine != poppler.Engine() || res.PageEngines[0] != poppler.Engine() || res.Pages[0].OCR {
		t.Errorf("engine %q, page 1 %q; want %q", res.Engine, res.PageEngines[0], poppler.Engine())
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "go engine") {
		t.Errorf("notes %q; want the go engine's failure recorded", res.Notes)
	}
}

// TestFallbackPage feeds the decision the Go engine's known defects on one page each and
// checks that poppler's reading replaces only those pages.
func TestFallbackPage(t *testing.T) {
	testtool.Need(t, poppler.Available)
	data := testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf")
	real, err := pdftext.ExtractPages(context.Background(), data, pdftext.Options{})
	if err != nil || len(real) != 2 {
		t.Fatalf("go engine: %d pages, %v", len(real), err)
	}
	tests := []struct {
		name    string
		damage  func(string) string
		wantOCR bool
	}{
		{name: "glued words", damage: func(s string) string { return strings.Join(strings.Fields(s), "") }},
		{name: "control characters", damage: func(s string) string {
			return strings.NewReplacer("-", "\x10", ",", "\x13", "'", "\x19", ".", "\x14").Replace(s)
		}},
		{name: "lost text (form xobject)", damage: func(string) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := goExtract
			defer func() { goExtract = restore }()
			goExtract = func(ctx context.Context, data []byte, opt pdftext.Options) ([]pdftext.PageResult, error) {
				pages := append([]pdftext.PageResult(nil), real...)
				pages[0].Page.Text = tt.damage(pages[0].Page.Text)
				return pages, nil
			}
			res, err := Extract(context.Background(), data, Options{NoOCR: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.PageEngines[0] != poppler.Engine() || res.PageEngines[1] != pdftext.Version {
				t.Fatalf("page engines %q; want poppler for the damaged page 1, go for page 2 (notes %q)", res.PageEngines, res.Notes)
			}
			if !strings.Contains(res.Pages[0].Text, "DOCKETING NOTICE") || strings.ContainsRune(res.Pages[0].Text, '\x10') {
				t.Errorf("page 1: got %q; want poppler's clean text", res.Pages[0].Text)
			}
			if res.Pages[1].Text != real[1].Page.Text {
				t.Errorf("page 2 changed")
			}
			if res.Engine != pdftext.Version+"+"+poppler.Engine() {
				t.Errorf("engine %q; want %q", res.Engine, pdftext.Version+"+"+poppler.Engine())
			}
		})
	}
}

// TestFallbackConsecutivePages: consecutive pages the Go engine read badly are read
// by one pdftotext run over them (each run parses the whole file), each page getting
// the text a run of its own gives; a run whose output does not cut into as many pages
// is read again page by page.
func TestFallbackConsecutivePages(t *testing.T) {
	testtool.Need(t, poppler.Available)
	data := testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf")
	d, err := poppler.Open(data, poppler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var want []string
	for n := 1; n <= 2; n++ {
		pp, err := d.Text(context.Background(), n, n)
		if err != nil || len(pp) != 1 {
			t.Fatalf("pdftotext page %d: %d pages, %v", n, len(pp), err)
		}
		want = append(want, pp[0].Text)
	}
	real, err := pdftext.ExtractPages(context.Background(), data, pdftext.Options{})
	if err != nil || len(real) != 2 {
		t.Fatalf("go engine: %d pages, %v", len(real), err)
	}
	restore := goExtract
	defer func() { goExtract = restore }()
	goExtract = func(ctx context.Context, data []byte, opt pdftext.Options) ([]pdftext.PageResult, error) {
		pages := append([]pdftext.PageResult(nil), real...)
		for i := range pages {
			pages[i].Page.Text = strings.Join(strings.Fields(pages[i].Page.Text), "") // glued words
		}
		return pages, nil
	}
	tests := []struct {
		name      string
		intercept string // shell run before the real tool, which may answer instead
		wantReads []string
	}{
		{"one run", "", []string{"-f 1 -l 2 "}},
		{"three pages out of a run of two", `case "$*" in *"-f 1 -l 2 "*) printf 'x\fy\fz\f'; exit 0;; esac`,
			[]string{"-f 1 -l 2 ", "-f 1 -l 1 ", "-f 2 -l 2 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := countRuns(t, "pdftotext", tt.intercept)
			res, err := Extract(context.Background(), data, Options{NoOCR: true})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range res.Pages {
				if res.PageEngines[i] != poppler.Engine() || p.Text != want[i] {
					t.Errorf("page %d by %s: %q; want poppler's %q", p.Number, res.PageEngines[i], p.Text, want[i])
				}
			}
			var reads []string // the runs that read pages (another asks the version)
			for _, r := range runs() {
				if strings.Contains(r, " -f ") {
					reads = append(reads, r)
				}
			}
			ok := len(reads) == len(tt.wantReads)
			for i := 0; ok && i < len(reads); i++ {
				ok = strings.Contains(reads[i], tt.wantReads[i])
			}
			if !ok {
				t.Errorf("pdftotext runs %q; want runs of %q", reads, tt.wantReads)
			}
		})
	}
}

// TestNoFallbackWithoutText: the pages of a scan, which show no text, are not given to
// pdftotext (each run parses the whole file, and there is nothing for it to read): they
// go to OCR, or stay empty without it.
func TestNoFallbackWithoutText(t *testing.T) {
	testtool.Need(t, poppler.Available)
	runs := countRuns(t, "pdftotext", "")
	res, err := Extract(context.Background(), testfile.Read(t, "../ocr/testdata/image-pdf.pdf"), Options{NoOCR: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) < 2 {
		t.Fatalf("%d pages; want the scan's pages", len(res.Pages))
	}
	for i, p := range res.Pages {
		if strings.TrimSpace(p.Text) != "" || res.PageEngines[i] != pdftext.Version {
			t.Errorf("page %d by %s: %q; want the go engine's empty page", p.Number, res.PageEngines[i], p.Text)
		}
	}
	for _, r := range runs() {
		if strings.Contains(r, " -f ") {
			t.Errorf("pdftotext ran on pages that show no text: %s", r)
		}
	}
}

// countRuns puts a tool of that name first on PATH that records its arguments, a run a
// line, runs the shell of intercept (which may answer and exit), then the real tool;
// the function returned reads the runs so far.
func countRuns(t *testing.T, tool, intercept string) func() []string {
	t.Helper()
	real, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s: %v", tool, err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "runs")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\n%s\nexec %q \"$@\"\n", log, intercept, real)
	if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() []string {
		b, err := os.ReadFile(log)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		opt  Options
	}{
		{name: "empty", data: nil},
		{name: "html", data: []byte("<!DOCTYPE html><html><body>404</body></html>")},
		{name: "unknown engine", data: []byte("%PDF-1.4\n"), opt: Options{Engine: "mupdf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(context.Background(), tt.data, tt.opt)
			if !fault.IsPermanent(err) {
				t.Fatalf("got %v; want a permanent error", err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Extract(ctx, testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf"), Options{})
		if !errors.Is(err, context.Canceled) || fault.IsPermanent(err) {
			t.Fatalf("got %v; want context.Canceled", err)
		}
	})
}

// TestWithoutTools checks that missing poppler and tesseract narrow the choice with a
// clear note instead of failing what the Go engine can read.
func TestWithoutTools(t *testing.T) {
	scan := testfile.Read(t, "../ocr/testdata/ocr_pdf_variation.pdf")
	digital := testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf")
	broken := testpdf.DamagedXref(t, digital)
	t.Setenv("PATH", t.TempDir())

	res, err := Extract(context.Background(), digital, Options{})
	if err != nil || len(res.Pages) != 2 || res.Engine != pdftext.Version {
		t.Fatalf("born-digital: got %d pages, engine %q, %v; want the go engine's 2 pages", len(res.Pages), res.Engine, err)
	}
	res, err = Extract(context.Background(), scan, Options{})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if res.Pages[0].OCR || !strings.Contains(strings.Join(res.Notes, "\n"), "not installed") {
		t.Errorf("scan: OCR %v, notes %q; want no OCR and a note saying what is not installed", res.Pages[0].OCR, res.Notes)
	}
	if _, err := pdftext.Extract(context.Background(), broken, pdftext.Options{}); err != nil {
		_, err = Extract(context.Background(), broken, Options{})
		if err == nil || !strings.Contains(err.Error(), "not installed") {
			t.Errorf("damaged file: got %v; want an error naming the missing fallback", err)
		}
	}
	if _, err := Extract(context.Background(), digital, Options{Engine: Poppler}); !errors.Is(err, poppler.ErrNotInstalled) {
		t.Errorf("--engine poppler: got %v; want ErrNotInstalled", err)
	}
}

func TestNoOCR(t *testing.T) {
	testtool.Need(t, poppler.Available, ocr.Available)
	res, err := Extract(context.Background(), testfile.Read(t, "../ocr/testdata/ocr_pdf_variation.pdf"), Options{NoOCR: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages[0].OCR || !strings.Contains(strings.Join(res.Notes, "\n"), "turned off") {
		t.Errorf("got OCR %v, notes %q; want no OCR and a note", res.Pages[0].OCR, res.Notes)
	}
}

func TestSingleEngines(t *testing.T) {
	testtool.Need(t, poppler.Available)
	data := testfile.Read(t, "../poppler/testdata/ca2_1-1.pdf")
	for _, engine := range []string{Go, Poppler} {
		t.Run(engine, func(t *testing.T) {
			res, err := Extract(context.Background(), data, Options{Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Pages) != 2 || !strings.HasPrefix(res.Engine, engine+"/") || res.PageEngines[1] != res.Engine {
				t.Fatalf("got %d pages, engine %q, page engines %q", len(res.Pages), res.Engine, res.PageEngines)
			}
			if !strings.Contains(res.Pages[0].Text, "17-3510") {
				t.Errorf("page 1 lacks the docket number: %q", res.Pages[0].Text)
			}
		})
	}
}
