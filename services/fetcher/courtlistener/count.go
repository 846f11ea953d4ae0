package courtlistener

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// Count returns how many documents of cur.Court have a Field value from cur.High up to
// cur.Until, by asking with count=on as CourtListener's "count" link does. A backfill
// counts its range once, from a new cursor, for its progress and ETA; it costs one
// request of the budget.
func (s *Source) Count(ctx context.Context, cur Cursor) (int64, error) {
	if cur.Field == "" {
		cur.Field = DateCreated
	}
	u, err := url.Parse(s.firstPage(cur))
	if err != nil {
		return 0, fmt.Errorf("counting courtlistener %s: %w", cur.Court, err)
	}
	q := u.Query()
	q.Set("count", "on")
	u.RawQuery = q.Encode()
	var out struct {
		Count json.Number `json:"count"`
	}
	if err := s.c.getJSON(ctx, u.String(), &out); err != nil {
		return 0, fmt.Errorf("counting courtlistener %s: %w", cur.Court, err)
	}
	n, err := out.Count.Int64()
	if err != nil {
		return 0, fmt.Errorf("counting courtlistener %s: count %q is not a number", cur.Court, out.Count)
	}
	return n, nil
}
