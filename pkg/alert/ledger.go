package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/nats-io/nats.go/jetstream"
)

// Ledger records, in the KV bucket "alerted", every (rule, document) pair that has been
// alerted, and each rule's count of alerts per UTC day for the daily cap.
//
// Keys: "doc.<rule>.<DocID.Key()>" and "day.<rule>.<YYYY-MM-DD>". A pair is recorded
// only after its alert is stored on ALERTS, so the ledger never claims an alert that
// was not published; the alerter checks ALERTS itself for a pair the ledger lacks (a
// crash between the two writes).
type Ledger struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewLedger returns a ledger over the bucket (bus.KV(ctx, js, bus.BucketAlerted)).
func NewLedger(kv jetstream.KeyValue) *Ledger { return &Ledger{kv: kv, now: time.Now} }

// Entry is what the ledger keeps about an alerted pair.
type Entry struct {
	AlertID  string    `json:"alert_id"`
	Version  int64     `json:"version"`
	Overflow bool      `json:"overflow,omitempty"`
	At       time.Time `json:"at"`
}

func docKey(ruleID string, doc filing.DocID) string { return "doc." + ruleID + "." + doc.Key() }
func dayKey(ruleID, day string) string              { return "day." + ruleID + "." + day }

// Seen reports whether the pair has been alerted.
func (l *Ledger) Seen(ctx context.Context, ruleID string, doc filing.DocID) (bool, error) {
	_, err := l.kv.Get(ctx, docKey(ruleID, doc))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false, nil
	}
	return false, fmt.Errorf("reading ledger for %s on %s: %w", ruleID, doc, err)
}

// Record marks the pair alerted. Recording a pair twice is not an error: the first
// record stays.
func (l *Ledger) Record(ctx context.Context, ruleID string, doc filing.DocID, e Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = l.kv.Create(ctx, docKey(ruleID, doc), data)
	if err != nil && !bus.IsConflict(err) {
		return fmt.Errorf("recording %s on %s in ledger: %w", ruleID, doc, err)
	}
	return nil
}

// DayCount is a rule's tally of one UTC day.
type DayCount struct {
	Sent     int `json:"sent"`
	Overflow int `json:"overflow"`
	// Digested says the day's digest is published.
	Digested bool `json:"digested,omitempty"`
}

// Claim takes one of the day's cap slots for a rule capped at cap: it reports overflow
// when the day's slots are all taken, and counts the alert either way. A crash after
// Claim and before the alert is published leaves a slot taken by nothing, so a day may
// roll one alert more than needed into the digest; it never loses one.
func (l *Ledger) Claim(ctx context.Context, ruleID, day string, cap int) (overflow bool, err error) {
	err = bus.UpdateJSON(ctx, l.kv, dayKey(ruleID, day), func(c *DayCount) error {
		overflow = c.Sent >= cap
		if overflow {
			c.Overflow++
		} else {
			c.Sent++
		}
		return nil
	})
	return overflow, err
}

// MarkDigested records that the day's digest is published.
func (l *Ledger) MarkDigested(ctx context.Context, ruleID, day string) error {
	return bus.UpdateJSON(ctx, l.kv, dayKey(ruleID, day), func(c *DayCount) error {
		c.Digested = true
		return nil
	})
}

// PendingDigest is a rule's day with overflow alerts and no digest yet.
type PendingDigest struct {
	RuleID string
	Day    string
	Count  DayCount
}

// PendingDigests lists the days before today (UTC) that need a digest.
func (l *Ledger) PendingDigests(ctx context.Context) ([]PendingDigest, error) {
	keys, err := l.kv.ListKeysFiltered(ctx, "day.>")
	if err != nil {
		return nil, fmt.Errorf("listing ledger days: %w", err)
	}
	today := Day(l.now())
	var out []PendingDigest
	for k := range keys.Keys() {
		parts := strings.Split(k, ".")
		if len(parts) != 3 || parts[2] >= today {
			continue
		}
		e, err := l.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var c DayCount
		if json.Unmarshal(e.Value(), &c) != nil || c.Digested || c.Overflow == 0 {
			continue
		}
		out = append(out, PendingDigest{RuleID: parts[1], Day: parts[2], Count: c})
	}
	return out, nil
}

// NewLedgerAt returns l reading the time from now: for tests of day boundaries.
func NewLedgerAt(l *Ledger, now func() time.Time) *Ledger { return &Ledger{kv: l.kv, now: now} }
