package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// Entries yields the entry of every key of kv that matches filter (a subject wildcard:
// ">" for every key), in the order the bucket lists them. A key deleted between the
// listing and its read is left out. A failure to list or read is yielded once, with a
// nil entry, and ends the sequence; so does ctx ending, which would otherwise cut the
// listing short without a word.
func Entries(ctx context.Context, kv jetstream.KeyValue, filter string) iter.Seq2[jetstream.KeyValueEntry, error] {
	return func(yield func(jetstream.KeyValueEntry, error) bool) {
		lister, err := kv.ListKeysFiltered(ctx, filter)
		if err != nil {
			yield(nil, fmt.Errorf("listing keys %s: %w", filter, err))
			return
		}
		keys := lister.Keys()
		// The lister's goroutine sends into a bounded channel: when the caller stops
		// early, stopping the lister and draining that channel (in the background, as
		// the lister closes it only once its subscription has closed) lets it end.
		defer func() {
			_ = lister.Stop()
			go func() {
				for range keys {
				}
			}()
		}()
		for key := range keys {
			e, err := kv.Get(ctx, key)
			if IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted) {
				continue
			}
			if err != nil {
				err = fmt.Errorf("reading %s: %w", key, err)
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(nil, fmt.Errorf("listing keys %s: %w", filter, err))
		}
	}
}

// List decodes every entry Entries yields and returns the values sorted by cmp (nil:
// in the bucket's order). A value decode refuses ends the list with an error naming its
// key.
func List[T any](ctx context.Context, kv jetstream.KeyValue, filter string, decode func(jetstream.KeyValueEntry) (T, error), cmp func(a, b T) int) ([]T, error) {
	var out []T
	for e, err := range Entries(ctx, kv, filter) {
		if err != nil {
			return nil, err
		}
		v, err := decode(e)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.Key(), err)
		}
		out = append(out, v)
	}
	if cmp != nil {
		slices.SortStableFunc(out, cmp)
	}
	return out, nil
}

// IsConflict reports whether a write to a bucket lost to another writer: a Create of a
// key that exists, an Update or a Delete at a revision that is no longer the key's.
// nats.go reports those as ErrKeyExists and ErrKeyRevisionMismatch; matching the
// server's error code instead misses replicated buckets, which answer with another code.
func IsConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

// updateAttempts bounds UpdateJSON's rereads: past it the key is too contended to wait on.
const updateAttempts = 50

// UpdateJSON changes the JSON value of key in kv by a read, an edit and a write that
// only lands if nobody wrote the key in between (Create for a key that does not exist,
// Update at the revision read): on a conflict it reads again and edits again, up to 50
// times. edit gets the zero T for a key that does not exist or was deleted; it must be
// safe to run more than once, and an error from it is returned as it is, writing
// nothing. The one way the product keeps a counter or a small record in a bucket that
// several processes write.
func UpdateJSON[T any](ctx context.Context, kv jetstream.KeyValue, key string, edit func(*T) error) error {
	for range updateAttempts {
		if err := ctx.Err(); err != nil {
			return err
		}
		var v T
		var rev uint64
		e, err := kv.Get(ctx, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				return fmt.Errorf("decoding %s: %w", key, err)
			}
			rev = e.Revision()
		case IsNotFound(err) || errors.Is(err, jetstream.ErrKeyDeleted):
		default:
			return fmt.Errorf("reading %s: %w", key, err)
		}
		if err := edit(&v); err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", key, err)
		}
		if rev == 0 {
			_, err = kv.Create(ctx, key, data)
		} else {
			_, err = kv.Update(ctx, key, data, rev)
		}
		if err == nil {
			return nil
		}
		if !IsConflict(err) {
			return fmt.Errorf("writing %s: %w", key, err)
		}
	}
	return fmt.Errorf("writing %s: %d conflicting writes in a row", key, updateAttempts)
}
