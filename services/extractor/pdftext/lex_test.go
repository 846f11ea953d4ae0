package pdftext

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestNumbers checks the lexer's numbers against strconv.ParseFloat, bit for bit, with
// the longest-valid-prefix repair for malformed ones ("--5", "1.2.3").
func TestNumbers(t *testing.T) {
	want := func(s string) float64 {
		for i := len(s); i > 0; i-- {
			if f, err := strconv.ParseFloat(s[:i], 64); err == nil {
				return f
			}
		}
		return 0
	}
	cases := []string{"0", "-0", "+0", "12", "-12.5", ".5", "-.5", "5.", "0.1", "0.3", "612.0001",
		"123456789012345678", "9007199254740993", "0.12345678901234567890123", "1.000000000000000000000001",
		"--5", "1.2.3", "4-5", "+", "-", ".", "-.", "1e5", "00012.500"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for n := rng.IntN(20); n >= 0; n-- {
			b.WriteByte("0123456789012345678901234.-+"[rng.IntN(28)])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		l := lexer{b: []byte(s + " ")}
		v, err := l.number()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		end := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789.+-", r) })
		if end < 0 {
			end = len(s)
		}
		if w := want(s[:end]); math.Float64bits(v.num) != math.Float64bits(w) || l.pos != end {
			t.Errorf("%q: got %v (%#x) ending at %d; want %v (%#x) ending at %d", s, v.num, math.Float64bits(v.num), l.pos, w, math.Float64bits(w), end)
		}
	}
}
