package ocr

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/testtool"
	"github.com/docketwatch/docketwatch/services/extractor/poppler"
)

func TestParseTSV(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t2550\t3300\t-1\t\n" +
		"2\t1\t1\t0\t0\t0\t653\t484\t1244\t34\t-1\t\n" +
		"4\t1\t1\t1\t1\t0\t653\t484\t1244\t34\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t653\t490\t60\t28\t90\t(Slip\n" +
		"5\t1\t1\t1\t1\t2\t724\t490\t115\t28\t80\tOpinion)\n" +
		"5\t1\t1\t1\t2\t1\t724\t530\t115\t28\t70\tOCTOBER\n" +
		"5\t1\t1\t1\t2\t2\t724\t530\t115\t28\t-1\t \n" +
		"5\t1\t2\t1\t1\t1\t1202\t583\t146\t35\t60\tSyllabus\n"
	r, err := ParseTSV([]byte(tsv))
	if err != nil {
		t.Fatal(err)
	}
	if want := "(Slip Opinion)\nOCTOBER\n\nSyllabus"; r.Text != want {
		t.Errorf("text: got %q; want %q", r.Text, want)
	}
	if r.Words != 4 || math.Abs(r.Confidence-0.75) > 1e-9 {
		t.Errorf("got %d words, confidence %v; want 4 words, 0.75", r.Words, r.Confidence)
	}
	if _, err := ParseTSV([]byte("Error: no image\n")); err == nil {
		t.Error("ParseTSV accepted output without the TSV header")
	}
	if r, err := ParseTSV([]byte("level\tpage_num\n")); err != nil || r.Text != "" || r.Confidence != 0 {
		t.Errorf("empty page: got %+v, %v; want no text, confidence 0", r, err)
	}
}

func TestPage(t *testing.T) {
	testtool.Need(t, Available, poppler.Available)
	tests := []struct {
		file    string
		page    int
		want    string
		inFirst int // the text must appear within the first inFirst characters; 0: anywhere
	}{
		// doctor's expectations for its test files (doctor/tests.py).
		{file: "ocr_pdf_variation.pdf", page: 1, want: "UNITED", inFirst: 100},
		{file: "image-pdf.pdf", page: 1, want: "(Slip Opinion)", inFirst: 20},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := poppler.OpenFile(filepath.Join("testdata", tt.file), poppler.Options{})
			r, err := e.Page(context.Background(), doc, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			text := r.Text
			if tt.inFirst > 0 {
				text = text[:min(len(text), tt.inFirst)]
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("got %q; want %q in it", text, tt.want)
			}
			if r.Confidence < 0.5 || r.Confidence > 1 || r.Words == 0 || r.Cached {
				t.Errorf("got confidence %v, %d words, cached %v; want a fresh reading with confidence in [0.5, 1]", r.Confidence, r.Words, r.Cached)
			}
		})
	}
}

