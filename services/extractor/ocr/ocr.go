// Package ocr reads the text of scanned pages with Tesseract. A page is rendered to an
// 8-bit grey PGM with pdftoppm (PNG would cost a second per page in zlib) and fed to the
// tesseract CLI on standard input, one process per core with OMP_THREAD_LIMIT=1: more
// threads per process barely help and would fight the other workers for the cores.
// Shelling out rather than binding libtesseract keeps C++ out of our build and a crash
// in its own process.
//
// Tesseract's TSV output gives the words with their confidence in one run; the text is
// rebuilt from it line by line.
package ocr

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fanout"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/services/extractor/poppler"
	"github.com/docketwatch/docketwatch/services/extractor/poppler/proc"
)

// ErrNotInstalled is wrapped by every error caused by a missing tesseract or pdftoppm.
// Debian and Ubuntu ship them in tesseract-ocr and poppler-utils.
var ErrNotInstalled = errors.New("tesseract is not installed (apt-get install tesseract-ocr poppler-utils)")

// Defaults for Options.
const (
	DefaultDPI = 300
	// DefaultMaxPixels bounds a rendered page: 300 dpi on US Letter is 8.4 million pixels;
	// a poster-sized page is rendered at a lower resolution rather than as gigabytes.
	DefaultMaxPixels = 36_000_000
	// DefaultTimeout bounds one page (render and recognition); a page takes 1.6–1.9 s.
	DefaultTimeout = 2 * time.Minute
	DefaultLang    = "eng"
	// maxTSV bounds tesseract's output; a dense page prints ~100 KB.
	maxTSV = 16 << 20
)

var errPageTimeout = errors.New("page took longer than the ocr timeout")

// Options configures an Engine. The zero value uses the defaults.
type Options struct {
	// Workers is the number of tesseract processes at once; 0 means one per CPU.
	Workers int
	// Lang is the tesseract language ("eng").
	Lang string
	// DPI is the render resolution; 0 means 300.
	DPI float64
	// MaxPixels lowers the resolution of pages that would render larger.
	MaxPixels float64
	// Timeout bounds the work on one page.
	Timeout time.Duration
	// PSM is tesseract's page segmentation mode; 0 keeps its default (automatic).
	PSM int
	// MemoryLimit bounds each tesseract's address space in bytes (it needs ~100 MB);
	// 0 means poppler.DefaultMemoryLimit, -1 no limit.
	MemoryLimit int64
	// Cache, when set, keeps results by page-image hash, so a re-extraction or the same
	// scan filed twice is not recognised again.
	Cache Cache
}

// Result is the recognised text of one page.
type Result struct {
	Text string
	// Confidence is the mean word confidence in [0, 1]; 0 when no word was found.
	Confidence float64
	Words      int
	// Cached says the result came from the cache.
	Cached bool
}

// Cache keeps results by key (the page image's hash and the recognition settings).
// Implementations must be safe for concurrent use.
type Cache interface {
	Get(key string) (Result, bool)
	Put(key string, r Result)
}

// Engine runs tesseract with bounded parallelism. Share one Engine between documents so
// that the bound holds for the whole process. It is safe for concurrent use.
type Engine struct {
	opt Options
	sem chan struct{}
}

// New returns an Engine.
func New(opt Options) *Engine {
	opt.Workers = config.Default(opt.Workers, runtime.NumCPU())
	if opt.Lang == "" {
		opt.Lang = DefaultLang
	}
	opt.DPI = config.Default(opt.DPI, DefaultDPI)
	opt.MaxPixels = config.Default(opt.MaxPixels, DefaultMaxPixels)
	opt.Timeout = config.Default(opt.Timeout, DefaultTimeout)
	if opt.MemoryLimit == 0 {
		opt.MemoryLimit = poppler.DefaultMemoryLimit
	}
	return &Engine{opt: opt, sem: make(chan struct{}, opt.Workers)}
}

