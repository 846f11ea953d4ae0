// Package pdfextract decides, page by page, where a PDF's text comes from: our Go engine
// (pdftext) by default; poppler's pdftotext when the Go engine cannot read the file or a
// page's text fails the quality check (not for a page the Go engine found to show no
// text at all, pdftext.PageResult.NoText: poppler has none to give it); Tesseract when a
// page has no real text of its own (a scan, or a scan under a thin layer such as the
// court's ECF stamp). Born-digital pages are never OCR'd. A missing tool narrows the choice and is reported in
// Result.Notes; it never fails a document the remaining engines can read.
package pdfextract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/ocr"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
	"github.com/docketwatch/docketwatch/services/extractor/poppler"
	"github.com/docketwatch/docketwatch/services/extractor/quality"
)

// The engines Options.Engine selects.
const (
	Auto    = "auto"
	Go      = "go"
	Poppler = "poppler"
)

// Options selects the engines. The zero value is auto with OCR.
type Options struct {
	// Engine is "auto" (the default when empty), "go" or "poppler". Only auto falls back
	// and OCRs; the other two run one engine alone, for comparisons and diagnosis.
	Engine string
	// NoOCR turns OCR off in auto mode (the CLI's --no-ocr). The zero value OCRs, so that
	// a caller who forgets the option does not silently lose every scan.
	NoOCR bool
	// Workers is the number of pages the Go engine extracts at once; 0 means GOMAXPROCS.
	// OCR parallelism is the OCR engine's (one process per CPU by default).
	Workers int
	// MaxPages bounds the pages read; 0 means the engines' own caps.
	MaxPages int
	// OCR is the engine to recognise scanned pages with; nil means a process-wide engine
	// with one tesseract per CPU and an in-memory cache, shared by every Extract call so
	// that the bound holds across concurrent documents.
	OCR *ocr.Engine
	// Progress, when set, is called after each OCR'd page: a long scan takes seconds per
	// page, and the pipeline turns this into InProgress heartbeats.
	Progress func(done, total int)
	// Poppler bounds the poppler tool runs.
	Poppler poppler.Options
}

// Result is the extracted text of a document.
type Result struct {
	Pages []filing.Page
	// Engine names every engine that produced text, joined by "+" in the order go,
	// poppler, OCR: "go/1", "poppler/22.12", "go/1+tesseract/5.3.0".
	Engine string
	// PageEngines names, per page (parallel to Pages), the engine whose text was kept.
	PageEngines []string
	// Notes say why an engine was passed over or a fallback could not run, one line each:
	// "page 3: glued words: space ratio 0.031; poppler: poppler-utils is not installed".
	Notes []string
}

// goExtract is the Go engine; tests replace it to feed the decision pages with known
// defects.
var goExtract = pdftext.ExtractPages

var defaultOCR = sync.OnceValue(func() *ocr.Engine {
	return ocr.New(ocr.Options{Cache: ocr.NewMemoryCache(4096)})
})

// Extract returns the text of every page of the PDF in data. Bytes that are not a PDF,
// and a PDF no available engine can read, return an error marked fault.Permanent; a
// cancelled ctx returns ctx.Err().
func Extract(ctx context.Context, data []byte, opt Options) (Result, error) {
	if !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return Result{}, fault.Permanentf("extracting text: not a pdf (no %%PDF- header in the first 1024 bytes of %d)", len(data))
	}
	if opt.OCR == nil {
		opt.OCR = defaultOCR()
	}
	popt := opt.Poppler
	popt.MaxPages = config.Default(popt.MaxPages, opt.MaxPages)
	switch opt.Engine {
	case "", Auto:
		return auto(ctx, data, opt, popt)
	case Go:
		pages, err := pdftext.Extract(ctx, data, pdftext.Options{Workers: opt.Workers, MaxPages: opt.MaxPages})
		res := single(pages, pdftext.Version)
		if err != nil {
			return res, fmt.Errorf("extracting text with the go engine: %w", err)
		}
		return res, nil
	case Poppler:
		pages, err := poppler.Extract(ctx, data, popt)
		if err != nil {
			return Result{}, fmt.Errorf("extracting text with poppler: %w", err)
		}
		return single(pages, poppler.Engine()), nil
	}
	return Result{}, fault.Permanentf("extracting text: unknown engine %q (want auto, go or poppler)", opt.Engine)
}

