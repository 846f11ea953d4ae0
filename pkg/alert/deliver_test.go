package alert_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/fault"
)

// TestToDeliver: a channel is handed the event and its rule, nothing for an overflow
// alert or a deleted rule, and a permanent error for a message it cannot read.
func TestToDeliver(t *testing.T) {
	ctx := context.Background()
	_, store := alerttest.Start(t)
	rule := alerttest.Create(t, store, alert.Rule{Name: "inbox", Query: "inbox"})
	event := func(ruleID string, overflow bool, schema int) []byte {
		b, err := json.Marshal(alert.Event{Schema: schema, Type: alert.TypeAlert,
			Alert: &alert.Alert{ID: ruleID + ":cand/1", RuleID: ruleID, DocID: "cand/1", Overflow: overflow}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		data      []byte
		ok        bool
		permanent bool
	}{
		{"an alert of a rule", event(rule.ID, false, alert.Schema), true, false},
		{"over the daily cap", event(rule.ID, true, alert.Schema), false, false},
		{"rule deleted", event("r0000000000000000", false, alert.Schema), false, false},
		{"not JSON", []byte("{"), false, true},
		{"a newer schema", event(rule.ID, false, alert.Schema+1), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, r, ok, err := store.ToDeliver(ctx, tc.data)
			if ok != tc.ok || (err != nil) != tc.permanent || tc.permanent && !fault.IsPermanent(err) {
				t.Fatalf("ok %v, err %v; want ok %v, permanent error %v", ok, err, tc.ok, tc.permanent)
			}
			if ok && (r.ID != rule.ID || e.RuleID() != rule.ID) {
				t.Errorf("rule %s, event of %s; want %s", r.ID, e.RuleID(), rule.ID)
			}
		})
	}
}
