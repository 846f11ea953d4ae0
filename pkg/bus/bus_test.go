package bus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/nats-io/nats.go/jetstream"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestSetupIsIdempotent(t *testing.T) {
	e := bustest.Server(t)
	_, js := bustest.JetStream(t, e)
	ctx := context.Background()
	if err := bus.Setup(ctx, js, bus.Options{}); err != nil {
		t.Fatalf("second Setup: %v", err)
	}
	for _, name := range []string{bus.Filings, bus.Texts, bus.Indexed, bus.Alerts, bus.Dead} {
		if _, err := js.Stream(ctx, name); err != nil {
			t.Errorf("stream %s: %v", name, err)
		}
	}
}

func TestPublishDeduplicatesByMsgID(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	out := bus.Out{Subject: bus.Subject(bus.Filings, "cand"), MsgID: bus.MsgID("fetcher", "cand/1:20-cv-1/1/0", "h1"), Value: map[string]int{"a": 1}}
	for i, wantDup := range []bool{false, true} {
		dup, err := bus.Publish(ctx, js, out)
		if err != nil || dup != wantDup {
			t.Fatalf("publish %d: dup=%v err=%v; want dup=%v", i, dup, err, wantDup)
		}
	}
	info, _ := js.Stream(ctx, bus.Filings)
	if n := info.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("stream holds %d messages; want 1", n)
	}
}

// TestAckPolicy drives one message of each outcome through Consume and checks where each
// ends: acknowledged, retried then acknowledged, parked at once, parked after MaxDeliver.
func TestAckPolicy(t *testing.T) {
	js := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	outcomes := map[string]func(attempt int) error{
		"ok":        func(int) error { return nil },
		"flaky":     func(n int) error { return errIf(n < 2, errors.New("timeout")) },
		"malformed": func(int) error { return fault.Permanentf("not a PDF") },
		"hopeless":  func(int) error { return errors.New("always down") },
		"panics":    func(int) error { panic("boom") },
	}
	for name := range outcomes {
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, name), DocID: filing.DocID("x:" + name), Value: name}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	attempts := map[string]int{}
	done := map[string]bool{}
	c := bus.Consumer{Stage: "test", Stream: bus.Filings, Durable: "test", MaxDeliver: 3, Concurrency: 2,
		AckWait: 2 * time.Second, Backoff: func(int) time.Duration { return 50 * time.Millisecond }}
	go c.Consume(ctx, js, quiet, func(ctx context.Context, msg jetstream.Msg) error {
		name := msg.Subject()[len("filings."):]
		mu.Lock()
		attempts[name]++
		n := attempts[name]
		mu.Unlock()
		err := outcomes[name](n)
		if err == nil {
			mu.Lock()
			done[name] = true
			mu.Unlock()
		}
		return err
	})

	poll.UntilGot(t, 20*time.Second, "three messages in DEAD", func() (bool, string) {
		n := bustest.Count(t, js, bus.Dead)
		mu.Lock()
		defer mu.Unlock()
		return n == 3, fmt.Sprintf("%d (attempts %v)", n, attempts)
	})
	mu.Lock()
	defer mu.Unlock()
	if !done["ok"] || !done["flaky"] || attempts["flaky"] != 2 {
		t.Errorf("ok/flaky not acknowledged as expected: done %v attempts %v", done, attempts)
	}
	if attempts["malformed"] != 1 || attempts["panics"] != 1 {
		t.Errorf("permanent failures retried: attempts %v; want 1 each", attempts)
	}
	if attempts["hopeless"] != 3 {
		t.Errorf("hopeless tried %d times; want MaxDeliver=3", attempts["hopeless"])
	}
	parked := map[filing.DocID]bool{}
	for _, m := range bustest.Messages(t, js, bus.Dead) {
		parked[filing.DocID(m.Headers().Get(bus.HeaderDocID))] = true
	}
	for _, id := range []filing.DocID{"x:malformed", "x:hopeless", "x:panics"} {
		if !parked[id] {
			t.Errorf("%s not parked; parked %v", id, parked)
		}
	}
}