func single(pages []filing.Page, engine string) Result {
	r := Result{Pages: pages, Engine: engine, PageEngines: make([]string, len(pages))}
	for i := range r.PageEngines {
		r.PageEngines[i] = engine
	}
	return r
}

// page is one page under decision: its current text, where it came from, and the
// quality report of that text.
type page struct {
	filing.Page
	engine string
	report quality.Report
	// noText says the Go engine found the page shows no text (pdftext.PageResult.NoText):
	// poppler has none to give it either.
	noText bool
}

// auto is the per-page decision described in the package comment: read every page,
// check each reading, look for images under thin pages, give poppler the pages the Go
// engine read badly, OCR the pages still without text.
func auto(ctx context.Context, data []byte, opt Options, popt poppler.Options) (Result, error) {
	a := &autoRun{data: data, opt: opt, popt: popt, popplerErr: poppler.Available()}
	defer func() {
		if a.doc != nil {
			a.doc.Close()
		}
	}()
	if err := a.read(ctx); err != nil {
		return Result{}, err
	}
	for i := range a.pages {
		a.pages[i].report = quality.Check(a.pages[i].Text, a.pages[i].Stamp, quality.Images{})
	}
	if err := a.checkImages(ctx); err != nil {
		return Result{}, err
	}
	if err := a.popplerFallback(ctx); err != nil {
		return Result{}, err
	}
	// Pages still without real text are OCR'd.
	if scans := pageNumbers(a.pages, func(p page) bool { return p.report.Verdict == quality.NoText }); len(scans) > 0 {
		if err := ocrPages(ctx, opt, a.openDoc, a.pages, scans, a.note); err != nil {
			return Result{}, err
		}
	}
	return a.result(), nil
}

// autoRun is one document under auto's decision.
type autoRun struct {
	data       []byte
	opt        Options
	popt       poppler.Options
	notes      []string
	popplerErr error
	doc        *poppler.Doc // opened on first need
	pages      []page
	images     map[int]quality.Images
}

func (a *autoRun) note(format string, args ...any) {
	a.notes = append(a.notes, fmt.Sprintf(format, args...))
}

// openDoc opens the document with poppler, once, when it is first needed.
func (a *autoRun) openDoc() (*poppler.Doc, error) {
	if a.popplerErr != nil {
		return nil, a.popplerErr
	}
	if a.doc == nil {
		d, err := poppler.Open(a.data, a.popt)
		if err != nil {
			return nil, err
		}
		a.doc = d
	}
	return a.doc, nil
}

// read reads every page with the Go engine or, when it cannot read the file at all,
// with poppler.
func (a *autoRun) read(ctx context.Context) error {
	goPages, goErr := goExtract(ctx, a.data, pdftext.Options{Workers: a.opt.Workers, MaxPages: a.opt.MaxPages})
	if err := ctx.Err(); err != nil {
		return err
	}
	if goErr != nil && errors.Is(goErr, pdftext.ErrPartial) {
		// The failed pages are empty and go through the fallbacks like any empty page.
		a.note("go engine: %v", goErr)
		goErr = nil
	}
	if goErr == nil && len(goPages) == 0 {
		goErr = errors.New("no pages")
	}
	if goErr == nil {
		for _, p := range goPages {
			a.pages = append(a.pages, page{Page: p.Page, engine: pdftext.Version, noText: p.NoText})
		}
		return nil
	}
	d, err := a.openDoc()
	if err != nil {
		return fmt.Errorf("extracting text: go engine: %w; no fallback: %v", goErr, err)
	}
	pp, err := d.Text(ctx, 1, 0)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err = fmt.Errorf("extracting text: go engine: %v; poppler: %w", goErr, err)
		if fault.IsPermanent(goErr) || fault.IsPermanent(err) {
			err = fault.PermanentErr(err)
		}
		return err
	}
	a.note("go engine: %v; read with poppler", goErr)
	engine := poppler.Engine()
	for _, p := range pp {
		a.pages = append(a.pages, page{Page: p, engine: engine})
	}
	return nil
}

