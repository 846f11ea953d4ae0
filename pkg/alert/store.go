package alert

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound says no rule has the id.
var ErrNotFound = errors.New("no such rule")

// Store keeps rules in the KV bucket "rules", one key per rule id, and their channels'
// retry queue in "retries" (retry.go). Every write of a rule is a compare-and-set, so
// concurrent edits (a user saving the rule while a deliverer records a webhook failure)
// never overwrite each other.
type Store struct {
	kv      jetstream.KeyValue
	retries jetstream.KeyValue
	now     func() time.Time
}

// OpenStore opens the rules and retries of the JetStream contract (bus.Setup creates the
// buckets).
func OpenStore(ctx context.Context, js jetstream.JetStream) (*Store, error) {
	kv, err := bus.KV(ctx, js, bus.BucketRules)
	if err != nil {
		return nil, fmt.Errorf("opening the alert rules: %w", err)
	}
	retries, err := bus.KV(ctx, js, bus.BucketRetries)
	if err != nil {
		return nil, fmt.Errorf("opening the alert retries: %w", err)
	}
	return &Store{kv: kv, retries: retries, now: time.Now}, nil
}

// Create stores a new rule: it assigns the id and times, and a webhook secret when the
// webhook has none, then validates. It returns the stored rule, secret included, so the
// caller can show the secret once.
func (s *Store) Create(ctx context.Context, r Rule) (Rule, error) {
	now := s.now().UTC()
	r.Schema, r.ID, r.CreatedAt, r.UpdatedAt = Schema, NewID(), now, now
	if r.Webhook != nil {
		w := Webhook{URL: r.Webhook.URL, Secret: r.Webhook.Secret}
		if w.Secret == "" {
			w.Secret = NewSecret()
		}
		r.Webhook = &w
	}
	if r.Email != nil {
		r.Email = &Email{To: r.Email.To} // a new rule has no delivery state
	}
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return Rule{}, err
	}
	if _, err := s.kv.Create(ctx, r.ID, data); err != nil {
		return Rule{}, fmt.Errorf("storing rule %s: %w", r.ID, err)
	}
	return r, nil
}

// Get returns the rule and its revision, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Rule, uint64, error) {
	if !ValidID(id) {
		return Rule{}, 0, fmt.Errorf("rule %q: %w", id, ErrNotFound)
	}
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return Rule{}, 0, fmt.Errorf("rule %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Rule{}, 0, fmt.Errorf("reading rule %s: %w", id, err)
	}
	r, err := decodeRule(e.Value())
	if err != nil {
		return Rule{}, 0, fmt.Errorf("reading rule %s: %w", id, err)
	}
	return r, e.Revision(), nil
}

// List returns every rule, by name.
func (s *Store) List(ctx context.Context) ([]Rule, error) {
	rules, err := bus.List(ctx, s.kv, ">", func(e jetstream.KeyValueEntry) (Rule, error) { return decodeRule(e.Value()) },
		func(a, b Rule) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
	if err != nil {
		return nil, fmt.Errorf("listing rules: %w", err)
	}
	return rules, nil
}

// Update applies edit to the current rule and stores the result if nobody changed the
// rule meanwhile, retrying on a conflict. edit must be safe to run more than once.
func (s *Store) Update(ctx context.Context, id string, edit func(*Rule) error) (Rule, error) {
	for attempt := 0; ; attempt++ {
		r, rev, err := s.Get(ctx, id)
		if err != nil {
			return Rule{}, err
		}
		if err := edit(&r); err != nil {
			return Rule{}, err
		}
		r.ID, r.Schema = id, Schema
		if err := r.Validate(); err != nil {
			return Rule{}, err
		}
		data, err := json.Marshal(r)
		if err != nil {
			return Rule{}, err
		}
		_, err = s.kv.Update(ctx, id, data, rev)
		if err == nil {
			return r, nil
		}
		if !bus.IsConflict(err) || attempt >= 20 {
			return Rule{}, fmt.Errorf("updating rule %s: %w", id, err)
		}
	}
}

// Delete removes a rule; ErrNotFound when there is none.
func (s *Store) Delete(ctx context.Context, id string) error {
	if _, _, err := s.Get(ctx, id); err != nil {
		return err
	}
	if err := s.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("deleting rule %s: %w", id, err)
	}
	return nil
}

// Change is one rule added, changed or deleted.
type Change struct {
	ID      string
	Rule    Rule // zero when Deleted
	Deleted bool
	// Loaded marks the end of the rules that existed when the watch began: it comes once,
	// in order, so a receiver that has handled it has applied every one of them.
	Loaded bool
}

// Watch sends every rule as a change, then a Loaded change, then each later change,
// until ctx ends; then it closes the channel. A rule that cannot be decoded is reported
// to bad and skipped.
func (s *Store) Watch(ctx context.Context, bad func(id string, err error)) (<-chan Change, error) {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watching rules: %w", err)
	}
	out := make(chan Change)
	go func() {
		defer close(out)
		defer w.Stop()
		for {
			var e jetstream.KeyValueEntry
			var ok bool
			select {
			case <-ctx.Done():
				return
			case e, ok = <-w.Updates():
				if !ok {
					return
				}
			}
			c := Change{Loaded: e == nil} // nil: the initial values are all sent
			switch {
			case c.Loaded:
			case e.Operation() != jetstream.KeyValuePut:
				c.ID, c.Deleted = e.Key(), true
			default:
				c.ID = e.Key()
				if c.Rule, err = decodeRule(e.Value()); err != nil {
					if bad != nil {
						bad(e.Key(), err)
					}
					continue
				}
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func decodeRule(data []byte) (Rule, error) {
	var r Rule
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("decoding rule: %w", err)
	}
	if r.Schema < 1 || r.Schema > Schema {
		return r, fmt.Errorf("unsupported rule schema %d", r.Schema)
	}
	return r, nil
}
