package alert

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/docketwatch/docketwatch/pkg/fault"
)

// ToDeliver reads a message of ALERTS for a delivery channel (webhook, email): its event
// and the rule it belongs to. ok is false when there is nothing to deliver: an alert over
// its rule's daily cap (the day's digest carries it) or a rule deleted since (nobody to
// tell). A message this build cannot read is a permanent error: it is parked, not
// retried.
func (s *Store) ToDeliver(ctx context.Context, data []byte) (e Event, r Rule, ok bool, err error) {
	if err := json.Unmarshal(data, &e); err != nil {
		return e, r, false, fault.Permanentf("decoding alert event: %v", err)
	}
	if err := e.Check(); err != nil {
		return e, r, false, fault.PermanentErr(err)
	}
	if e.Alert != nil && e.Alert.Overflow {
		return e, r, false, nil
	}
	r, _, err = s.Get(ctx, e.RuleID())
	if errors.Is(err, ErrNotFound) {
		return e, r, false, nil
	}
	return e, r, err == nil, err
}
