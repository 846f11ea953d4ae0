package pdftext

import (
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// glyph is what one character code of a simple font draws.
type glyph struct {
	text string
	w    float64 // advance in text space per unit of font size
}

// font is a parsed font resource: how its codes split, what text they mean and how
// wide they are. It is immutable once built and shared by the pages of a document.
type font struct {
	cid   bool
	enc   *cmap // Type0 encoding CMap when embedded; nil means 2-byte codes = CIDs
	ucs2  bool  // Type0 with a predefined UCS-2 CMap: codes are Unicode
	toUni *cmap

	simple [256]glyph

	cidW  map[uint32]float64
	dw    float64
	scale float64
}

// loadFont parses a font dictionary. It never fails: what cannot be read gets neutral
// defaults, so that one broken font costs its glyphs, not the page.
func loadFont(v pdf.Value) (f *font) {
	f = &font{scale: 0.001, dw: 1}
	defer func() {
		if r := recover(); r != nil {
			f = &font{scale: 0.001, dw: 1}
		}
	}()
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		if data, err := readStream(tu, maxCMapBytes); err == nil {
			f.toUni = parseCMap(data)
		}
	}
	subtype := v.Key("Subtype").Name()
	if subtype == "Type0" {
		f.loadType0(v)
		return f
	}
	if subtype == "Type3" {
		if m := v.Key("FontMatrix"); m.Len() >= 1 && m.Index(0).Float64() != 0 {
			f.scale = m.Index(0).Float64()
		}
	}
	f.loadSimple(v, subtype)
	return f
}

func (f *font) loadType0(v pdf.Value) {
	f.cid = true
	switch e := v.Key("Encoding"); e.Kind() {
	case pdf.Stream:
		if data, err := readStream(e, maxCMapBytes); err == nil {
			m := parseCMap(data)
			if len(m.space) > 0 {
				f.enc = m
			}
		}
	case pdf.Name:
		f.ucs2 = strings.Contains(e.Name(), "UCS2") || strings.Contains(e.Name(), "UTF16")
	}
	desc := v.Key("DescendantFonts").Index(0)
	f.dw = 1
	if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
		f.dw = dw.Float64() * f.scale
	}
	f.cidW = map[uint32]float64{}
	w := desc.Key("W")
	n := w.Len()
	for i := 0; i < n; {
		first := w.Index(i)
		if first.Kind() != pdf.Integer || i+1 >= n {
			break
		}
		c := uint32(first.Int64())
		second := w.Index(i + 1)
		if second.Kind() == pdf.Array {
			for j := 0; j < second.Len() && j < maxRangeSpan; j++ {
				f.cidW[c+uint32(j)] = second.Index(j).Float64() * f.scale
			}
			i += 2
			continue
		}
		if i+2 >= n {
			break
		}
		last := uint32(second.Int64())
		width := w.Index(i+2).Float64() * f.scale
		for k := c; k <= last && k-c < maxRangeSpan; k++ {
			f.cidW[k] = width
		}
		i += 3
	}
}

func (f *font) loadSimple(v pdf.Value, subtype string) {
	base := v.Key("BaseFont").Name()
	// Base encoding: the font's own name, else what its type implies.
	table := standardEnc
	if subtype == "TrueType" {
		table = winAnsiEnc
	}
	var diffs pdf.Value
	switch e := v.Key("Encoding"); e.Kind() {
	case pdf.Name:
		table = namedEncoding(e.Name(), table)
	case pdf.Dict:
		if b := e.Key("BaseEncoding"); b.Kind() == pdf.Name {
			table = namedEncoding(b.Name(), table)
		}
		diffs = e.Key("Differences")
	}
	var names [256]rune
	for c := 0; c < 256; c++ {
		names[c] = table[c]
	}
	code := -1
	for i, n := 0, diffs.Len(); i < n; i++ {
		x := diffs.Index(i)
		switch x.Kind() {
		case pdf.Integer:
			code = int(x.Int64())
		case pdf.Name:
			if code >= 0 && code < 256 {
				names[code] = glyphRune(x.Name())
				code++
			}
		}
	}

	// Widths: /Widths, else /MissingWidth, else the standard 14 metrics, else half an em.
	var widths [256]float64
	std := standardWidths(base)
	for c := range widths {
		switch {
		case std != nil:
			widths[c] = std[c]
		default:
			widths[c] = 500
		}
	}
	if mw := v.Key("FontDescriptor").Key("MissingWidth"); mw.Float64() > 0 && std == nil {
		for c := range widths {
			widths[c] = mw.Float64()
		}
	}
	if ws := v.Key("Widths"); ws.Kind() == pdf.Array {
		first := int(v.Key("FirstChar").Int64())
		for i, n := 0, ws.Len(); i < n; i++ {
			if c := first + i; c >= 0 && c < 256 {
				widths[c] = ws.Index(i).Float64()
			}
		}
	}

	for c := 0; c < 256; c++ {
		g := glyph{w: widths[c] * f.scale}
		if f.toUni != nil {
			if s, ok := f.toUni.lookup(1, uint32(c)); ok && usableText(s) {
				g.text = s
			}
		}
		if g.text == "" && names[c] != 0 {
			g.text = string(names[c])
		}
		f.simple[c] = g
	}
}

func namedEncoding(name string, def *[256]rune) *[256]rune {
	switch name {
	case "WinAnsiEncoding":
		return winAnsiEnc
	case "MacRomanEncoding":
		return macRomanEnc
	case "StandardEncoding":
		return standardEnc
	case "PDFDocEncoding":
		return pdfDocEnc
	}
	return def
}

// usableText rejects ToUnicode results that are not text: control characters (some
// producers map glyphs to C0 codes), U+FFFD and invalid UTF-8. The glyph then falls back to the
// font's encoding.
func usableText(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// each calls fn for every character code in s with its text, its advance per unit of
// font size, and whether it is the single-byte code 32 that word spacing (Tw) applies to.
func (f *font) each(s string, fn func(text string, w float64, wordSpace bool)) {
	if !f.cid {
		for i := 0; i < len(s); i++ {
			g := &f.simple[s[i]]
			fn(g.text, g.w, s[i] == ' ')
		}
		return
	}
	for len(s) > 0 {
		n := 2
		if f.enc != nil {
			n = f.codeLen(s)
		}
		if n > len(s) {
			n = len(s)
		}
		code := bytesToCode(s[:n])
		s = s[n:]
		cid := code
		if f.enc != nil {
			if c, ok := f.enc.cid(n, code); ok {
				cid = c
			}
		}
		w, ok := f.cidW[cid]
		if !ok {
			w = f.dw
		}
		var text string
		if f.toUni != nil {
			if t, ok := f.toUni.lookup(n, code); ok && usableText(t) {
				text = t
			}
		}
		if text == "" && f.ucs2 && code >= 0x20 {
			text = string(rune(code))
		}
		fn(text, w, n == 1 && code == 32)
	}
}

// codeLen returns the byte length of the next code by the encoding CMap's codespace.
func (f *font) codeLen(s string) int {
	for _, r := range f.enc.space {
		if r.n > len(s) {
			continue
		}
		c := bytesToCode(s[:r.n])
		if c >= r.lo && c <= r.hi {
			return r.n
		}
	}
	return 1
}
