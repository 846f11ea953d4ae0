package pdftext

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"sort"
)

// Layout thresholds, as fractions of the font size. wordGap is the smallest horizontal
// gap read as a space: pdfTeX kerns stay under 0.1 em and its narrowest justified space
// is about 0.2 em. lineTol is how far baselines of one line may differ (superscripts).
const (
	wordGap  = 0.15
	lineTol  = 0.5
	paraGap  = 2.1
	dupSlack = 0.15
)

// word is a run of glyphs without a gap on one line; its text is text[start:end] of the
// layouter's line buffer.
type word struct {
	x0, x1     float64
	start, end int
}

// line is the words[first:end] of the layouter, joined by single spaces in its buffer.
type line struct {
	y, size    float64
	first, end int
}

// pageLayout is a page's text as lines in reading order.
type pageLayout struct {
	lines []string
	// lineNumbers says pleading-paper line numbers were found and left out of lines.
	lineNumbers bool
	// noText says the page shows no text at all (PageResult.NoText).
	noText bool
}

// layouter orders one page's glyphs into lines. It keeps its buffers from page to page,
// so that a worker lays out a document with few allocations.
type layouter struct {
	text  []byte      // the page's glyph texts, indexed by textGlyph.off and .n
	group []textGlyph // the glyphs of one rotation
	lines []line
	words []word
	buf   []byte // word texts, each line's words separated by one space
	sizes []float64
	split overlapSplitter
	// sortBuf and yRuns are the sorts' buffers.
	sortBuf []textGlyph
	yRuns   []glyphSpan
}

// layout orders glyphs into lines (top to bottom) and words (left to right): upright
// text first, then text turned a quarter, three quarters and half a turn. It reorders
// glyphs; text holds their texts.
func (lo *layouter) layout(glyphs []textGlyph, text []byte) pageLayout {
	lo.text = text
	var pl pageLayout
	for _, rot := range [...]int8{0, 1, 3, 2} {
		group := lo.rotation(glyphs, rot)
		if len(group) == 0 {
			continue
		}
		lo.buildLines(group)
		if rot == 0 && stripLineNumbers(lo.lines, lo.words, lo.buf) {
			pl.lineNumbers = true
		}
		prev := -1
		for i := range lo.lines {
			ln := &lo.lines[i]
			if ln.first == ln.end {
				continue
			}
			if prev >= 0 && lo.lines[prev].y-ln.y > paraGap*maxf(ln.size, lo.lines[prev].size) {
				pl.lines = append(pl.lines, "")
			}
			pl.lines = append(pl.lines, string(lo.buf[lo.words[ln.first].start:lo.words[ln.end-1].end]))
			prev = i
		}
	}
	return pl
}

// rotation returns the glyphs turned rot quarters, in content order: glyphs itself when
// the whole page is upright (the common case), else a copy in a reused buffer.
func (lo *layouter) rotation(glyphs []textGlyph, rot int8) []textGlyph {
	upright := true
	for i := range glyphs {
		if glyphs[i].rot != 0 {
			upright = false
			break
		}
	}
	if upright {
		if rot == 0 {
			return glyphs
		}
		return nil
	}
	lo.group = lo.group[:0]
	for i := range glyphs {
		if glyphs[i].rot == rot {
			lo.group = append(lo.group, glyphs[i])
		}
	}
	return lo.group
}

// byYDown orders glyphs top to bottom; byX left to right. Sorts with them are stable,
// and skipped when the glyphs are in order already, as content streams mostly draw them.
func byYDown(a, b textGlyph) int { return cmp.Compare(b.y, a.y) }

func byX(a, b textGlyph) int { return cmp.Compare(a.x, b.x) }

// sortStable sorts gs stably by cmp. Lines and pages are mostly in order already, with
// a few glyphs drawn out of it (a header drawn last, a superscript), so it merges the
// ascending runs it finds, through buf: one pass over sorted input, few over the rest.
func sortStable(gs []textGlyph, buf *[]textGlyph, cmp func(a, b textGlyph) int) {
	if slices.IsSortedFunc(gs, cmp) {
		return
	}
	if cap(*buf) < len(gs) {
		*buf = make([]textGlyph, len(gs))
	}
	src, dst := gs, (*buf)[:len(gs)]
	for {
		runs := 0
		for lo := 0; lo < len(src); runs++ {
			mid := runEnd(src, lo, cmp)
			hi := len(src)
			if mid < hi {
				hi = runEnd(src, mid, cmp)
			}
			mergeRuns(dst[lo:hi], src[lo:mid], src[mid:hi], cmp)
			lo = hi
		}
		src, dst = dst, src
		if runs == 1 {
			break
		}
	}
	if &src[0] != &gs[0] {
		copy(gs, src)
	}
}

