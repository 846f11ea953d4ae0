// Package poppler is the fallback text engine: it runs poppler-utils (pdftotext,
// pdfinfo, pdfimages, pdftoppm) as child processes with a deadline. Poppler reads files
// our Go engine rejects (AES-256 encryption, damaged cross-reference tables) and
// recovers more of damaged files; running it in a child process keeps its GPL code and
// its crashes out of ours.
//
// Text comes from `pdftotext -layout`: the default mode joins a line ending in a hyphen
// with the next, which breaks docket numbers ("3:21-cv-⏎03977" becomes "3:21-cv03977").
// -layout in turn interleaves pleading-paper line numbers with the text; Text removes
// them.
package poppler

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/poppler/proc"
)

// ErrNotInstalled is wrapped by every error caused by a missing poppler-utils binary.
// Debian and Ubuntu ship the tools in the package poppler-utils.
var ErrNotInstalled = errors.New("poppler-utils is not installed (apt-get install poppler-utils)")

// Defaults for Options.
const (
	DefaultTimeout   = 2 * time.Minute
	DefaultMaxOutput = 64 << 20
	// DefaultMaxPages caps the pages asked of a tool when the caller gives no limit, so
	// that a forged /Count of two billion cannot make pdfinfo print forever.
	DefaultMaxPages = 20000
	// DefaultMemoryLimit bounds a tool's address space: a decompression bomb or a forged
	// image size kills the tool, not the machine. Rendering a 36-megapixel page needs
	// well under a quarter of it.
	DefaultMemoryLimit = 1 << 30
)

// Options bounds each tool run. The zero value uses the defaults.
type Options struct {
	// Timeout bounds one tool run (the whole document for Text over all pages).
	Timeout time.Duration
	// MaxOutput bounds the bytes one run may print.
	MaxOutput int64
	// MaxPages bounds the pages read from a document.
	MaxPages int
	// MemoryLimit bounds each tool's address space in bytes; -1 means no limit.
	MemoryLimit int64
}

func (o Options) withDefaults() Options {
	o.Timeout = config.Default(o.Timeout, DefaultTimeout)
	o.MaxOutput = config.Default(o.MaxOutput, DefaultMaxOutput)
	o.MaxPages = config.Default(o.MaxPages, DefaultMaxPages)
	if o.MemoryLimit == 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	return o
}

// Available reports whether pdftotext, pdfinfo and pdfimages can be run; the error says
// which is missing.
func Available() error {
	for _, tool := range []string{"pdftotext", "pdfinfo", "pdfimages"} {
		if _, err := lookPath(tool); err != nil {
			return err
		}
	}
	return nil
}

var versionOnce = sync.OnceValues(func() (string, error) {
	v, err := proc.Version(context.Background(), "pdftotext", []string{"-v"}, regexp.MustCompile(`version (\d+\.\d+)`))
	return v, notInstalled(err)
})

// Version returns poppler's major.minor version ("22.12"), which changes when its text
// output may change. It runs pdftotext once per process.
func Version() (string, error) { return versionOnce() }

// Engine names the engine for Result.Engine and per-page records: "poppler/22.12".
func Engine() string { return proc.VersionedName("poppler", Version) }

// Doc is one PDF on disk for the tools to read. Open writes it to a temporary file;
// Close removes that file. A Doc is safe for concurrent use.
type Doc struct {
	path  string
	owned bool
	opt   Options

	infoMu  sync.Mutex
	info    *Info
	infoErr error
}

