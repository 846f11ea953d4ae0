package pdftext

import (
	"errors"
	"fmt"
	"math"

	"github.com/ledongthuc/pdf"
)

// Per-page work limits. A page over them is hostile or broken; it fails with an error
// instead of burning the worker's deadline.
const (
	maxOps       = 20_000_000
	maxGlyphs    = 2_000_000
	maxTextBytes = 64 << 20 // the glyphs' texts together
	maxFormDepth = 12
	maxFormCalls = 10_000
)

var errTooComplex = errors.New("page too complex")

// mat is an affine matrix [a b c d e f], as PDF writes them.
type mat [6]float64

var identity = mat{1, 0, 0, 1, 0, 0}

// mul returns m×n: apply m, then n.
func (m mat) mul(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m mat) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// textGlyph is one shown character code, placed on the page. Coordinates are turned so
// that the glyph's writing direction runs left to right (rot quarter turns undone). Its
// text is text[off:off+n] of the page's interp; holding no pointer, glyphs cost the
// garbage collector nothing and sort by plain copies.
type textGlyph struct {
	x, y   float64 // origin on the baseline
	w      float64 // advance along the baseline
	size   float64 // font size on the page
	off, n uint32
	space  bool // an explicit space character
	rot    int8
}

// gstate is the part of the graphics state text extraction needs. Text state
// parameters live here because q/Q save and restore them.
type gstate struct {
	ctm                mat
	tc, tw, th, tl, ts float64
	tfs                float64
	font               *font
}

// interp interprets the content streams of one page. A worker reuses it, buffers
// included, for page after page (reset clears what belongs to one page).
type interp struct {
	doc     *document
	streams *streamDecoder // decodes the page's forms
	glyphs  []textGlyph
	text    []byte // the glyphs' texts
	ops     int
	forms   int
	// shows counts the text-showing operators run; passedOver says something that may
	// show text was not read (a form unreadable, nested too deep or not found, a
	// pattern's cell, a soft mask's group, the content after a syntax error or an inline
	// image), so text may be where this page did not look.
	shows      int
	passedOver bool
	active     map[objID]bool   // forms being drawn, to stop a form drawing itself
	cache      map[objID][]byte // decoded form streams of this page
}

func newInterp(doc *document) *interp {
	return &interp{doc: doc, active: map[objID]bool{}, cache: map[objID][]byte{}}
}

// reset readies the interpreter for another page of doc.
func (in *interp) reset(doc *document) {
	in.doc = doc
	in.glyphs, in.text = in.glyphs[:0], in.text[:0]
	in.ops, in.forms, in.shows, in.passedOver = 0, 0, 0, false
	clear(in.active)
	clear(in.cache)
}

func num(v operand) float64 {
	if v.k == kNum && !math.IsNaN(v.num) && !math.IsInf(v.num, 0) {
		return v.num
	}
	return 0
}

func matOf(args []operand) mat {
	var m mat
	for i := 0; i < 6; i++ {
		m[i] = num(args[i])
	}
	return m
}