// sortByYDown sorts gs stably top to bottom. Glyphs come in runs on one baseline,
// however the lines are ordered (bottom up, columns, a header drawn last): it sorts the
// runs, few even on a full page, and moves each glyph once.
func (lo *layouter) sortByYDown(gs []textGlyph) {
	if slices.IsSortedFunc(gs, byYDown) {
		return
	}
	runs := lo.yRuns[:0]
	for i := 0; i < len(gs); {
		j := i + 1
		for j < len(gs) && gs[j].y == gs[i].y {
			j++
		}
		runs = append(runs, glyphSpan{y: gs[i].y, start: i, end: j})
		i = j
	}
	slices.SortStableFunc(runs, func(a, b glyphSpan) int {
		return byYDown(textGlyph{y: a.y}, textGlyph{y: b.y})
	})
	buf := lo.sortBuf[:0]
	for _, r := range runs {
		buf = append(buf, gs[r.start:r.end]...)
	}
	copy(gs, buf)
	lo.yRuns, lo.sortBuf = runs, buf
}

// glyphSpan is gs[start:end], glyphs on the baseline y.
type glyphSpan struct {
	y          float64
	start, end int
}

// runEnd returns the end of the ascending run of s that starts at lo.
func runEnd(s []textGlyph, lo int, cmp func(a, b textGlyph) int) int {
	i := lo + 1
	for i < len(s) && cmp(s[i], s[i-1]) >= 0 {
		i++
	}
	return i
}

// mergeRuns merges the sorted a and b into dst, a's element first among equals.
func mergeRuns(dst, a, b []textGlyph, cmp func(a, b textGlyph) int) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
}

// median returns the middle of the sorted values: the one value when a line is set in
// one size, as most are, without sorting them.
func median(v []float64) float64 {
	same := true
	for _, x := range v[1:] {
		if x != v[0] {
			same = false
			break
		}
	}
	if !same {
		slices.Sort(v)
	}
	return v[len(v)/2]
}

// maxf and minf are math.Max and math.Min, NaN, infinities and signed zeros included,
// but inlined (the math versions are assembly calls on amd64). The built-in max and min
// differ from them only where an infinity meets a NaN.
func maxf(x, y float64) float64 {
	if x == posInf || y == posInf {
		return posInf
	}
	return max(x, y)
}

func minf(x, y float64) float64 {
	if x == negInf || y == negInf {
		return negInf
	}
	return min(x, y)
}

var posInf, negInf = math.Inf(1), math.Inf(-1)

// buildLines clusters glyphs by baseline and splits each line into words by the gaps
// between glyph boxes, into lo.lines and lo.words.
func (lo *layouter) buildLines(gs []textGlyph) {
	// Sort top to bottom; glyphs on one baseline keep their content-stream order until
	// sorted by x below.
	lo.sortByYDown(gs)
	lo.lines, lo.words, lo.buf = lo.lines[:0], lo.words[:0], lo.buf[:0]
	start := 0
	for i := 1; i <= len(gs); i++ {
		if i < len(gs) {
			tol := lineTol * maxf(maxf(gs[start].size, gs[i].size), 1)
			if gs[start].y-gs[i].y <= tol {
				continue
			}
		}
		for _, part := range lo.split.split(gs[start:i]) {
			lo.wordsOf(part)
		}
		start = i
	}
}

// overlapSplitter separates runs of different size or baseline that overlap on the
// page, such as a filled-in form value drawn over its underscores: merged, their glyphs
// would interleave. Runs that sit side by side (a superscript after a word, small caps)
// stay one line. Its buffers are reused from line to line.
type overlapSplitter struct {
	runs    []glyphRun
	merged  []textGlyph
	parts   [][]textGlyph
	sortBuf []textGlyph
}

