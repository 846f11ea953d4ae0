package fetcher

import (
	"context"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
)

// TestBudgetLogReadsBackAndSurvivesAnUnreadableValue: the request log keeps the times
// written, a nil answer writes nothing, and a value that does not read as a log counts
// as empty rather than blocking every request.
func TestBudgetLogReadsBackAndSurvivesAnUnreadableValue(t *testing.T) {
	_, js := bustest.JetStream(t, bustest.Server(t))
	kv := bustest.KV(t, js, bus.BucketCursors)
	log := kvBudgetLog{kv: kv, key: budgetKey("tok")}
	ctx := context.Background()
	at := time.UnixMilli(1_700_000_000_000)
	appendAt := func(t time.Time) func([]time.Time) []time.Time {
		return func(ts []time.Time) []time.Time { return append(ts, t) }
	}
	read := func() (got []time.Time) {
		if err := log.Update(ctx, func(ts []time.Time) []time.Time { got = ts; return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}

	for i := range 2 {
		if err := log.Update(ctx, appendAt(at.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(); len(got) != 2 || !got[0].Equal(at) || !got[1].Equal(at.Add(time.Second)) {
		t.Fatalf("log %v; want the two times written", got)
	}
	revision := func() uint64 {
		e, err := kv.Get(ctx, log.key)
		if err != nil {
			t.Fatal(err)
		}
		return e.Revision()
	}
	before := revision()
	if read(); revision() != before {
		t.Errorf("an update answering nil wrote the log")
	}

	for _, bad := range []string{"not json", `{"times":"x"}`} {
		if _, err := kv.Put(ctx, log.key, []byte(bad)); err != nil {
			t.Fatal(err)
		}
		if err := log.Update(ctx, appendAt(at)); err != nil {
			t.Fatalf("over %q: %v", bad, err)
		}
		if got := read(); len(got) != 1 || !got[0].Equal(at) {
			t.Errorf("over %q: log %v; want it begun again with the one time", bad, got)
		}
	}
}
