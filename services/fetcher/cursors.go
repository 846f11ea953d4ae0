package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrCursorConflict says a cursor changed in the bucket since it was loaded: another
// fetcher process works the same source. The caller reloads and polls again; the
// Publisher's seen-set keeps the overlap from repeating documents.
var ErrCursorConflict = errors.New("cursor changed by another fetcher")

// cursors keeps source positions in the cursors bucket. Every save is a compare-and-set
// on the revision that was loaded, so two fetchers can never silently overwrite each
// other's progress.
type cursors struct {
	kv jetstream.KeyValue
}

// Keys of the cursors bucket. Court ids are [a-z0-9-], valid in keys; "." separates
// the parts so that a filter like "courtlistener.pdf.>" lists one kind.
func clPollKey(court string) string { return "courtlistener.poll." + court }
func pacerKey(court string) string  { return "pacerrss." + court }

// load reads key into v and returns its revision, or 0 when the key does not exist (v is
// then untouched).
func (c cursors) load(ctx context.Context, key string, v any) (uint64, error) {
	e, err := c.kv.Get(ctx, key)
	if bus.IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("loading cursor %s: %w", key, err)
	}
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return 0, fmt.Errorf("decoding cursor %s: %w", key, err)
	}
	return e.Revision(), nil
}

// save writes v under key if the key is still at rev (0: must not exist) and returns the
// new revision. A lost race is ErrCursorConflict.
func (c cursors) save(ctx context.Context, key string, v any, rev uint64) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return rev, fmt.Errorf("encoding cursor %s: %w", key, err)
	}
	var next uint64
	if rev == 0 {
		next, err = c.kv.Create(ctx, key, data)
	} else {
		next, err = c.kv.Update(ctx, key, data, rev)
	}
	if bus.IsConflict(err) {
		return rev, fmt.Errorf("saving cursor %s: %w", key, ErrCursorConflict)
	}
	if err != nil {
		return rev, fmt.Errorf("saving cursor %s: %w", key, err)
	}
	return next, nil
}