type glyphRun struct {
	y, size float64
	gs      []textGlyph
}

// split returns the parts of one line, top part first. The parts alias the splitter's
// buffers (or gs) until the next call.
func (sp *overlapSplitter) split(gs []textGlyph) [][]textGlyph {
	sp.parts = append(sp.parts[:0], gs)
	if len(gs) < 2 || oneRun(gs) {
		return sp.parts
	}
	runs := sp.runs[:0]
	for _, g := range gs {
		size := maxf(g.size, 1)
		home := -1
		for i := range runs {
			if math.Abs(runs[i].y-g.y) <= 0.05*size && math.Abs(runs[i].size-g.size) <= 0.05*size {
				home = i
				break
			}
		}
		if home < 0 {
			if len(runs) >= 16 { // a pathological line: keep it whole
				sp.runs = runs
				return sp.parts
			}
			home = len(runs)
			if len(runs) < cap(runs) {
				runs = runs[:home+1]
				runs[home] = glyphRun{y: g.y, size: g.size, gs: runs[home].gs[:0]}
			} else {
				runs = append(runs, glyphRun{y: g.y, size: g.size})
			}
		}
		runs[home].gs = append(runs[home].gs, g)
	}
	sp.runs = runs
	main := 0
	for i := range runs {
		if len(runs[i].gs) > len(runs[main].gs) {
			main = i
		}
	}
	for i := range runs {
		sortStable(runs[i].gs, &sp.sortBuf, byX)
	}
	merged := sp.merged[:0]
	parts := sp.parts[:0]
	for i := range runs {
		if i != main && overlaps(runs[i].gs, runs[main].gs) {
			parts = append(parts, runs[i].gs)
			continue
		}
		merged = append(merged, runs[i].gs...)
	}
	sp.merged = merged
	if len(parts) == 0 {
		sp.parts = append(parts, gs)
		return sp.parts
	}
	parts = append(parts, merged)
	slices.SortStableFunc(parts, func(a, b []textGlyph) int {
		ya, yb := maxY(a), maxY(b)
		switch {
		case ya > yb:
			return -1
		case ya < yb:
			return 1
		}
		return 0
	})
	sp.parts = parts
	return parts
}

// oneRun reports whether every glyph of a line would join the first glyph's run, when
// there is nothing to split.
func oneRun(gs []textGlyph) bool {
	y, sz := gs[0].y, gs[0].size
	for i := 1; i < len(gs); i++ {
		size := maxf(gs[i].size, 1)
		if !(math.Abs(y-gs[i].y) <= 0.05*size && math.Abs(sz-gs[i].size) <= 0.05*size) {
			return false
		}
	}
	return true
}

func maxY(gs []textGlyph) float64 {
	m := math.Inf(-1)
	for _, g := range gs {
		m = maxf(m, g.y)
	}
	return m
}

// overlaps reports whether any glyph of a covers a glyph of b by more than half the
// narrower one's width. Both are sorted by x; the sweep keeps it linear.
func overlaps(a, b []textGlyph) bool {
	j := 0
	for i := range a {
		if a[i].space {
			continue
		}
		for j < len(b) && b[j].x+b[j].w <= a[i].x {
			j++
		}
		for k := j; k < len(b) && k < j+8 && b[k].x < a[i].x+a[i].w; k++ {
			if b[k].space {
				continue
			}
			lo := maxf(a[i].x, b[k].x)
			hi := minf(a[i].x+a[i].w, b[k].x+b[k].w)
			if hi-lo > 0.5*minf(a[i].w, b[k].w) {
				return true
			}
		}
	}
	return false
}