// run interprets one content stream with the given resources.
func (in *interp) run(content []byte, res pdf.Value, g gstate, depth int) error {
	l := lexer{b: content}
	var args []operand
	var stack []gstate
	var tm, tlm mat = identity, identity
	fonts := map[string]*font{}

	for {
		v, op, eof, err := l.next()
		if eof {
			return nil
		}
		if err != nil {
			// A syntax error ends the stream: what was shown so far stays, and the rest
			// is passed over.
			in.passedOver = true
			return nil
		}
		if len(op) == 0 {
			if len(args) >= maxOperands {
				return fmt.Errorf("%w: more than %d operands", errTooComplex, maxOperands)
			}
			args = append(args, v)
			continue
		}
		in.ops++
		if in.ops > maxOps {
			return fmt.Errorf("%w: more than %d operators", errTooComplex, maxOps)
		}
		switch string(op) {
		case "q":
			if len(stack) < 256 {
				stack = append(stack, g)
			}
		case "Q":
			if n := len(stack); n > 0 {
				g = stack[n-1]
				stack = stack[:n-1]
			}
		case "cm":
			if len(args) == 6 {
				g.ctm = matOf(args).mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tc", "Tw", "Tz", "TL", "Ts":
			setTextState(op, args, &g)
		case "Tf":
			if len(args) == 2 {
				g.font = in.font(res, args[0].str, fonts)
				g.tfs = num(args[1])
			}
		case "Td", "TD":
			if len(args) == 2 {
				if string(op) == "TD" {
					g.tl = -num(args[1])
				}
				tlm = mat{1, 0, 0, 1, num(args[0]), num(args[1])}.mul(tlm)
				tm = tlm
			}
		case "Tm":
			if len(args) == 6 {
				tm = matOf(args)
				tlm = tm
			}
		case "T*":
			tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(tlm)
			tm = tlm
		case "Tj", "'", "\"", "TJ":
			in.shows++
			if err := in.showOp(op, args, &g, &tm, &tlm); err != nil {
				return err
			}
		case "Do":
			if len(args) == 1 && args[0].k == kName {
				if err := in.form(res, args[0].str, g, depth); err != nil {
					return err
				}
			}
		case "ID":
			// The image's end is found by its "EI", which its data may hold too: what
			// follows may be read wrongly.
			in.passedOver = true
			l.skipInlineImage()
		case "gs", "scn", "SCN":
			in.noteUnread(res, string(op), args)
		}
		args = args[:0]
	}
}

// setTextState runs Tc, Tw, Tz, TL and Ts, which set a text state parameter.
func setTextState(op []byte, args []operand, g *gstate) {
	if len(args) != 1 {
		return
	}
	v := num(args[0])
	switch string(op) {
	case "Tc":
		g.tc = v
	case "Tw":
		g.tw = v
	case "Tz":
		g.th = v / 100
	case "TL":
		g.tl = v
	case "Ts":
		g.ts = v
	}
}

// showOp runs the text-showing operators Tj, ', " and TJ.
func (in *interp) showOp(op []byte, args []operand, g *gstate, tm, tlm *mat) error {
	if string(op) == "\"" && len(args) == 3 {
		g.tw, g.tc = num(args[0]), num(args[1])
		args = args[2:]
	}
	if string(op) == "'" || string(op) == "\"" {
		*tlm = mat{1, 0, 0, 1, 0, -g.tl}.mul(*tlm)
		*tm = *tlm
	}
	if len(args) != 1 {
		return nil
	}
	if string(op) != "TJ" {
		return in.show(g, tm, args[0].str)
	}
	for _, e := range args[0].arr {
		if e.k == kStr {
			if err := in.show(g, tm, e.str); err != nil {
				return err
			}
		} else if e.k == kNum {
			*tm = mat{1, 0, 0, 1, -num(e) / 1000 * g.tfs * g.th, 0}.mul(*tm)
		}
	}
	return nil
}

// font resolves a font resource once per stream, and once per document through the
// document cache.
func (in *interp) font(res pdf.Value, name string, local map[string]*font) *font {
	if f, ok := local[name]; ok {
		return f
	}
	f := in.doc.resourceFont(res, name)
	local[name] = f
	return f
}

// show places the glyphs of one string and advances the text matrix.
func (in *interp) show(g *gstate, tm *mat, s string) error {
	f := g.font
	if f == nil {
		return nil
	}
	if len(in.glyphs)+len(s) > maxGlyphs {
		return fmt.Errorf("%w: more than %d glyphs", errTooComplex, maxGlyphs)
	}
	// Within a string the text matrix only moves along its baseline: the linear part of
	// the glyphs' page matrix is computed once, and per glyph only its origin, by the
	// formulas of mat.mul. Skipping 1*a + 0*c for a can change no more than the sign of
	// a zero, which no comparison sees; a matrix with an infinite or NaN entry, where
	// 0*Inf would matter, takes the general path.
	moves := isFinite(tm[0]) && isFinite(tm[1]) && isFinite(tm[2]) && isFinite(tm[3])
	lin := tm.mul(g.ctm)
	unit := math.Hypot(lin[2], lin[3]) // the text-space unit's length on the page
	tooMuchText := false
	f.each(s, func(text string, w float64, wordSpace bool) {
		if len(in.text)+len(text) > maxTextBytes {
			tooMuchText = true
		}
		if text != "" && !tooMuchText {
			m := lin
			if moves {
				c := &g.ctm
				m[4], m[5] = tm[4]*c[0]+tm[5]*c[2]+c[4], tm[4]*c[1]+tm[5]*c[3]+c[5]
			} else {
				m = tm.mul(g.ctm)
				unit = math.Hypot(m[2], m[3])
			}
			tx := w * g.tfs * g.th
			x0, y0 := m.apply(0, g.ts)
			x1, y1 := m.apply(tx, g.ts)
			// The size on the page is the length of the text-space unit vertical vector.
			size := math.Abs(g.tfs) * unit
			gl := textGlyph{w: math.Hypot(x1-x0, y1-y0), size: size, off: uint32(len(in.text)), n: uint32(len(text)), rot: rotation(m, tx)}
			gl.x, gl.y = turn(x0, y0, gl.rot)
			gl.space = text == " " || text == "\u00a0"
			in.glyphs = append(in.glyphs, gl)
			in.text = append(in.text, text...)
		}
		adv := w*g.tfs + g.tc
		if wordSpace {
			adv += g.tw
		}
		if t := adv * g.th; moves {
			tm[4], tm[5] = t*tm[0]+0*tm[2]+tm[4], t*tm[1]+0*tm[3]+tm[5]
		} else {
			*tm = mat{1, 0, 0, 1, t, 0}.mul(*tm)
		}
	})
	if tooMuchText {
		return fmt.Errorf("%w: more than %d bytes of text", errTooComplex, maxTextBytes)
	}
	return nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// rotation returns the quarter turns of the writing direction of a glyph drawn with
// matrix m and advance tx.
func rotation(m mat, tx float64) int8 {
	dx, dy := m[0], m[1]
	if tx < 0 {
		dx, dy = -dx, -dy
	}
	switch {
	case math.Abs(dx) >= math.Abs(dy):
		if dx < 0 {
			return 2
		}
		return 0
	case dy > 0:
		return 1
	}
	return 3
}

// turn rotates a point by rot quarter turns clockwise, so text written upwards or
// upside down reads left to right in the result.
func turn(x, y float64, rot int8) (float64, float64) {
	switch rot {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// noteUnread marks the page as passed over when op draws through something this engine
// does not read, and which may show text: a soft mask's group, set by gs, or a tiling
// pattern's cell, named by scn or SCN.
func (in *interp) noteUnread(res pdf.Value, op string, args []operand) {
	if in.passedOver || len(args) == 0 || args[len(args)-1].k != kName {
		return
	}
	if op == "gs" {
		// Looked up only while it can matter: until the page shows text.
		in.passedOver = in.shows == 0 && res.Key("ExtGState").Key(args[0].str).Key("SMask").Kind() == pdf.Dict
		return
	}
	in.passedOver = true
}

// form draws a Form XObject, following nested forms up to maxFormDepth and refusing a
// form that is already being drawn (a cycle).
func (in *interp) form(res pdf.Value, name string, g gstate, depth int) error {
	xo := res.Key("XObject").Key(name)
	if xo.Kind() == pdf.Null {
		in.passedOver = true // a name this engine does not find; a viewer may
		return nil
	}
	if xo.Kind() != pdf.Stream || xo.Key("Subtype").Name() != "Form" {
		return nil
	}
	if depth >= maxFormDepth {
		in.passedOver = true
		return nil // deeper nesting is ignored, like a viewer that gives up
	}
	in.forms++
	if in.forms > maxFormCalls {
		return fmt.Errorf("%w: more than %d form invocations", errTooComplex, maxFormCalls)
	}
	id, hasID := idOf(xo)
	if hasID {
		if in.active[id] {
			return nil
		}
		in.active[id] = true
		defer delete(in.active, id)
	}
	data, ok := in.cache[id]
	if !ok || !hasID {
		var err error
		data, err = in.streams.appendStream(nil, xo, maxContentBytes)
		if err != nil {
			in.passedOver = true
			return nil // an unreadable form costs its own text only
		}
		if hasID {
			in.cache[id] = data
		}
	}
	if m := xo.Key("Matrix"); m.Len() == 6 {
		var fm mat
		for i := range fm {
			fm[i] = m.Index(i).Float64()
		}
		g.ctm = fm.mul(g.ctm)
	}
	r := xo.Key("Resources")
	if r.Kind() != pdf.Dict {
		r = res
	}
	return in.run(data, r, g, depth+1)
}
