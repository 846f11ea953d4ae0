package percolate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// benchRules fills p with n rules shaped like the ones people save: mostly a name or a
// product with a common word or two beside it, some narrowed by filters, and one in a
// hundred made of the corpus's own words only (those match often).
func benchRules(b *testing.B, p *Percolator, n int) {
	words, err := corpus.Words()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 11))
	word := func() string { return words[rng.IntN(len(words))] }
	name := func() string {
		w := []byte(foreignWord(rng))
		return string(w[:5+rng.IntN(len(w)-5)])
	}
	for i := range n {
		var q string
		var f alert.Filters
		switch i % 10 {
		case 0:
			q = `"` + name() + " " + word() + `"`
			if i%100 == 0 {
				q = `"` + word() + " " + word() + `"`
			}
		case 1, 2, 3:
			q = `"` + name() + " " + word() + `"`
		case 4, 5:
			q = name()
		case 6:
			q = "+" + name() + " +" + word()
		case 7:
			q = name() + " " + name()
			f.ExhibitsOnly = true
		case 8:
			q = `"` + name() + " " + name() + `" -` + word()
			f.Courts = []string{"cand"}
		case 9:
			q = `"` + word() + " " + name() + `"`
		}
		compile(b, p, fmt.Sprintf("%016x", i+1), q, f)
	}
}

func benchMatch(b *testing.B, rules, pages int, all bool) {
	docs, err := corpus.Docs(64, pages)
	if err != nil {
		b.Fatal(err)
	}
	p := New(schema.Mapping())
	benchRules(b, p, rules)
	if all {
		// The reference: every rule is a candidate for every document.
		p.exhaustive = true
	}
	var cands, matches int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ms, st, err := p.Match(context.Background(), docs[i%len(docs)])
		if err != nil {
			b.Fatal(err)
		}
		cands += st.Candidates
		matches += len(ms)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(cands)/float64(b.N), "candidates/doc")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/doc")
}

// BenchmarkMatch10kRules is the figure: documents of 5 pages (about 15 KB of
// text) matched against 10,000 rules.
func BenchmarkMatch10kRules(b *testing.B) { benchMatch(b, 10000, 5, false) }

// BenchmarkMatch10kRulesLongDocs uses 40-page documents.
func BenchmarkMatch10kRulesLongDocs(b *testing.B) { benchMatch(b, 10000, 40, false) }

// BenchmarkMatch1kRulesNoPreselection is the reference: 1,000 rules each run on every
// document, the cost pre-selection avoids (scale by 10 for 10,000).
func BenchmarkMatch1kRulesNoPreselection(b *testing.B) { benchMatch(b, 1000, 5, true) }