// Open writes data to a temporary file for the tools to read.
func Open(data []byte, opt Options) (*Doc, error) {
	f, err := os.CreateTemp("", "docketwatch-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("writing pdf for poppler: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("writing pdf for poppler: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("writing pdf for poppler: %w", err)
	}
	return &Doc{path: f.Name(), owned: true, opt: opt.withDefaults()}, nil
}

// OpenFile reads an existing file; Close leaves it in place.
func OpenFile(path string, opt Options) *Doc {
	return &Doc{path: path, opt: opt.withDefaults()}
}

// Path is the file the tools read.
func (d *Doc) Path() string { return d.path }

// Options returns the bounds the Doc runs its tools with.
func (d *Doc) Options() Options { return d.opt }

// Close removes the temporary file Open wrote. It is idempotent.
func (d *Doc) Close() error {
	if !d.owned {
		return nil
	}
	d.owned = false
	if err := os.Remove(d.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", d.path, err)
	}
	return nil
}

// Extract returns the text of every page of the PDF in data, through pdftotext -layout.
func Extract(ctx context.Context, data []byte, opt Options) ([]filing.Page, error) {
	d, err := Open(data, opt)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Text(ctx, 1, 0)
}

// Text returns pages first..last (from 1; last 0 means the last page, capped at
// MaxPages) through pdftotext -layout: the ECF stamp moved into Page.Stamp, pleading
// line numbers removed, NFKC-normalised. A file poppler cannot open returns an error
// marked fault.Permanent.
func (d *Doc) Text(ctx context.Context, first, last int) ([]filing.Page, error) {
	if first < 1 {
		first = 1
	}
	if last <= 0 || last-first+1 > d.opt.MaxPages {
		last = first + d.opt.MaxPages - 1
	}
	out, err := d.run(ctx, "pdftotext", "-layout", "-enc", "UTF-8", "-eol", "unix",
		"-f", strconv.Itoa(first), "-l", strconv.Itoa(last), d.path, "-")
	if err != nil {
		return nil, fmt.Errorf("extracting text of pages %d-%d with pdftotext: %w", first, last, err)
	}
	// pdftotext ends every page with a form feed, so the piece after the last one is
	// empty; a page that is itself empty gives an empty piece between two form feeds.
	texts := strings.Split(string(out), "\f")
	if n := len(texts); n > 0 && strings.TrimSpace(texts[n-1]) == "" {
		texts = texts[:n-1]
	}
	pages := make([]filing.Page, len(texts))
	for i, t := range texts {
		pages[i] = CleanPage(first+i, t)
	}
	return pages, nil
}

// Info is what pdfinfo says about a document.
type Info struct {
	Pages     int
	Encrypted bool
	Version   string // "1.7"
	// Sizes are the page sizes in points, index 0 for page 1, up to MaxPages.
	Sizes []Size
}

// Size is a page's size in points (1/72 inch) as displayed, after /Rotate.
type Size struct{ Width, Height float64 }

var (
	infoPages = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)
	infoSize  = regexp.MustCompile(`(?m)^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts`)
	infoRot   = regexp.MustCompile(`(?m)^Page\s+(\d+)\s+rot:\s+(\d+)`)
	infoEnc   = regexp.MustCompile(`(?m)^Encrypted:\s+yes`)
	infoVer   = regexp.MustCompile(`(?m)^PDF version:\s+(\S+)`)
)

// Info runs pdfinfo once per Doc and returns the page count and the size of each page.
// A failure is remembered too, unless it came from a cancelled ctx.
func (d *Doc) Info(ctx context.Context) (Info, error) {
	d.infoMu.Lock()
	defer d.infoMu.Unlock()
	if d.info != nil || d.infoErr != nil {
		if d.info == nil {
			return Info{}, d.infoErr
		}
		return *d.info, nil
	}
	info, err := d.readInfo(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.infoErr = err
		}
		return Info{}, err
	}
	d.info = &info
	return info, nil
}

func (d *Doc) readInfo(ctx context.Context) (Info, error) {
	out, err := d.run(ctx, "pdfinfo", "-f", "1", "-l", strconv.Itoa(d.opt.MaxPages), d.path)
	if err != nil {
		return Info{}, fmt.Errorf("reading pdf info: %w", err)
	}
	var info Info
	if m := infoPages.FindSubmatch(out); m != nil {
		info.Pages, _ = strconv.Atoi(string(m[1]))
	}
	info.Encrypted = infoEnc.Match(out)
	if m := infoVer.FindSubmatch(out); m != nil {
		info.Version = string(m[1])
	}
	rot := map[int]int{}
	for _, m := range infoRot.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		r, _ := strconv.Atoi(string(m[2]))
		rot[n] = r
	}
	for _, m := range infoSize.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		w, _ := strconv.ParseFloat(string(m[2]), 64)
		h, _ := strconv.ParseFloat(string(m[3]), 64)
		if n != len(info.Sizes)+1 {
			continue
		}
		if rot[n]%180 == 90 {
			w, h = h, w
		}
		info.Sizes = append(info.Sizes, Size{Width: w, Height: h})
	}
	return info, nil
}

