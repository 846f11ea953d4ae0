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
	edit := func(ms *[]int64) error {
		times := make([]time.Time, len(*ms))
		for i, m := range *ms {
			times[i] = time.UnixMilli(m)
		}
		next := f(times)
		if next == nil {
			return errUnchanged
		}
		*ms = (*ms)[:0]
		for _, t := range next {
			*ms = append(*ms, t.UnixMilli())
		}
		return nil
	}
	err := bus.UpdateJSON(ctx, b.kv, b.key, edit)
	if unreadable(err) {
		// An unreadable log counts as empty rather than blocking requests: it is
		// dropped and begun again.
		if err := b.kv.Delete(ctx, b.key); err != nil {
			return fmt.Errorf("dropping the unreadable request log: %w", err)
		}
		err = bus.UpdateJSON(ctx, b.kv, b.key, edit)
	}
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("the request log: %w", err)
	}
	return nil
}

// errUnchanged stops an update that has nothing to write.
var errUnchanged = errors.New("unchanged")

// unreadable says whether err is a stored value that does not decode.
func unreadable(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}
