package pdftext

import (
	"fmt"
	"sync"

	"github.com/ledongthuc/pdf"
)

// document holds what the pages of one file share: parsed fonts, keyed by the object
// they were read from and the resource name, so that a font name reused for a different
// font on a later page (merged exhibits) is never decoded with the wrong font; and which
// font a resource name means in a resource dictionary, since the library parses the
// objects again on every lookup (whole object streams included).
type document struct {
	file     []byte // the bytes the library reads, for streamDecoder; nil when encrypted
	mu       sync.Mutex
	fonts    map[fontKey]*fontEntry
	resFonts map[fontKey]*font
}

type fontKey struct {
	id   objID
	name string
}

type fontEntry struct {
	once sync.Once
	f    *font
}

func newDocument() *document {
	return &document{fonts: map[fontKey]*fontEntry{}, resFonts: map[fontKey]*font{}}
}

// resourceFont returns the font that name means in the resource dictionary res, or nil.
// A resource dictionary is known by the object that holds it — itself, or the page or
// form whose dictionary it is part of — and each such object holds one.
func (d *document) resourceFont(res pdf.Value, name string) *font {
	id, ok := idOf(res)
	if !ok {
		return d.lookupFont(res, name)
	}
	k := fontKey{id, name}
	d.mu.Lock()
	f, ok := d.resFonts[k]
	d.mu.Unlock()
	if ok {
		return f
	}
	f = d.lookupFont(res, name)
	d.mu.Lock()
	d.resFonts[k] = f
	d.mu.Unlock()
	return f
}

func (d *document) lookupFont(res pdf.Value, name string) *font {
	if v := res.Key("Font").Key(name); v.Kind() == pdf.Dict {
		return d.font(v, name)
	}
	return nil
}

// font returns the parsed font for a font dictionary, parsing it once per document even
// when pages on several workers ask at the same time.
func (d *document) font(v pdf.Value, name string) *font {
	id, ok := idOf(v)
	if !ok {
		return loadFont(v)
	}
	k := fontKey{id, name}
	d.mu.Lock()
	e := d.fonts[k]
	if e == nil {
		e = &fontEntry{}
		d.fonts[k] = e
	}
	d.mu.Unlock()
	e.once.Do(func() { e.f = loadFont(v) })
	return e.f
}

// pageWorker extracts pages one after another, reusing its interpreter's and layouter's
// buffers; workers are pooled across documents.
type pageWorker struct {
	in      interp
	lo      layouter
	streams streamDecoder
	content []byte // the page's decoded content streams
}

var pageWorkers = sync.Pool{New: func() any { return &pageWorker{in: *newInterp(nil)} }}

// maxPooledGlyphs keeps a worker that met a huge page out of the pool, so that one
// hostile file does not pin its buffers.
const (
	maxPooledGlyphs  = 1 << 16
	maxPooledContent = 4 << 20
)

func getPageWorker() *pageWorker { return pageWorkers.Get().(*pageWorker) }

func putPageWorker(w *pageWorker) {
	if cap(w.in.glyphs) > maxPooledGlyphs || cap(w.lo.group) > maxPooledGlyphs || cap(w.lo.sortBuf) > maxPooledGlyphs || cap(w.content) > maxPooledContent {
		return
	}
	w.in.reset(nil)
	w.streams.file = nil
	pageWorkers.Put(w)
}

// pageText interprets one page of doc and lays its glyphs out as text. A panic inside
// the library becomes an error for this page alone.
func (w *pageWorker) pageText(doc *document, n pageNode) (pl pageLayout, err error) {
	defer func() {
		if r := recover(); r != nil {
			pl, err = pageLayout{}, fmt.Errorf("reading page: %v", r)
		}
	}()
	w.streams.file, w.streams.incomplete = doc.file, false
	w.in.streams = &w.streams
	content, err := pageContent(&w.streams, w.content[:0], n.v)
	if err != nil {
		return pageLayout{}, err
	}
	w.content = content
	w.in.reset(doc)
	g := gstate{ctm: identity, th: 1}
	if err := w.in.run(content, n.resources, g, 0); err != nil {
		return pageLayout{}, err
	}
	pl = w.lo.layout(w.in.glyphs, w.in.text)
	// Annotations (form fields, stamps) draw their own appearance streams, which this
	// engine does not read and poppler does.
	pl.noText = w.in.shows == 0 && !w.streams.incomplete && !w.in.passedOver && n.v.Key("Annots").Kind() == pdf.Null
	return pl, nil
}

// pageContent concatenates the page's content streams onto buf. A stream that cannot
// be decoded is skipped (sd.incomplete) when others can, since the page's text may be
// split across them.
func pageContent(sd *streamDecoder, buf []byte, page pdf.Value) ([]byte, error) {
	c := page.Key("Contents")
	switch c.Kind() {
	case pdf.Null:
		return buf, nil
	case pdf.Stream:
		return sd.appendStream(buf, c, maxContentBytes)
	case pdf.Array:
		var firstErr error
		for i, n := 0, c.Len(); i < n; i++ {
			start := len(buf)
			var err error
			buf, err = sd.appendStream(buf, c.Index(i), maxContentBytes-int64(start))
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				sd.incomplete = true
				continue
			}
			buf = append(buf, '\n')
		}
		if len(buf) == 0 && firstErr != nil {
			return nil, firstErr
		}
		return buf, nil
	}
	return nil, fmt.Errorf("page /Contents is a %v", c.Kind())
}