// Available reports whether tesseract and pdftoppm can be run; the error says which is
// missing.
func Available() error {
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := proc.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
	}
	return nil
}

var versionOnce = sync.OnceValues(func() (string, error) {
	v, err := proc.Version(context.Background(), "tesseract", []string{"--version"}, regexp.MustCompile(`tesseract v?(\d+\.\d+(?:\.\d+)?)`))
	if errors.Is(err, proc.ErrNotFound) {
		return "", fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	return v, err
})

// Version returns tesseract's version ("5.3.0"); it runs tesseract once per process.
func Version() (string, error) { return versionOnce() }

// Name names the OCR engine for per-page records: "tesseract/5.3.0".
func Name() string { return proc.VersionedName("tesseract", Version) }

// Page recognises one page (from 1) of doc. It waits for a free worker; ctx bounds the
// wait as well as the work.
func (e *Engine) Page(ctx context.Context, doc *poppler.Doc, page int) (Result, error) {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	defer func() { <-e.sem }()

	ctx, cancel := context.WithTimeoutCause(ctx, e.opt.Timeout, errPageTimeout)
	defer cancel()
	dpi := e.opt.DPI
	if info, err := doc.Info(ctx); err == nil && page <= len(info.Sizes) {
		dpi = e.dpiFor(info.Sizes[page-1])
	}
	img, err := doc.Render(ctx, page, dpi)
	if err != nil {
		if errors.Is(context.Cause(ctx), errPageTimeout) {
			return Result{}, fault.PermanentErr(fmt.Errorf("ocr of page %d: rendering: %w", page, errPageTimeout))
		}
		if errors.Is(err, poppler.ErrNotInstalled) {
			return Result{}, fmt.Errorf("ocr of page %d: %w: %v", page, ErrNotInstalled, err)
		}
		return Result{}, fmt.Errorf("ocr of page %d: %w", page, err)
	}
	r, err := e.recognise(ctx, img, dpi)
	if err != nil {
		return Result{}, fmt.Errorf("ocr of page %d: %w", page, err)
	}
	return r, nil
}

// Pages recognises several pages of doc in parallel (bounded by the Engine's workers)
// and returns their results in the order asked, with errs[i] set for a page that failed
// (its result is then empty): one bad page does not cost the others. progress, when not
// nil, is called after each page with the number done so far; callers use it for
// heartbeats on long scans. err is set only when ctx ends, and then the results are
// incomplete.
func (e *Engine) Pages(ctx context.Context, doc *poppler.Doc, pages []int, progress func(done, total int)) (results []Result, errs []error, err error) {
	results = make([]Result, len(pages))
	errs = make([]error, len(pages))
	var (
		mu   sync.Mutex
		done int
	)
	// One goroutine per page would park thousands of goroutines on a long scan; the
	// semaphore in Page bounds the processes, this bounds the goroutines.
	err = fanout.Each(ctx, len(pages), e.opt.Workers, func(i int) {
		results[i], errs[i] = e.Page(ctx, doc, pages[i])
		mu.Lock()
		done++
		d := done
		mu.Unlock()
		if progress != nil {
			progress(d, len(pages))
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// Image recognises an image tesseract can read (PGM, PNG, TIFF, JPEG) rendered at dpi
// dots per inch (0 lets tesseract guess). It does not wait for a worker: Page does.
func (e *Engine) Image(ctx context.Context, img []byte, dpi float64) (Result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, e.opt.Timeout, errPageTimeout)
	defer cancel()
	return e.recognise(ctx, img, dpi)
}

func (e *Engine) recognise(ctx context.Context, img []byte, dpi float64) (Result, error) {
	var key string
	if e.opt.Cache != nil {
		sum := sha256.Sum256(img)
		key = fmt.Sprintf("%s/%s/psm%d/%.0f", hex.EncodeToString(sum[:]), e.opt.Lang, e.opt.PSM, dpi)
		if r, ok := e.opt.Cache.Get(key); ok {
			r.Cached = true
			return r, nil
		}
	}
	args := []string{"stdin", "stdout", "-l", e.opt.Lang}
	if dpi > 0 {
		// A PGM carries no resolution; without it tesseract guesses and scales badly.
		args = append(args, "--dpi", strconv.Itoa(int(math.Round(dpi))))
	}
	if e.opt.PSM > 0 {
		args = append(args, "--psm", strconv.Itoa(e.opt.PSM))
	}
	args = append(args, "tsv")
	out, err := proc.Run(ctx, proc.Cmd{
		Tool:        "tesseract",
		Args:        args,
		Stdin:       img,
		Env:         []string{"OMP_THREAD_LIMIT=1"},
		MaxOutput:   maxTSV,
		MemoryLimit: max(e.opt.MemoryLimit, 0),
	})
	if err != nil {
		switch {
		case errors.Is(err, proc.ErrNotFound):
			return Result{}, fmt.Errorf("%w: %v", ErrNotInstalled, err)
		case errors.Is(context.Cause(ctx), errPageTimeout):
			// The page outran its own deadline: the same page will again.
			return Result{}, fault.PermanentErr(fmt.Errorf("recognising text: %w", errPageTimeout))
		case ctx.Err() != nil:
			return Result{}, err
		case errors.Is(err, proc.ErrOutputTooLarge):
			return Result{}, fault.PermanentErr(fmt.Errorf("recognising text: %w", err))
		}
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			return Result{}, fault.PermanentErr(fmt.Errorf("recognising text: %w", err))
		}
		return Result{}, fmt.Errorf("recognising text: %w", err)
	}
	r, err := ParseTSV(out)
	if err != nil {
		return Result{}, err
	}
	if e.opt.Cache != nil {
		e.opt.Cache.Put(key, r)
	}
	return r, nil
}

// dpiFor lowers the resolution for pages that would render past MaxPixels.
func (e *Engine) dpiFor(s poppler.Size) float64 {
	area := s.Width / 72 * s.Height / 72 // square inches
	if area <= 0 {
		return e.opt.DPI
	}
	if px := area * e.opt.DPI * e.opt.DPI; px > e.opt.MaxPixels {
		return math.Floor(math.Sqrt(e.opt.MaxPixels / area))
	}
	return e.opt.DPI
}

// ParseTSV rebuilds the text and mean word confidence from tesseract's TSV output
// (level, page_num, block_num, par_num, line_num, word_num, left, top, width, height,
// conf, text). Words of one line are joined by spaces, lines by newlines, and blocks and
// paragraphs are separated by a blank line, as tesseract's own text output does.
func ParseTSV(tsv []byte) (Result, error) {
	var (
		b        strings.Builder
		sum      float64
		words    int
		lastLine = [3]int{-1, -1, -1}
		started  bool
	)
	sc := bufio.NewScanner(bytes.NewReader(tsv))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	header := true
	for sc.Scan() {
		if header {
			header = false
			if !strings.HasPrefix(sc.Text(), "level") {
				return Result{}, fmt.Errorf("reading tesseract tsv: unexpected header %q", firstN(sc.Text(), 60))
			}
			continue
		}
		f := strings.SplitN(sc.Text(), "\t", 12)
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(f[11])
		conf, err := strconv.ParseFloat(f[10], 64)
		if text == "" || err != nil || conf < 0 {
			continue
		}
		var line [3]int
		for i := range line {
			line[i], _ = strconv.Atoi(f[2+i])
		}
		switch {
		case !started:
			started = true
		case line[0] != lastLine[0] || line[1] != lastLine[1]:
			b.WriteString("\n\n")
		case line[2] != lastLine[2]:
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
		}
		lastLine = line
		b.WriteString(text)
		sum += conf
		words++
	}
	if err := sc.Err(); err != nil {
		return Result{}, fmt.Errorf("reading tesseract tsv: %w", err)
	}
	r := Result{Text: b.String(), Words: words}
	if words > 0 {
		r.Confidence = sum / float64(words) / 100
	}
	return r, nil
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
