package bus_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// awaitSettled runs bus.AwaitSettled on stream and returns the channel of its result.
func awaitSettled(js jetstream.JetStream, stream string) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- bus.AwaitSettled(ctx, js, stream)
	}()
	return done
}

// ended fails t unless the wait ended without error within d. Without an event the wait
// reads again only after 5 s (settledRecheck): a d under that says the event was seen.
func ended(t *testing.T, done <-chan error, d time.Duration, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s: still waiting after %v", what, d)
	}
}

// notEnded fails t if the wait has ended already.
func notEnded(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s: the wait ended (err %v) with messages unsettled", what, err)
	default:
	}
}

// publishN puts n messages on FILINGS.
func publishN(t *testing.T, js jetstream.JetStream, n int) {
	t.Helper()
	for i := range n {
		if _, err := bus.Publish(context.Background(), js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), Value: i}); err != nil {
			t.Fatal(err)
		}
	}
}

// fetchN takes n deliveries of c's consumer.
func fetchN(t *testing.T, js jetstream.JetStream, c bus.Consumer, n int) []jetstream.Msg {
	t.Helper()
	cons, err := c.Ensure(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if len(msgs) != n {
		t.Fatalf("fetched %d messages from %s; want %d", len(msgs), c.Durable, n)
	}
	return msgs
}

// TestAwaitSettledEndsOnTheLastSettlement: two stages hold FILINGS' messages; after the
// wait has read them unsettled, the last settlement alone ends it, whichever event it is
// (an acknowledgement, a parking): nothing polls to catch it later.
func TestAwaitSettledEndsOnTheLastSettlement(t *testing.T) {
	for _, last := range []string{"ack", "park"} {
		t.Run("last "+last, func(t *testing.T) {
			e := bustest.Server(t)
			_, js := bustest.JetStream(t, e)
			ctx := context.Background()
			acker := bus.Consumer{Stage: "a", Stream: bus.Filings, Durable: "a"}
			parker := bus.Consumer{Stage: "b", Stream: bus.Filings, Durable: "b", MaxDeliver: 1}
			publishN(t, js, 2)
			acked, parked := fetchN(t, js, acker, 2), fetchN(t, js, parker, 2)
			ack := func(i int) {
				if err := acked[i].DoubleAck(ctx); err != nil {
					t.Fatal(err)
				}
			}
			park := func(i int) { parker.Settle(ctx, js, quiet, parked[i], fault.Permanentf("refused")) }
			ack(0)
			park(0)
			settleLast := func() { park(1) }
			if last == "ack" {
				park(1)
				settleLast = func() { ack(1) }
			} else {
				ack(1)
			}

			reads := consumerReads(t, e, bus.Filings)
			done := awaitSettled(js, bus.Filings)
			<-reads
			notEnded(t, done, "one message settled by one stage of two")
			settleLast()
			ended(t, done, 3*time.Second, "every message settled by both stages")
		})
	}
}

// consumerReads reports each answered request for the list of stream's consumers on e:
// a wait's read of their state, over.
func consumerReads(tb testing.TB, e *bus.Embedded, stream string) <-chan struct{} {
	tb.Helper()
	nc, _ := bustest.Client(tb, e, "consumer-reads")
	answered := make(chan struct{}, 64)
	// One subscription to every subject sees a request before its answer.
	replies := map[string]bool{}
	if _, err := nc.Subscribe(">", func(m *nats.Msg) {
		switch {
		case m.Subject == "$JS.API.CONSUMER.LIST."+stream:
			replies[m.Reply] = true
		case replies[m.Subject]:
			delete(replies, m.Subject)
			answered <- struct{}{}
		}
	}); err != nil {
		tb.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		tb.Fatal(err)
	}
	return answered
}

// TestAwaitSettledEndsOnAnExhaustedMessage: a message whose holders never answer is
// given up by the server after MaxDeliver; its advisory ends the wait.
func TestAwaitSettledEndsOnAnExhaustedMessage(t *testing.T) {
	js := bustest.Start(t)
	publishN(t, js, 1)
	c := holder("held")
	if _, err := c.Ensure(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	done := awaitSettled(js, bus.Filings)
	exhaust(t, js, c)
	ended(t, done, 3*time.Second, "the only message given up after its deliveries")
}

// TestAwaitSettledAlreadySettled: what settled before the call ends the wait at once.
func TestAwaitSettledAlreadySettled(t *testing.T) {
	js := bustest.Start(t)
	publishN(t, js, 3)
	c := bus.Consumer{Stage: "a", Stream: bus.Filings, Durable: "a"}
	for _, m := range fetchN(t, js, c, 3) {
		if err := m.DoubleAck(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ended(t, awaitSettled(js, bus.Filings), 3*time.Second, "every message acknowledged before the wait")
}

// BenchmarkAwaitSettled measures how long after the last acknowledgement the wait ends
// (lag), against the 250 ms poll of consumer info it replaced (reference), in the same
// run. Each iteration holds one message, starts the wait, lets it read the state once,
// then acknowledges.
func BenchmarkAwaitSettled(b *testing.B) {
	for _, v := range []struct {
		name string
		wait func(context.Context, jetstream.JetStream, string) error
	}{
		{"events", bus.AwaitSettled},
		{"poll-250ms-reference", pollSettled},
	} {
		b.Run(v.name, func(b *testing.B) {
			e := bustest.Server(b)
			_, js := bustest.JetStream(b, e)
			c := bus.Consumer{Stage: "a", Stream: bus.Filings, Durable: "a"}
			cons, err := c.Ensure(context.Background(), js)
			if err != nil {
				b.Fatal(err)
			}
			reads := consumerReads(b, e, bus.Filings)
			var lags []time.Duration
			for b.Loop() {
				if _, err := bus.Publish(context.Background(), js, bus.Out{Subject: bus.Subject(bus.Filings, "cand"), Value: 1}); err != nil {
					b.Fatal(err)
				}
				batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				m := <-batch.Messages()
				done := make(chan time.Time, 1)
				go func() {
					if err := v.wait(context.Background(), js, bus.Filings); err != nil {
						b.Error(err)
					}
					done <- time.Now()
				}()
				<-reads
				acked := time.Now()
				if err := m.Ack(); err != nil {
					b.Fatal(err)
				}
				lags = append(lags, (<-done).Sub(acked))
				for len(reads) > 0 {
					<-reads
				}
			}
			slices.Sort(lags)
			b.ReportMetric(ms(lags[len(lags)/2]), "p50-lag-ms")
			b.ReportMetric(ms(lags[len(lags)-1]), "max-lag-ms")
			b.Logf("%d waits, lag min %v, p50 %v, max %v", len(lags), lags[0], lags[len(lags)/2], lags[len(lags)-1])
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pollSettled is the wait AwaitSettled replaced, kept as the benchmark's reference: it
// read the consumers' state every 250 ms.
func pollSettled(ctx context.Context, js jetstream.JetStream, stream string) error {
	str, err := js.Stream(ctx, stream)
	if err != nil {
		return err
	}
	last := str.CachedInfo().State.LastSeq
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		settled := true
		lister := str.ListConsumers(ctx)
		for ci := range lister.Info() {
			if ci.Config.Durable != "" && ci.AckFloor.Stream < last && (ci.NumPending > 0 || ci.NumAckPending > 0) {
				settled = false
			}
		}
		if err := lister.Err(); err != nil {
			return err
		}
		if settled {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", stream, ctx.Err())
		case <-tick.C:
		}
	}
}