func errIf(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

func TestRetryParked(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), DocID: "x:bad", Value: "pdf"}); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	c := bus.Consumer{Stage: "test", Stream: bus.Filings, Durable: "retry", MaxDeliver: 1}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{}, 4)
	go c.Consume(cctx, js, quiet, func(ctx context.Context, msg jetstream.Msg) error {
		attempts.Add(1)
		defer func() { done <- struct{}{} }()
		if fail.Load() {
			return fault.Permanentf("not a PDF")
		}
		return nil
	})
	<-done
	var parked []bus.ParkedMsg
	poll.UntilGot(t, 10*time.Second, "x:bad parked by test with its reason", func() (bool, string) {
		var err error
		parked, err = bus.ListParked(ctx, js, 0) // parking follows the handler
		return err == nil && len(parked) == 1 && parked[0].ID == "x:bad" && parked[0].Reason == "not a PDF" && parked[0].Stage == "test",
			fmt.Sprintf("%+v, %v", parked, err)
	})
	fail.Store(false)
	if err := bus.RetryParked(ctx, js, parked[0].Seq); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the retried message never reached the stage")
	}
	if left, _ := bus.ListParked(ctx, js, 0); len(left) != 0 {
		t.Errorf("DEAD still holds %+v after the retry", left)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("handled %d times; want 2", n)
	}
}

// TestRetryInIgnoresBackoff: a message put back with RetryIn comes back after the delay
// it names, not the consumer's backoff (an hour here), without a log line at Info each
// time, and still parks on its last allowed delivery.
func TestRetryInIgnoresBackoff(t *testing.T) {
	js := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, name := range []string{"once", "always"} {
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, name), DocID: filing.DocID("x:" + name), Value: name}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	deliveries := map[string]int{}
	c := bus.Consumer{Stage: "test", Stream: bus.Filings, Durable: "retry-in", MaxDeliver: 3, Concurrency: 2,
		Backoff: func(int) time.Duration { return time.Hour }}
	logs := &runtest.Buffer{} // at Info, where a failure's retries are logged
	go c.Consume(ctx, js, slog.New(slog.NewTextHandler(logs, nil)), func(ctx context.Context, msg jetstream.Msg) error {
		name := msg.Subject()[len("filings."):]
		mu.Lock()
		deliveries[name]++
		n := deliveries[name]
		mu.Unlock()
		return errIf(name == "always" || n < 2, bus.RetryIn(errors.New("no room"), 50*time.Millisecond))
	})
	poll.UntilGot(t, 10*time.Second, `"once" delivered twice, "always" three times and parked`, func() (bool, string) {
		mu.Lock()
		once, always := deliveries["once"], deliveries["always"]
		mu.Unlock()
		parked, err := bus.ListParked(ctx, js, 0)
		return err == nil && once == 2 && always == 3 && len(parked) == 1 && parked[0].ID == "x:always",
			fmt.Sprintf("once %d, always %d, DEAD %+v (%v)", once, always, parked, err)
	})
	if out := logs.String(); strings.Contains(out, "retrying later") {
		t.Errorf("a message put back with RetryIn was logged at Info:\n%s", out)
	}
}

// TestSettledReportsRetries: Consumer.Settled hears, for each message that failed or
// came back, whether Settle put it back and after how long — the delay the message
// really waits (its backoff, or what a rate limit asked, or RetryIn's) — and when it is
// done with; a first delivery that succeeds costs nothing.
func TestSettledReportsRetries(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	type report struct {
		retried bool
		delay   time.Duration
	}
	var got []report
	c := bus.Consumer{Stage: "settled", Stream: bus.Filings, Durable: "settled", MaxDeliver: 3,
		Backoff: func(n int) time.Duration { return time.Duration(n) * 10 * time.Millisecond },
		Settled: func(_ context.Context, _ jetstream.Msg, _ error, retried bool, delay time.Duration) {
			got = append(got, report{retried, delay})
		}}
	for i, step := range []struct {
		publish bool
		err     error
		want    []report // what Settled heard, in all, after this step
	}{
		{true, nil, nil}, // delivered at once: nothing to report
		{true, errors.New("receiver down"), []report{{true, 10 * time.Millisecond}}},
		{false, fault.RateLimitedErr(errors.New("slow down"), 30*time.Millisecond), []report{{true, 10 * time.Millisecond}, {true, 30 * time.Millisecond}}},
		{false, nil, []report{{true, 10 * time.Millisecond}, {true, 30 * time.Millisecond}, {false, 0}}},
		{true, bus.RetryIn(errors.New("busy"), 15*time.Millisecond), []report{{true, 10 * time.Millisecond}, {true, 30 * time.Millisecond}, {false, 0}, {true, 15 * time.Millisecond}}},
		{false, fault.Permanentf("refused"), []report{{true, 10 * time.Millisecond}, {true, 30 * time.Millisecond}, {false, 0}, {true, 15 * time.Millisecond}, {false, 0}}},
	} {
		if step.publish {
			if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), Value: i}); err != nil {
				t.Fatal(err)
			}
		}
		c.Settle(ctx, js, quiet, fetchOne(t, c, js), step.err)
		if !slices.Equal(got, step.want) {
			t.Fatalf("step %d: Settled heard %v; want %v", i, got, step.want)
		}
	}
}