// checkImages checks again the pages with a few words, which may be a scan under a thin
// layer: that takes knowing whether each draws an image, which costs one pdfimages run
// for the document. Only a cancelled ctx is an error.
func (a *autoRun) checkImages(ctx context.Context) error {
	if !anyPage(a.pages, func(p page) bool { return p.report.Verdict == quality.Good && p.report.Words < 25 }) {
		return nil
	}
	if d, err := a.openDoc(); err != nil {
		a.note("image check: %v", err)
	} else if a.images, err = pageImages(ctx, d); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.note("image check: %v", err)
	}
	for i, p := range a.pages {
		if img, ok := a.images[p.Number]; ok && p.report.Verdict == quality.Good {
			a.pages[i].report = quality.Check(p.Text, p.Stamp, img)
		}
	}
	return nil
}

// popplerFallback gives the pages the Go engine read badly poppler's reading when it is
// better. Only a cancelled ctx is an error.
func (a *autoRun) popplerFallback(ctx context.Context) error {
	badPage := func(p page) bool {
		return p.report.Verdict != quality.Good && p.engine == pdftext.Version && !p.noText
	}
	bad := pageNumbers(a.pages, badPage)
	if len(bad) == 0 {
		return nil
	}
	for _, p := range a.pages {
		if badPage(p) {
			a.note("page %d: go engine: %s", p.Number, p.report.Reason)
		}
	}
	d, err := a.openDoc()
	if err != nil {
		a.note("poppler fallback for %d pages: %v", len(bad), err)
		return nil
	}
	alt, err := popplerPages(ctx, d, bad, len(a.pages))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.note("poppler fallback: %v", err)
		return nil
	}
	engine := poppler.Engine()
	for i, p := range a.pages {
		ap, ok := alt[p.Number]
		if !ok || p.report.Verdict == quality.Good {
			continue
		}
		r := quality.Check(ap.Text, ap.Stamp, a.images[p.Number])
		if r.Better(p.report) {
			if ap.Stamp == "" {
				ap.Stamp = p.Stamp
			}
			a.pages[i] = page{Page: ap, engine: engine, report: r}
		}
	}
	return nil
}

// result is the decision: each page's kept text and engine, and the engines used.
func (a *autoRun) result() Result {
	res := Result{Notes: a.notes}
	seen := map[string]bool{}
	for _, p := range a.pages {
		res.Pages = append(res.Pages, p.Page)
		res.PageEngines = append(res.PageEngines, p.engine)
		seen[p.engine] = true
	}
	var used []string
	if seen[pdftext.Version] {
		used = append(used, pdftext.Version)
	}
	// The fallbacks' names run their tools for the version (a tesseract start costs
	// more CPU than the Go engine spends on a page): only when they read a page.
	if len(seen) > len(used) {
		for _, e := range []string{poppler.Engine(), ocr.Name()} {
			if seen[e] {
				used = append(used, e)
			}
		}
	}
	res.Engine = strings.Join(used, "+")
	if res.Engine == "" {
		// Poppler read the document and found no pages.
		res.Engine = poppler.Engine()
	}
	return res
}

