package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/nats-io/nats.go/jetstream"
)

// holder is a consumer whose messages are never answered in these tests: the process
// holding each delivery is "killed" before it acks, naks or terms.
func holder(durable string) bus.Consumer {
	return bus.Consumer{Stage: "test", Stream: bus.Filings, Durable: durable, MaxDeliver: 2, AckWait: 300 * time.Millisecond}
}

// exhaust takes every delivery of the consumer's one message and answers none, as a
// holder SIGKILLed on each delivery would, until the server stops redelivering it. It
// returns the message's stream sequence and how many times it was delivered.
func exhaust(t *testing.T, js jetstream.JetStream, c bus.Consumer) (seq uint64, deliveries int) {
	t.Helper()
	cons, err := c.Ensure(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(3*c.AckWait))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			deliveries++
			md, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			seq = md.Sequence.Stream
		}
		if got == 0 && deliveries > 0 {
			return seq, deliveries // three AckWaits without a redelivery: given up
		}
	}
	t.Fatalf("the server was still redelivering after %d deliveries", deliveries)
	return 0, 0
}

// TestExhaustedDeliveriesAreParked: a message whose every delivery was taken by a holder
// that died (fetched, never answered) until the server's MaxDeliver ran out is parked in
// DEAD with the reason, once, though two watchers (two replicas of the stage) run; a
// repeated advisory parks nothing more, an advisory about a message gone from its stream
// is logged once and dropped; and the parked message retries like any other.
func TestExhaustedDeliveriesAreParked(t *testing.T) {
	e := bustest.Server(t)
	nc, js := bustest.JetStream(t, e)
	_, js2 := bustest.JetStream(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &runtest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	c := holder("holder")
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for _, w := range []jetstream.JetStream{js, js2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.WatchExhausted(ctx, w, log); err != nil {
				t.Errorf("WatchExhausted: %v", err)
			}
		}()
	}
	bustest.WaitConsumer(t, js, 20*time.Second, bus.Exhausted, "exhausted-"+bus.Filings+"-holder")

	body := map[string]string{"pdf": "sha256:abc"}
	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), DocID: "x:killer", Value: body}); err != nil {
		t.Fatal(err)
	}
	seq, deliveries := exhaust(t, js, c)
	// The server's limit is one above the consumer's, so that a live handler always sees
	// (and parks) the last attempt itself.
	if deliveries != c.MaxDeliver+1 {
		t.Fatalf("delivered %d times; want %d", deliveries, c.MaxDeliver+1)
	}

	var parked []bus.ParkedMsg
	poll.Until(t, 20*time.Second, "the exhausted message in DEAD", func() bool {
		var err error
		parked, err = bus.ListParked(ctx, js, 0)
		return err == nil && len(parked) > 0
	})
	// A second copy could only come from the advisory handled again: wait until the
	// watchers have settled it.
	bustest.WaitDrained(t, js, 20*time.Second, bustest.Durable{Stream: bus.Exhausted, Name: "exhausted-" + bus.Filings + "-holder", Delivered: 1})
	parked, err := bus.ListParked(ctx, js, 0)
	if err != nil || len(parked) != 1 {
		t.Fatalf("ListParked = %+v, %v; want the message once", parked, err)
	}
	p := parked[0]
	wantData, _ := json.Marshal(body)
	if p.Stage != "test" || p.ID != "x:killer" || p.Subject != "filings.cand" || !bytes.Equal(p.Data, wantData) || p.Attempts != 3 {
		t.Errorf("parked %+v; want stage test, x:killer from filings.cand with its data, 3 attempts", p)
	}
	if want := "delivered 3 times without an answer: the stage stopped each time"; p.Reason != want {
		t.Errorf("reason %q; want %q", p.Reason, want)
	}
	if got, err := bus.GetParked(ctx, js, p.Seq); err != nil || got.Reason != p.Reason {
		t.Errorf("GetParked = %+v, %v; want the same message", got, err)
	}

	// The same advisory again (a watcher that parked and died before acking it), and one
	// about a message the stream no longer holds.
	advisory := func(streamSeq uint64) {
		data, _ := json.Marshal(bus.MaxDeliverAdvisory{Type: "io.nats.jetstream.advisory.v1.max_deliver", Stream: bus.Filings,
			Consumer: "holder", StreamSeq: streamSeq, Deliveries: 3})
		if err := nc.Publish(bus.AdvisoryMaxDeliveries+"."+bus.Filings+".holder", data); err != nil {
			t.Fatal(err)
		}
	}
	advisory(seq)
	advisory(seq + 1000)
	bustest.WaitDrained(t, js, 20*time.Second, bustest.Durable{Stream: bus.Exhausted, Name: "exhausted-" + bus.Filings + "-holder", Delivered: 3})
	if parked, err := bus.ListParked(ctx, js, 0); err != nil || len(parked) != 1 {
		t.Errorf("after a repeated advisory ListParked = %+v, %v; want the one message", parked, err)
	}
	out := logs.String()
	if n := strings.Count(out, "exhausted message already gone"); n != 1 {
		t.Errorf("the gone message was logged %d times; want once:\n%s", n, out)
	}
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "parking exhausted message") {
		t.Errorf("errors logged:\n%s", out)
	}

	// Retried, it reaches the stage again as a new message.
	if err := bus.RetryParked(ctx, js, p.Seq); err != nil {
		t.Fatal(err)
	}
	m := fetchOne(t, c, js)
	if !bytes.Equal(m.Data(), wantData) || m.Headers().Get(bus.HeaderDocID) != "x:killer" {
		t.Errorf("retried message %s %q; want x:killer's data", m.Headers().Get(bus.HeaderDocID), m.Data())
	}
	_ = m.Ack()
}

