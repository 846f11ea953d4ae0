package pdftext

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortStable checks the run-merging sort and the baseline sort against the standard
// library's stable sort on lines of few distinct positions (many ties), mostly ordered
// or not at all.
func TestSortStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []textGlyph
	var lo layouter
	for _, shuffled := range []float64{0, 0.02, 0.3, 1} {
		for n := range 300 {
			gs := make([]textGlyph, n)
			for i := range gs {
				gs[i] = textGlyph{x: float64(i / 3), y: float64(rng.IntN(7)), off: uint32(i)}
				if rng.Float64() < shuffled {
					gs[i].x = float64(rng.IntN(n + 1))
				}
			}
			for _, cmp := range []func(a, b textGlyph) int{byX, byYDown} {
				want := slices.Clone(gs)
				slices.SortStableFunc(want, cmp)
				got := slices.Clone(gs)
				sortStable(got, &buf, cmp)
				if !slices.Equal(got, want) {
					t.Fatalf("n=%d, shuffled %.2f: got %v; want %v", n, shuffled, got, want)
				}
			}
			want := slices.Clone(gs)
			slices.SortStableFunc(want, byYDown)
			got := slices.Clone(gs)
			lo.sortByYDown(got)
			if !slices.Equal(got, want) {
				t.Fatalf("baselines, n=%d, shuffled %.2f: got %v; want %v", n, shuffled, got, want)
			}
		}
	}
}

// TestMaxfMinf holds maxf and minf to math.Max and math.Min, bit for bit.
func TestMaxfMinf(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, x := range vals {
		for _, y := range vals {
			if got, want := maxf(x, y), math.Max(x, y); math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("maxf(%v, %v) = %v; want %v", x, y, got, want)
			}
			if got, want := minf(x, y), math.Min(x, y); math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("minf(%v, %v) = %v; want %v", x, y, got, want)
			}
		}
	}
}
