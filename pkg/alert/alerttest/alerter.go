package alerttest

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
)

// Status reads rule id from s with its retry queue (pending retries, next attempt), as
// the API and the web pages show a rule's delivery status.
func Status(tb testing.TB, s *alert.Store, id string) alert.Rule {
	tb.Helper()
	ctx := context.Background()
	r, _, err := s.Get(ctx, id)
	if err != nil {
		tb.Fatalf("reading rule %s: %v", id, err)
	}
	rules := []alert.Rule{r}
	if err := s.WithRetries(ctx, rules); err != nil {
		tb.Fatalf("reading the retries of rule %s: %v", id, err)
	}
	return rules[0]
}

// NoiseQueries makes n rule queries that load the matcher without matching anything a
// test publishes: a third of them a made-up word, the others a phrase of a made-up word
// and one of words, which puts them among the candidates of a document using that word.
// The same n and words give the same queries.
func NoiseQueries(words []string, n int) []string {
	rng := rand.New(rand.NewPCG(5, 5))
	madeUp := func() string {
		w := make([]byte, 5+rng.IntN(8))
		for i := range w {
			w[i] = byte('a' + rng.IntN(26))
		}
		return "q" + string(w)
	}
	qs := make([]string, n)
	for i := range qs {
		qs[i] = `"` + madeUp() + " " + words[rng.IntN(len(words))] + `"`
		if i%3 == 0 {
			qs[i] = madeUp()
		}
	}
	return qs
}
