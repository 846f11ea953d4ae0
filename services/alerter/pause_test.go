package alerter

import (
	"io"
	"log/slog"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/services/alerter/percolate"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// TestPausedRuleMatchesNothing: pausing takes a rule out of matching, resuming puts it back.
func TestPausedRuleMatchesNothing(t *testing.T) {
	s := &Service{perc: percolate.New(schema.Mapping()), invalid: map[string]error{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	rule := alert.Rule{Schema: 1, ID: "0123456789abcdef", Name: "inbox", Query: `"Inbox API"`}
	s.apply(alert.Change{ID: rule.ID, Rule: rule})
	if s.Rules() != 1 {
		t.Fatalf("%d rules matched; want 1", s.Rules())
	}
	rule.Paused = true
	s.apply(alert.Change{ID: rule.ID, Rule: rule})
	if s.Rules() != 0 {
		t.Fatalf("a paused rule is still matched (%d rules)", s.Rules())
	}
	rule.Paused = false
	s.apply(alert.Change{ID: rule.ID, Rule: rule})
	if s.Rules() != 1 {
		t.Fatalf("a resumed rule is not matched (%d rules)", s.Rules())
	}
}