// wordsOf sorts one line's glyphs left to right and appends the line and its words.
func (lo *layouter) wordsOf(gs []textGlyph) {
	sortStable(gs, &lo.sortBuf, byX)
	ln := line{first: len(lo.words), end: len(lo.words)}
	sizes := lo.sizes[:0]
	var cur word
	have, pendingSpace := false, false
	var last *textGlyph
	flush := func() {
		if have {
			cur.end = len(lo.buf)
			lo.words = append(lo.words, cur)
		}
		have = false
	}
	for i := range gs {
		g := &gs[i]
		size := maxf(g.size, 1)
		if g.space {
			pendingSpace = true
			continue
		}
		// The same glyph drawn again at nearly the same place is fake bold or a shadow.
		if last != nil && bytes.Equal(lo.glyphText(g), lo.glyphText(last)) && math.Abs(g.x-last.x) < dupSlack*size && math.Abs(g.y-last.y) < dupSlack*size {
			continue
		}
		if have && (pendingSpace || g.x-cur.x1 > wordGap*size) {
			flush()
		}
		if !have {
			if len(lo.words) > ln.first {
				lo.buf = append(lo.buf, ' ')
			}
			cur = word{x0: g.x, x1: g.x, start: len(lo.buf)}
			have = true
		}
		lo.buf = append(lo.buf, lo.glyphText(g)...)
		cur.x1 = maxf(cur.x1, g.x+g.w)
		pendingSpace = false
		last = g
		sizes = append(sizes, g.size)
	}
	flush()
	ln.end = len(lo.words)
	if len(gs) > 0 {
		ln.y = gs[0].y
		for _, g := range gs {
			ln.y = minf(ln.y, g.y)
		}
	}
	if len(sizes) > 0 {
		ln.size = median(sizes)
	}
	lo.sizes = sizes
	lo.lines = append(lo.lines, ln)
}

func (lo *layouter) glyphText(g *textGlyph) []byte { return lo.text[g.off : g.off+g.n] }

// stripLineNumbers finds pleading-paper line numbers — small integers in the left
// margin, one per line, counting up by one from top to bottom, left of all body text —
// and removes them. It reports whether it found them.
// Words are words[line.first:line.end], their texts in buf.
func stripLineNumbers(lines []line, words []word, buf []byte) bool {
	type cand struct {
		line int
		val  int
		x1   float64
	}
	var cands []cand
	for i, ln := range lines {
		if ln.first == ln.end {
			continue
		}
		w := words[ln.first]
		v, ok := smallInt(buf[w.start:w.end])
		if !ok || v < 1 || v > 99 {
			continue
		}
		if ln.end-ln.first > 1 && words[ln.first+1].x0-w.x1 < 1.0*maxf(ln.size, 1) {
			continue
		}
		cands = append(cands, cand{i, v, w.x1})
	}
	if len(cands) < 8 {
		return false
	}
	// Numbers are right-aligned in their column: cluster by right edge.
	buckets := map[int][]cand{}
	for _, c := range cands {
		k := int(math.Round(c.x1 / 4))
		buckets[k] = append(buckets[k], c)
	}
	var best []cand
	for k, b := range buckets {
		all := append(append(append([]cand{}, buckets[k-1]...), b...), buckets[k+1]...)
		if len(all) > len(best) {
			best = all
		}
	}
	if len(best) < 8 {
		return false
	}
	sort.Slice(best, func(i, j int) bool { return best[i].line < best[j].line })
	steps := 0
	for i := 1; i < len(best); i++ {
		if best[i].val <= best[i-1].val {
			return false
		}
		if best[i].val == best[i-1].val+1 {
			steps++
		}
	}
	if float64(steps) < 0.7*float64(len(best)-1) || best[0].val > 3 {
		return false
	}
	edge := 0.0
	for _, c := range best {
		edge = maxf(edge, c.x1)
	}
	member := map[int]bool{}
	for _, c := range best {
		member[c.line] = true
	}
	// Body text must lie right of the numbers; paragraph numbers inside the text
	// column fail this, since wrapped lines start left of them.
	// Only lines between the first and last number count: a stamp or footer above or
	// below the numbered block may start further left.
	total, left := 0, 0
	for i := best[0].line; i <= best[len(best)-1].line; i++ {
		for j, w := range words[lines[i].first:lines[i].end] {
			if j == 0 && member[i] {
				continue
			}
			total++
			if w.x0 < edge {
				left++
			}
		}
	}
	if total > 0 && float64(left) > 0.03*float64(total) {
		return false
	}
	for _, c := range best {
		lines[c.line].first++
	}
	return true
}

// smallInt reads b as strconv.Atoi would — an optional sign, then decimal digits — for
// values up to 99; ok is false for anything else, larger values included.
func smallInt(b []byte) (v int, ok bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v = v*10 + int(c-'0'); v > 99 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	return v, true
}
