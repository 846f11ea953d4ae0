// Package pdftext extracts the text of born-digital PDF pages in pure Go: it walks the
// page tree itself, interprets each page's content stream over ledongthuc/pdf's object
// model, and turns glyph positions into words and lines in visual order. It keeps the
// ECF header stamp out of the page text, and never lets a hostile file panic or loop in
// the parts it controls.
package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fanout"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/ledongthuc/pdf"
)

// Version names the engine and the revision of its output; bump it when the text it
// produces for the same file changes, so that re-extractions can be ordered.
const Version = "go/1"

// Options tunes Extract. The zero value is ready to use.
type Options struct {
	// Workers is the number of pages extracted in parallel; 0 means GOMAXPROCS.
	Workers int
	// MaxPages stops after that many pages; 0 means no limit beyond the engine's own cap.
	MaxPages int
}

// ErrPartial is wrapped by the error Extract returns alongside the pages when some pages
// could not be read: their Text is empty, the others are complete.
var ErrPartial = errors.New("some pages could not be read")

// Extract returns the text of every page of the PDF in data, page numbers from 1.
// A file that is not a PDF or cannot be parsed returns an error marked fault.Permanent.
// When only some pages fail, it returns all pages (the failed ones empty) together with
// a permanent error wrapping ErrPartial. It never panics and checks ctx between pages;
// a cancelled ctx returns ctx.Err().
func Extract(ctx context.Context, data []byte, opt Options) ([]filing.Page, error) {
	res, err := ExtractPages(ctx, data, opt)
	if res == nil {
		return nil, err
	}
	pages := make([]filing.Page, len(res))
	for i, r := range res {
		pages[i] = r.Page
	}
	return pages, err
}

// PageResult is a page with what the engine noticed about it.
type PageResult struct {
	Page filing.Page
	// LineNumbers says pleading-paper line numbers were found in the margin and left out
	// of Page.Text.
	LineNumbers bool
	// NoText says the page shows no text: it runs no text-showing operator, nothing on
	// it was passed over (every content stream decoded whole, every form, pattern and
	// soft mask read, no syntax error, no inline image) and it has no annotations. Another
	// engine finds no text in it either (a scan has only an image); only OCR can.
	NoText bool
}

// ExtractPages is Extract with what the engine noticed about each page.
func ExtractPages(ctx context.Context, data []byte, opt Options) (pages []PageResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			pages = nil
			err = fault.Permanentf("extracting pdf text: malformed pdf: %v", r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, body, err := open(data)
	if err != nil {
		return nil, fault.PermanentErr(fmt.Errorf("opening pdf: %w", err))
	}
	nodes, err := walkPages(r.Trailer().Key("Root").Key("Pages"), opt.MaxPages)
	if err != nil {
		return nil, fault.PermanentErr(fmt.Errorf("reading page tree: %w", err))
	}
	workers := min(config.Default(opt.Workers, runtime.GOMAXPROCS(0)), max(len(nodes), 1))

	pages = make([]PageResult, len(nodes))
	lines := make([][]string, len(nodes))
	errs := make([]error, len(nodes))
	doc := newDocument()
	if r.Trailer().Key("Encrypt").Kind() == pdf.Null {
		doc.file = body
	}
	err = fanout.Each(ctx, len(nodes), workers, func(i int) {
		w := getPageWorker()
		defer putPageWorker(w)
		pl, err := w.pageText(doc, nodes[i])
		lines[i] = normaliseLines(pl)
		pages[i].LineNumbers, pages[i].NoText = pl.lineNumbers, pl.noText
		errs[i] = err
	})
	if err != nil {
		return nil, err
	}
	vocab := map[string]bool{}
	for _, l := range lines {
		addVocabulary(vocab, l)
	}
	for i := range pages {
		pages[i].Page = finishPage(i+1, lines[i], vocab)
	}
	var failed []string
	for i, e := range errs {
		if e != nil {
			failed = append(failed, fmt.Sprintf("page %d: %v", i+1, e))
		}
	}
	if len(failed) > 0 {
		n := len(failed)
		if n > 3 {
			failed = append(failed[:3], fmt.Sprintf("and %d more", n-3))
		}
		return pages, fault.PermanentErr(fmt.Errorf("%w (%d of %d): %s", ErrPartial, n, len(nodes), strings.Join(failed, "; ")))
	}
	return pages, nil
}

// open repairs what ledongthuc/pdf rejects but readers accept — bytes before the
// header, a %PDF-2.0 header, junk after the last %%EOF — and opens the result, which
// it returns with the reader.
func open(data []byte) (*pdf.Reader, []byte, error) {
	start := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-"))
	if start < 0 {
		return nil, nil, errors.New("not a pdf: no %PDF- header in the first 1024 bytes")
	}
	end := bytes.LastIndex(data, []byte("%%EOF"))
	if end < start {
		return nil, nil, errors.New("not a pdf: no %%EOF marker")
	}
	end += len("%%EOF")
	if end < len(data) && data[end] == '\r' {
		end++
	}
	if end < len(data) && data[end] == '\n' {
		end++
	}
	body := data[start:end]
	if len(body) < 16 {
		return nil, nil, errors.New("not a pdf: too short")
	}
	// The library demands exactly "%PDF-1.[0-7]" and a line end at byte 8. Patch a copy
	// of the header only when needed; xref offsets stay valid because the length does not
	// change. Offsets count from the header, which is why leading bytes are cut off.
	if hdr := body[:9]; !(bytes.HasPrefix(hdr, []byte("%PDF-1.")) && hdr[7] >= '0' && hdr[7] <= '7' && (hdr[8] == '\n' || hdr[8] == '\r')) {
		if body[5] < '1' || body[5] > '2' || body[6] != '.' {
			return nil, nil, fmt.Errorf("not a pdf: unsupported header %q", hdr[:8])
		}
		fixed := make([]byte, len(body))
		copy(fixed, body)
		copy(fixed, "%PDF-1.7")
		if fixed[8] != '\n' && fixed[8] != '\r' {
			fixed[8] = '\n'
		}
		body = fixed
	}
	if err := checkNesting(body); err != nil {
		return nil, nil, err
	}
	body = fixTrailerSize(body)
	r, err := pdf.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, nil, err
	}
	if r.Trailer().Kind() != pdf.Dict && r.Trailer().IsNull() {
		return nil, nil, errors.New("pdf has no trailer")
	}
	return r, body, nil
}

