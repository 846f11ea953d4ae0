package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Retry is an event of a rule that a channel failed to deliver and will try again: the
// channel's consumer has put its message back on ALERTS (a JetStream redelivery after a
// backoff), and this entry says so where the API can read it, since JetStream counts
// messages waiting per consumer, not per rule.
type Retry struct {
	RuleID  string `json:"rule_id"`
	Channel string `json:"channel"`
	Event   string `json:"event"`
	// Deliveries is how often the channel's consumer handed the event out so far (a
	// webhook's count those put back untried, its endpoint busy); NextAt is when it comes
	// back.
	Deliveries int       `json:"deliveries"`
	NextAt     time.Time `json:"next_at"`
	Error      string    `json:"error"`
}

// retryKey is the key of a rule's event in a channel's queue: the event id hashed, since
// ids hold characters no key may ("rule:cand/…").
func retryKey(ruleID, channel, event string) string {
	h := sha256.Sum256([]byte(event))
	return ruleID + "." + channel + "." + hex.EncodeToString(h[:16])
}

// Waiting records that r's event waits for another attempt (again: the entry is
// replaced).
func (s *Store) Waiting(ctx context.Context, r Retry) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.retries.Put(ctx, retryKey(r.RuleID, r.Channel, r.Event), data); err != nil {
		return fmt.Errorf("recording the retry of %s: %w", r.Event, err)
	}
	return nil
}

// Settled records that the event waits no more on the channel: delivered, parked, or
// dropped with its rule or channel. An event that never waited is no error.
func (s *Store) Settled(ctx context.Context, ruleID, channel, event string) error {
	err := s.retries.Purge(ctx, retryKey(ruleID, channel, event))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("settling the retry of %s: %w", event, err)
	}
	return nil
}

// WithRetries sets each rule's channels' PendingRetries and NextRetryAt from the retry
// queue, in one pass over it (one rule's entries only when rules holds one).
func (s *Store) WithRetries(ctx context.Context, rules []Rule) error {
	if len(rules) == 0 {
		return nil
	}
	byID := make(map[string]*Rule, len(rules))
	for i := range rules {
		byID[rules[i].ID] = &rules[i]
	}
	keys := ">"
	if len(rules) == 1 {
		keys = rules[0].ID + ".>"
	}
	w, err := s.retries.Watch(ctx, keys, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("reading the alert retries: %w", err)
	}
	defer w.Stop()
	for {
		var e jetstream.KeyValueEntry
		select {
		case <-ctx.Done():
			return fmt.Errorf("reading the alert retries: %w", ctx.Err())
		case e = <-w.Updates():
		}
		if e == nil {
			return nil // every entry was sent
		}
		var r Retry
		if json.Unmarshal(e.Value(), &r) != nil {
			continue // not ours to judge: it expires with the bucket's TTL
		}
		if rule := byID[r.RuleID]; rule != nil {
			if d := rule.Delivery(r.Channel); d != nil {
				d.PendingRetries++
				if d.NextRetryAt.IsZero() || r.NextAt.Before(d.NextRetryAt) {
					d.NextRetryAt = r.NextAt
				}
			}
		}
	}
}
