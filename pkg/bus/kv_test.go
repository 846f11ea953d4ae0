package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/nats-io/nats.go/jetstream"
)

func TestList(t *testing.T) {
	ctx := context.Background()
	js := bustest.Start(t)
	kv := bustest.KV(t, js, bus.BucketJobs)
	for _, k := range []string{"a.3", "a.1", "a.2", "b.9", "a.gone"} {
		if _, err := kv.PutString(ctx, k, strings.TrimPrefix(k, "a.")); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "a.gone"); err != nil {
		t.Fatal(err)
	}
	value := func(e jetstream.KeyValueEntry) (string, error) { return string(e.Value()), nil }
	number := func(e jetstream.KeyValueEntry) (int, error) { return strconv.Atoi(string(e.Value())) }

	t.Run("filtered, deleted left out, sorted", func(t *testing.T) {
		got, err := bus.List(ctx, kv, "a.>", value, strings.Compare)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"1", "2", "3"}; !slices.Equal(got, want) {
			t.Errorf("got %q; want %q", got, want)
		}
	})
	t.Run("a value decode refuses names its key", func(t *testing.T) {
		if _, err := kv.PutString(ctx, "a.bad", "x"); err != nil {
			t.Fatal(err)
		}
		defer kv.Delete(ctx, "a.bad")
		_, err := bus.List(ctx, kv, "a.>", number, nil)
		if err == nil || !strings.Contains(err.Error(), "a.bad") {
			t.Errorf("got %v; want an error naming a.bad", err)
		}
	})
	t.Run("stopping early", func(t *testing.T) {
		n := 0
		for _, err := range bus.Entries(ctx, kv, ">") {
			if err != nil {
				t.Fatal(err)
			}
			n++
			break
		}
		if n != 1 {
			t.Errorf("got %d entries; want 1", n)
		}
	})
	t.Run("an ended context is an error, not a short list", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := bus.List(cctx, kv, ">", value, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v; want context.Canceled", err)
		}
	})
}

// TestUpdateJSON: writers racing on one key each land exactly once; a missing key
// starts from the zero value; an edit that fails writes nothing; a value that is not
// the type's JSON is an error naming the key, not a fresh start.
func TestUpdateJSON(t *testing.T) {
	ctx := context.Background()
	js := bustest.Start(t)
	kv := bustest.KV(t, js, bus.BucketJobs)
	type count struct{ N, Max int }
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			errs <- bus.UpdateJSON(ctx, kv, "counter", func(c *count) error {
				c.N++
				c.Max = max(c.Max, i)
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	read := func() count {
		var c count
		e, err := kv.Get(ctx, "counter")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.Value(), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := read(); got != (count{N: writers, Max: writers - 1}) {
		t.Errorf("after %d racing writers: %+v; want N %d", writers, got, writers)
	}

	refused := errors.New("over the cap")
	if err := bus.UpdateJSON(ctx, kv, "counter", func(c *count) error { c.N = 0; return refused }); !errors.Is(err, refused) {
		t.Errorf("a failing edit: got %v; want its error", err)
	}
	if got := read(); got.N != writers {
		t.Errorf("a failing edit wrote %+v", got)
	}

	if _, err := kv.PutString(ctx, "garbled", "{"); err != nil {
		t.Fatal(err)
	}
	err := bus.UpdateJSON(ctx, kv, "garbled", func(c *count) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "garbled") {
		t.Errorf("an undecodable value: got %v; want an error naming the key", err)
	}
}

// TestIsConflict: each way a compare-and-set write loses to another writer is a
// conflict, and a missing key is not.
func TestIsConflict(t *testing.T) {
	ctx := context.Background()
	js := bustest.Start(t)
	kv := bustest.KV(t, js, bus.BucketJobs)
	rev, err := kv.Create(ctx, "k", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "k", []byte("2")); err != nil {
		t.Fatal(err)
	}
	_, createErr := kv.Create(ctx, "k", []byte("3"))
	_, updateErr := kv.Update(ctx, "k", []byte("3"), rev)
	deleteErr := kv.Delete(ctx, "k", jetstream.LastRevision(rev))
	for name, err := range map[string]error{"create of a key that exists": createErr, "update at an old revision": updateErr, "delete at an old revision": deleteErr} {
		if !bus.IsConflict(err) {
			t.Errorf("%s: IsConflict(%v) = false", name, err)
		}
	}
	if _, err := kv.Get(ctx, "missing"); bus.IsConflict(err) {
		t.Errorf("a missing key is a conflict: %v", err)
	}
}