// Image is one image drawn on a page, as `pdfimages -list` reports it.
type Image struct {
	Page          int
	Width, Height int     // pixels
	XPPI, YPPI    float64 // pixels per inch as drawn; 0 when unknown
	Mask          bool    // a soft mask or stencil, which adds no content of its own
}

// Area is the image's drawn area in square points, 0 when its resolution is unknown.
func (im Image) Area() float64 {
	if im.XPPI <= 0 || im.YPPI <= 0 {
		return 0
	}
	return float64(im.Width) / im.XPPI * 72 * float64(im.Height) / im.YPPI * 72
}

// Images lists the images drawn on each page, without decoding them.
func (d *Doc) Images(ctx context.Context) ([]Image, error) {
	out, err := d.run(ctx, "pdfimages", "-list", "-f", "1", "-l", strconv.Itoa(d.opt.MaxPages), d.path)
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	var images []Image
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		// page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
		f := strings.Fields(sc.Text())
		if len(f) < 14 {
			continue
		}
		page, err := strconv.Atoi(f[0])
		if err != nil {
			continue // the header lines
		}
		im := Image{Page: page, Mask: f[2] == "smask" || f[2] == "stencil"}
		im.Width, _ = strconv.Atoi(f[3])
		im.Height, _ = strconv.Atoi(f[4])
		im.XPPI, _ = strconv.ParseFloat(f[12], 64)
		im.YPPI, _ = strconv.ParseFloat(f[13], 64)
		images = append(images, im)
	}
	return images, nil
}

// Render draws one page as an 8-bit grey PGM at dpi dots per inch (pdftoppm -gray).
// The caller bounds the size through dpi; output past MaxOutput is an error.
func (d *Doc) Render(ctx context.Context, page int, dpi float64) ([]byte, error) {
	out, err := d.run(ctx, "pdftoppm", "-gray", "-r", strconv.FormatFloat(dpi, 'f', 1, 64),
		"-f", strconv.Itoa(page), "-l", strconv.Itoa(page), "-singlefile", d.path)
	if err != nil {
		return nil, fmt.Errorf("rendering page %d: %w", page, err)
	}
	if len(out) == 0 {
		return nil, fault.Permanentf("rendering page %d: pdftoppm drew nothing (no such page?)", page)
	}
	return out, nil
}

// run runs one poppler tool on the document and classifies its failure: a missing tool
// wraps ErrNotInstalled; a file the tool rejects or that outruns the deadline or output
// bound is permanent (the same file will fail the same way); a cancelled ctx is returned
// as is.
func (d *Doc) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	out, err := proc.Run(ctx, proc.Cmd{Tool: tool, Args: args, Timeout: d.opt.Timeout, MaxOutput: d.opt.MaxOutput, MemoryLimit: max(d.opt.MemoryLimit, 0)})
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() != nil:
		return nil, err
	case errors.Is(err, proc.ErrNotFound):
		return nil, notInstalled(err)
	}
	var ee *proc.ExitError
	if errors.As(err, &ee) || errors.Is(err, proc.ErrTimeout) || errors.Is(err, proc.ErrOutputTooLarge) {
		return nil, fault.PermanentErr(err)
	}
	return nil, err
}

func lookPath(tool string) (string, error) {
	_, err := proc.LookPath(tool)
	if err != nil {
		return "", notInstalled(err)
	}
	return tool, nil
}

func notInstalled(err error) error {
	if errors.Is(err, proc.ErrNotFound) {
		return fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	return err
}
