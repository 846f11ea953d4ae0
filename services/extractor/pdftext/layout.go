package pdftext

import (
	"math"
	"sort"
	"strconv"
	"strings"
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

// word is a run of glyphs without a gap on one line.
type word struct {
	x0, x1 float64
	text   string
}

type line struct {
	y, size float64
	words   []word
}

// pageLayout is a page's text as lines in reading order.
type pageLayout struct {
	lines []string
	// lineNumbers says pleading-paper line numbers were found and left out of lines.
	lineNumbers bool
}

// layout orders glyphs into lines (top to bottom) and words (left to right): upright
// text first, then text turned a quarter, three quarters and half a turn.
func layout(glyphs []textGlyph) pageLayout {
	var pl pageLayout
	for _, rot := range []int8{0, 1, 3, 2} {
		var group []textGlyph
		for _, g := range glyphs {
			if g.rot == rot {
				group = append(group, g)
			}
		}
		if len(group) == 0 {
			continue
		}
		lines := buildLines(group)
		if rot == 0 && stripLineNumbers(lines) {
			pl.lineNumbers = true
		}
		prev := -1
		for i, ln := range lines {
			if len(ln.words) == 0 {
				continue
			}
			if prev >= 0 && lines[prev].y-ln.y > paraGap*math.Max(ln.size, lines[prev].size) {
				pl.lines = append(pl.lines, "")
			}
			parts := make([]string, len(ln.words))
			for j, w := range ln.words {
				parts[j] = w.text
			}
			pl.lines = append(pl.lines, strings.Join(parts, " "))
			prev = i
		}
	}
	return pl
}

// buildLines clusters glyphs by baseline and splits each line into words by the gaps
// between glyph boxes.
func buildLines(gs []textGlyph) []line {
	// Sort top to bottom; glyphs on one baseline keep their content-stream order until
	// sorted by x below.
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].y > gs[j].y })
	var lines []line
	start := 0
	for i := 1; i <= len(gs); i++ {
		if i < len(gs) {
			tol := lineTol * math.Max(math.Max(gs[start].size, gs[i].size), 1)
			if gs[start].y-gs[i].y <= tol {
				continue
			}
		}
		for _, part := range splitOverlaps(gs[start:i]) {
			lines = append(lines, wordsOf(part))
		}
		start = i
	}
	return lines
}

// splitOverlaps separates runs of different size or baseline that overlap on the page,
// such as a filled-in form value drawn over its underscores: merged, their glyphs would
// interleave. Runs that sit side by side (a superscript after a word, small caps) stay
// one line.
func splitOverlaps(gs []textGlyph) [][]textGlyph {
	if len(gs) < 2 {
		return [][]textGlyph{gs}
	}
	type run struct {
		y, size float64
		gs      []textGlyph
	}
	var runs []*run
	for _, g := range gs {
		size := math.Max(g.size, 1)
		var home *run
		for _, r := range runs {
			if math.Abs(r.y-g.y) <= 0.05*size && math.Abs(r.size-g.size) <= 0.05*size {
				home = r
				break
			}
		}
		if home == nil {
			if len(runs) >= 16 { // a pathological line: keep it whole
				return [][]textGlyph{gs}
			}
			home = &run{y: g.y, size: g.size}
			runs = append(runs, home)
		}
		home.gs = append(home.gs, g)
	}
	if len(runs) == 1 {
		return [][]textGlyph{gs}
	}
	main := 0
	for i, r := range runs {
		if len(r.gs) > len(runs[main].gs) {
			main = i
		}
	}
	for _, r := range runs {
		sort.SliceStable(r.gs, func(i, j int) bool { return r.gs[i].x < r.gs[j].x })
	}
	var merged []textGlyph
	var out [][]textGlyph
	for i, r := range runs {
		if i != main && overlaps(r.gs, runs[main].gs) {
			out = append(out, r.gs)
			continue
		}
		merged = append(merged, r.gs...)
	}
	if len(out) == 0 {
		return [][]textGlyph{gs}
	}
	out = append(out, merged)
	sort.SliceStable(out, func(i, j int) bool { return maxY(out[i]) > maxY(out[j]) })
	return out
}

func maxY(gs []textGlyph) float64 {
	m := math.Inf(-1)
	for _, g := range gs {
		m = math.Max(m, g.y)
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
			lo := math.Max(a[i].x, b[k].x)
			hi := math.Min(a[i].x+a[i].w, b[k].x+b[k].w)
			if hi-lo > 0.5*math.Min(a[i].w, b[k].w) {
				return true
			}
		}
	}
	return false
}

func wordsOf(gs []textGlyph) line {
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].x < gs[j].x })
	var ln line
	sizes := make([]float64, 0, len(gs))
	var b strings.Builder
	var cur word
	have, pendingSpace := false, false
	var last *textGlyph
	flush := func() {
		if have {
			cur.text = b.String()
			ln.words = append(ln.words, cur)
		}
		b.Reset()
		have = false
	}
	for i := range gs {
		g := &gs[i]
		size := math.Max(g.size, 1)
		if g.space {
			pendingSpace = true
			continue
		}
		// The same glyph drawn again at nearly the same place is fake bold or a shadow.
		if last != nil && g.text == last.text && math.Abs(g.x-last.x) < dupSlack*size && math.Abs(g.y-last.y) < dupSlack*size {
			continue
		}
		if have && (pendingSpace || g.x-cur.x1 > wordGap*size) {
			flush()
		}
		if !have {
			cur = word{x0: g.x, x1: g.x}
			have = true
		}
		b.WriteString(g.text)
		cur.x1 = math.Max(cur.x1, g.x+g.w)
		pendingSpace = false
		last = g
		sizes = append(sizes, g.size)
	}
	flush()
	if len(gs) > 0 {
		ln.y = gs[0].y
		for _, g := range gs {
			ln.y = math.Min(ln.y, g.y)
		}
	}
	if len(sizes) > 0 {
		sort.Float64s(sizes)
		ln.size = sizes[len(sizes)/2]
	}
	return ln
}

// stripLineNumbers finds pleading-paper line numbers — small integers in the left
// margin, one per line, counting up by one from top to bottom, left of all body text —
// and removes them. It reports whether it found them.
func stripLineNumbers(lines []line) bool {
	type cand struct {
		line int
		val  int
		x1   float64
	}
	var cands []cand
	for i, ln := range lines {
		if len(ln.words) == 0 {
			continue
		}
		w := ln.words[0]
		v, err := strconv.Atoi(w.text)
		if err != nil || v < 1 || v > 99 {
			continue
		}
		if len(ln.words) > 1 && ln.words[1].x0-w.x1 < 1.0*math.Max(ln.size, 1) {
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
		edge = math.Max(edge, c.x1)
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
		for j, w := range lines[i].words {
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
		lines[c.line].words = lines[c.line].words[1:]
	}
	return true
}