// ocrPages recognises the given pages and keeps the OCR text where it has more real words
// than the text layer. A page that fails OCR keeps its layer and gets a note; only a
// cancelled ctx is an error.
func ocrPages(ctx context.Context, opt Options, openDoc func() (*poppler.Doc, error), pages []page, scans []int, note func(string, ...any)) error {
	if opt.NoOCR {
		note("ocr of %d pages without text skipped: turned off", len(scans))
		return nil
	}
	if err := ocr.Available(); err != nil {
		note("ocr of %d pages without text skipped: %v", len(scans), err)
		return nil
	}
	d, err := openDoc()
	if err != nil {
		note("ocr of %d pages without text skipped: %v", len(scans), err)
		return nil
	}
	results, errs, err := opt.OCR.Pages(ctx, d, scans, opt.Progress)
	if err != nil {
		return err
	}
	engine := ocr.Name()
	byNumber := map[int]int{}
	for i, p := range pages {
		byNumber[p.Number] = i
	}
	for k, n := range scans {
		if errs[k] != nil {
			note("page %d: %v", n, errs[k])
			continue
		}
		i := byNumber[n]
		cur := pages[i]
		np := poppler.CleanPage(n, results[k].Text)
		r := quality.Check(np.Text, np.Stamp, quality.Images{})
		// The layer under a scan is a stamp or a few characters; OCR reads the stamp too,
		// so more real words means OCR saw the page's content. An empty layer is replaced
		// even by an empty reading, to record that OCR ran.
		if r.Words < cur.report.Words || (r.Words == cur.report.Words && cur.report.Words > 0) {
			note("page %d: ocr found %d words, the text layer %d: kept the layer", n, r.Words, cur.report.Words)
			continue
		}
		np.OCR = true
		np.Confidence = results[k].Confidence
		if np.Stamp == "" {
			np.Stamp = cur.Stamp
		}
		pages[i] = page{Page: np, engine: engine, report: r}
	}
	return nil
}

// popplerPages reads the given pages (in increasing order) with pdftotext: one run per
// run of consecutive pages when they are few (each run parses the whole file again,
// 5-10 ms for a 2 MB filing), one run over the whole document when they are many.
func popplerPages(ctx context.Context, d *poppler.Doc, numbers []int, total int) (map[int]filing.Page, error) {
	out := map[int]filing.Page{}
	if len(numbers) > 8 && len(numbers)*4 > total {
		pp, err := d.Text(ctx, 1, 0)
		if err != nil {
			return nil, err
		}
		for _, p := range pp {
			out[p.Number] = p
		}
		return out, nil
	}
	for i := 0; i < len(numbers); {
		j := i + 1
		for j < len(numbers) && numbers[j] == numbers[j-1]+1 {
			j++
		}
		pp, err := d.Text(ctx, numbers[i], numbers[j-1])
		if err != nil {
			return nil, err
		}
		if len(pp) != j-i && j-i > 1 {
			// The pages are cut at form feeds: if they do not add up, each page's own
			// run says which text is whose.
			pp = nil
			for _, n := range numbers[i:j] {
				one, err := d.Text(ctx, n, n)
				if err != nil {
					return nil, err
				}
				pp = append(pp, one[:min(len(one), 1)]...)
			}
		}
		for _, p := range pp {
			out[p.Number] = p
		}
		i = j
	}
	return out, nil
}

// pageImages returns what images each page draws, from pdfimages and the page sizes.
func pageImages(ctx context.Context, d *poppler.Doc) (map[int]quality.Images, error) {
	list, err := d.Images(ctx)
	if err != nil {
		return nil, err
	}
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int]quality.Images{}
	for n := 1; n <= len(info.Sizes); n++ {
		out[n] = quality.Images{Known: true}
	}
	for _, im := range list {
		if im.Mask {
			continue
		}
		img := out[im.Page]
		img.Known = true
		img.Count++
		if im.Page >= 1 && im.Page <= len(info.Sizes) {
			s := info.Sizes[im.Page-1]
			if area := s.Width * s.Height; area > 0 {
				img.Coverage = min(1, img.Coverage+im.Area()/area)
			}
		}
		out[im.Page] = img
	}
	return out, nil
}

func anyPage(pages []page, f func(page) bool) bool {
	for _, p := range pages {
		if f(p) {
			return true
		}
	}
	return false
}

func pageNumbers(pages []page, f func(page) bool) []int {
	var out []int
	for _, p := range pages {
		if f(p) {
			out = append(out, p.Number)
		}
	}
	return out
}
