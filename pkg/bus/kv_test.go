package bus_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/nats-io/nats.go/jetstream"
)

func TestList(t *testing.T) {
	ctx := context.Background()
	_, js := bustest.JetStream(t, bustest.Server(t))
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