// TestConsumeParksWhatItMissedWhileDown: Consume watches its own consumer, and a message
// exhausted while no process of the stage ran (so nobody heard the advisory) is parked
// when the stage starts again.
func TestConsumeParksWhatItMissedWhileDown(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	c := holder("stage")
	handled := make(chan string, 10)
	h := func(_ context.Context, m jetstream.Msg) error {
		handled <- m.Headers().Get(bus.HeaderDocID)
		return nil
	}
	run := func() (stop func()) {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- c.Consume(rctx, js, quiet, h) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Consume: %v", err)
			}
		}
	}
	stop := run()
	bustest.WaitConsumer(t, js, 20*time.Second, bus.Exhausted, "exhausted-"+bus.Filings+"-stage")
	stop()

	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "nysd"), DocID: "x:orphan", Value: "pdf"}); err != nil {
		t.Fatal(err)
	}
	exhaust(t, js, c)
	exhausted, err := js.Stream(ctx, bus.Exhausted)
	if err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 20*time.Second, "the advisory kept while the stage is down", func() bool {
		info, err := exhausted.Info(ctx)
		return err == nil && info.State.Msgs == 1
	})
	if parked, _ := bus.ListParked(ctx, js, 0); len(parked) != 0 {
		t.Fatalf("parked %+v with no stage running", parked)
	}

	stop = run()
	defer stop()
	var parked []bus.ParkedMsg
	poll.Until(t, 20*time.Second, "the orphan parked once the stage is back", func() bool {
		parked, _ = bus.ListParked(ctx, js, 0)
		return len(parked) == 1
	})
	if p := parked[0]; p.ID != "x:orphan" || !strings.HasPrefix(p.Reason, "delivered 3 times") {
		t.Errorf("parked %+v; want x:orphan after 3 deliveries", p)
	}
	select {
	case id := <-handled:
		t.Errorf("the handler saw %s; the server had given it up", id)
	default:
	}
}

// TestWatchExhaustedNeedsNames: a consumer without names is refused, not watched.
func TestWatchExhaustedNeedsNames(t *testing.T) {
	js := bustest.Start(t)
	err := bus.Consumer{Stream: bus.Filings}.WatchExhausted(context.Background(), js, quiet)
	if err == nil {
		t.Fatal("got nil; want an error for a consumer without a stage and durable name")
	}
}

// TestParkAndAdvisoryStoreOnce: a message its handler parked (Park) and that an advisory
// then names too (the process died before its Term) is stored in DEAD once: both paths
// give it the same Nats-Msg-Id.
func TestParkAndAdvisoryStoreOnce(t *testing.T) {
	nc, js := bustest.JetStream(t, bustest.Server(t))
	ctx, cancel := context.WithCancel(context.Background())
	c := holder("both")
	done := make(chan struct{})
	defer func() { cancel(); <-done }()
	go func() {
		defer close(done)
		if err := c.WatchExhausted(ctx, js, quiet); err != nil {
			t.Errorf("WatchExhausted: %v", err)
		}
	}()
	bustest.WaitConsumer(t, js, 20*time.Second, bus.Exhausted, "exhausted-"+bus.Filings+"-both")

	if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), DocID: "x:twice", Value: "pdf"}); err != nil {
		t.Fatal(err)
	}
	cons, err := c.Ensure(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Park(ctx, js, c.Stage, msg, errors.New("boom"), 2); err != nil {
		t.Fatal(err)
	}
	md, err := msg.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(bus.MaxDeliverAdvisory{Stream: bus.Filings, Consumer: "both", StreamSeq: md.Sequence.Stream, Deliveries: 3})
	if err := nc.Publish(bus.AdvisoryMaxDeliveries+"."+bus.Filings+".both", data); err != nil {
		t.Fatal(err)
	}
	bustest.WaitDrained(t, js, 20*time.Second, bustest.Durable{Stream: bus.Exhausted, Name: "exhausted-" + bus.Filings + "-both", Delivered: 1})
	if parked, err := bus.ListParked(ctx, js, 0); err != nil || len(parked) != 1 || parked[0].Reason != "boom" {
		t.Errorf("ListParked = %+v, %v; want x:twice once, as its handler parked it", parked, err)
	}
}