func TestPagesAndCache(t *testing.T) {
	testtool.Need(t, Available, poppler.Available)
	cache := NewMemoryCache(10)
	e := New(Options{Cache: cache, Workers: 2})
	doc := poppler.OpenFile("testdata/ocr_pdf_variation.pdf", poppler.Options{})
	var calls atomic.Int32
	// Page 7 does not exist: its error must not cost page 1 its result.
	results, errs, err := e.Pages(context.Background(), doc, []int{1, 7}, func(done, total int) {
		calls.Add(1)
		if total != 2 || done < 1 || done > 2 {
			t.Errorf("progress(%d, %d); want done in 1..2 of 2", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !strings.Contains(results[0].Text, "UNITED") {
		t.Fatalf("page 1: got %+v, %v; want its text", results[0], errs[0])
	}
	if errs[1] == nil {
		t.Errorf("page 7 of a 1-page file: got %+v; want an error", results[1])
	}
	if calls.Load() != 2 {
		t.Errorf("progress called %d times; want 2", calls.Load())
	}
	if cache.Len() != 1 {
		t.Errorf("cache holds %d entries; want 1", cache.Len())
	}
	again, err := e.Page(context.Background(), doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Text != results[0].Text || again.Confidence != results[0].Confidence {
		t.Errorf("second reading: got %+v; want the cached first reading", again)
	}
}

func TestPageTimeout(t *testing.T) {
	testtool.Need(t, Available, poppler.Available)
	e := New(Options{Timeout: time.Millisecond})
	doc := poppler.OpenFile("testdata/ocr_pdf_variation.pdf", poppler.Options{})
	_, err := e.Page(context.Background(), doc, 1)
	if !errors.Is(err, errPageTimeout) || !fault.IsPermanent(err) {
		t.Fatalf("got %v; want a permanent page timeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = New(Options{}).Page(ctx, doc, 1)
	if !errors.Is(err, context.Canceled) || fault.IsPermanent(err) {
		t.Fatalf("cancelled: got %v; want context.Canceled, not permanent", err)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Available(); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Available: got %v; want ErrNotInstalled", err)
	}
	doc := poppler.OpenFile("testdata/ocr_pdf_variation.pdf", poppler.Options{})
	if _, err := New(Options{}).Page(context.Background(), doc, 1); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Page: got %v; want ErrNotInstalled", err)
	}
}

func TestMemoryCacheEvicts(t *testing.T) {
	c := NewMemoryCache(2)
	c.Put("a", Result{Text: "a"})
	c.Put("b", Result{Text: "b"})
	c.Get("a") // a is now the most recently used
	c.Put("c", Result{Text: "c"})
	if _, ok := c.Get("b"); ok {
		t.Error("b survived; want the least recently used entry evicted")
	}
	for _, k := range []string{"a", "c"} {
		if r, ok := c.Get(k); !ok || r.Text != k {
			t.Errorf("Get(%q): got %+v, %v", k, r, ok)
		}
	}
}

func TestDPIFor(t *testing.T) {
	e := New(Options{})
	if got := e.dpiFor(poppler.Size{Width: 612, Height: 792}); got != DefaultDPI {
		t.Errorf("letter: got %v dpi; want %d", got, DefaultDPI)
	}
	// A 100 × 100 inch poster at 300 dpi would be 900 million pixels.
	got := e.dpiFor(poppler.Size{Width: 7200, Height: 7200})
	if px := 100 * got * 100 * got; got <= 0 || px > DefaultMaxPixels {
		t.Errorf("poster: got %v dpi (%v pixels); want at most %d pixels", got, px, DefaultMaxPixels)
	}
}

// BenchmarkOCR compares, on the same rendered page, our package with a direct run of the
// tesseract CLI reading the image from a file (plain text output). Each iteration runs
// both, alternating, so that load from other processes on the machine hits both alike;
// it reports pages per second of each and their ratio.
func BenchmarkOCR(b *testing.B) {
	testtool.Need(b, Available, poppler.Available)
	ctx := context.Background()
	doc := poppler.OpenFile("testdata/image-pdf.pdf", poppler.Options{})
	img, err := doc.Render(ctx, 1, DefaultDPI)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "page.pgm")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		b.Fatal(err)
	}
	e := New(Options{Workers: 1})
	b.Run("package-vs-cli", func(b *testing.B) {
		var pkg, cli time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := e.Image(ctx, img, DefaultDPI); err != nil {
				b.Fatal(err)
			}
			pkg += time.Since(start)
			start = time.Now()
			cmd := exec.Command("tesseract", path, "stdout", "--dpi", "300", "-l", "eng")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if out, err := cmd.Output(); err != nil || len(out) == 0 {
				b.Fatalf("tesseract: %v", err)
			}
			cli += time.Since(start)
		}
		b.ReportMetric(float64(b.N)/pkg.Seconds(), "package-pages/s")
		b.ReportMetric(float64(b.N)/cli.Seconds(), "cli-pages/s")
		b.ReportMetric(cli.Seconds()/pkg.Seconds(), "package/cli-speed")
	})
	// Render and recognise, one page at a time and both pages on all cores.
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Page(ctx, doc, 1); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	})
	b.Run("pages-all-cores", func(b *testing.B) {
		all := New(Options{})
		for b.Loop() {
			if _, _, err := all.Pages(ctx, doc, []int{1, 2}, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "pages/s")
	})
}
