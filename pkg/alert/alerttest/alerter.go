package alerttest

import (
	"context"
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