// fixTrailerSize repairs a trailer whose /Size is smaller than its xref table, as
// pdfunite (poppler 22) writes after merging files: /Size counts the objects written,
// not the largest object number plus one. The library cuts the table to /Size and then
// cannot find the catalog; readers use the table. The trailer follows the table, so
// rewriting it in a copy moves no offset the file refers to.
func fixTrailerSize(body []byte) []byte {
	sx := bytes.LastIndex(body, []byte("startxref"))
	if sx < 0 {
		return body
	}
	off, err := strconv.Atoi(string(bytes.TrimSpace(firstLine(body[sx+len("startxref"):]))))
	if err != nil || off < 0 || off >= sx || !bytes.HasPrefix(body[off:], []byte("xref")) {
		return body
	}
	table := body[off+len("xref") : sx]
	end := bytes.Index(table, []byte("trailer"))
	if end < 0 {
		return body
	}
	entries := 0
	for _, l := range bytes.FieldsFunc(table[:end], func(r rune) bool { return r == '\n' || r == '\r' }) {
		f := bytes.Fields(l)
		if len(f) != 2 { // "first count" heads a subsection; entries have three fields
			continue
		}
		first, err1 := strconv.Atoi(string(f[0]))
		count, err2 := strconv.Atoi(string(f[1]))
		if err1 == nil && err2 == nil {
			entries = max(entries, first+count)
		}
	}
	trailer := table[end:]
	k := bytes.Index(trailer, []byte("/Size"))
	if k < 0 {
		return body
	}
	start := off + len("xref") + end + k + len("/Size")
	for start < sx && isWhite(body[start]) {
		start++
	}
	stop := start
	for stop < sx && body[stop] >= '0' && body[stop] <= '9' {
		stop++
	}
	size, err := strconv.Atoi(string(body[start:stop]))
	if err != nil || size >= entries {
		return body
	}
	fixed := make([]byte, 0, len(body)+8)
	fixed = append(fixed, body[:start]...)
	fixed = strconv.AppendInt(fixed, int64(entries), 10)
	return append(fixed, body[stop:]...)
}

func firstLine(b []byte) []byte {
	b = bytes.TrimLeft(b, " \r\n")
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		return b[:i]
	}
	return b
}

// maxObjectNesting bounds arrays and dictionaries in the file's objects. The library's
// parser recurses on them, and a Go stack overflow cannot be recovered.
const maxObjectNesting = 512

// checkNesting scans the file's object syntax, skipping stream data, and rejects nesting
// deeper than maxObjectNesting before the recursive parser sees it.
func checkNesting(b []byte) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '[':
			depth++
		case '<':
			if i+1 < len(b) && b[i+1] == '<' {
				depth++
				i++
			}
		case ']':
			depth = max(depth-1, 0)
		case '>':
			if i+1 < len(b) && b[i+1] == '>' {
				depth = max(depth-1, 0)
				i++
			}
		case 's':
			if bytes.HasPrefix(b[i:], []byte("stream")) && i+6 < len(b) && (b[i+6] == '\r' || b[i+6] == '\n') {
				end := bytes.Index(b[i+6:], []byte("endstream"))
				if end < 0 {
					return nil // the rest is stream data or truncated; nothing to parse there
				}
				i += 6 + end + len("endstream") - 1
				depth = 0 // objects never span a stream
			}
		case '(':
			// Skip a literal string, whose brackets are text.
			n := 1
			for i++; i < len(b) && n > 0; i++ {
				switch b[i] {
				case '\\':
					i++
				case '(':
					n++
				case ')':
					n--
				}
			}
			i--
		}
		if depth > maxObjectNesting {
			return fmt.Errorf("objects nested deeper than %d levels", maxObjectNesting)
		}
	}
	return nil
}
