package fetcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/nats-io/nats.go/jetstream"
)

// kvBudgetLog keeps the CourtListener request log in the cursors bucket, one key per
// API token (the account CourtListener throttles), so that a restart remembers what it
// spent and every fetcher process and court of the account draws on one budget. Writers
// race by compare-and-set.
type kvBudgetLog struct {
	kv  jetstream.KeyValue
	key string
}

var _ courtlistener.BudgetLog = kvBudgetLog{}

// budgetKey names the log of the account of token without revealing it.
func budgetKey(token string) string {
	h := sha256.Sum256([]byte("courtlistener-budget:" + token))
	return "courtlistener.budget." + hex.EncodeToString(h[:8])
}

// Update implements courtlistener.BudgetLog. Times are kept as Unix milliseconds.
func (b kvBudgetLog) Update(ctx context.Context, f func([]time.Time) []time.Time) error {
	for range 50 {
		var rev uint64
		var ms []int64
		e, err := b.kv.Get(ctx, b.key)
		switch {
		case err == nil:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &ms); err != nil {
				ms = nil // an unreadable log counts as empty rather than blocking requests
			}
		case bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted):
		default:
			return fmt.Errorf("reading the request log: %w", err)
		}
		times := make([]time.Time, len(ms))
		for i, m := range ms {
			times[i] = time.UnixMilli(m)
		}
		next := f(times)
		if next == nil {
			return nil
		}
		ms = ms[:0]
		for _, t := range next {
			ms = append(ms, t.UnixMilli())
		}
		data, _ := json.Marshal(ms)
		if rev == 0 {
			_, err = b.kv.Create(ctx, b.key, data)
		} else {
			_, err = b.kv.Update(ctx, b.key, data, rev)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			continue // another process counted a request meanwhile
		}
		if err != nil {
			return fmt.Errorf("writing the request log: %w", err)
		}
		return nil
	}
	return errors.New("writing the request log: too much contention")
}
