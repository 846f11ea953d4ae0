package bustest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/nats-io/nats.go/jetstream"
)

// Durable names a durable consumer of a stream, for the waits below. Delivered, when
// set, is a stream sequence it must have been handed: it has seen that message.
type Durable struct {
	Stream, Name string
	Delivered    uint64
}

// info asks for d's consumer info; an error says why there is none (not created yet,
// the server not answering).
func info(js jetstream.JetStream, d Durable) (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, d.Stream, d.Name)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}

// WaitConsumer waits up to within until the durable consumer name of stream exists: the
// stage that creates it has set itself up.
func WaitConsumer(tb testing.TB, js jetstream.JetStream, within time.Duration, stream, name string) {
	tb.Helper()
	poll.UntilGot(tb, within, fmt.Sprintf("consumer %s of %s", name, stream), func() (bool, string) {
		if _, err := info(js, Durable{Stream: stream, Name: name}); err != nil {
			return false, err.Error()
		}
		return true, ""
	})
}

// WaitDrained waits up to within until every consumer has nothing left to hand out and
// nothing awaiting an answer (and was handed its Delivered): all its stream held is
// settled. The consumers are checked in the order given, all in one look: list a
// pipeline upstream first, since a stage publishes before it acknowledges, so that once
// a stage is seen idle its output is already visible to the next check.
func WaitDrained(tb testing.TB, js jetstream.JetStream, within time.Duration, consumers ...Durable) {
	tb.Helper()
	names := make([]string, len(consumers))
	for i, d := range consumers {
		names[i] = d.Stream + "/" + d.Name
	}
	poll.UntilGot(tb, within, "consumers drained: "+strings.Join(names, ", "), func() (bool, string) {
		for _, d := range consumers {
			ci, err := info(js, d)
			switch {
			case err != nil:
				return false, fmt.Sprintf("%s: %v", d.Name, err)
			case ci.Delivered.Stream < d.Delivered:
				return false, fmt.Sprintf("%s: handed up to %d, not yet %d", d.Name, ci.Delivered.Stream, d.Delivered)
			case ci.NumPending > 0 || ci.NumAckPending > 0:
				return false, fmt.Sprintf("%s: %d pending, %d unacknowledged", d.Name, ci.NumPending, ci.NumAckPending)
			}
		}
		return true, ""
	})
}

// Parked returns DEAD's messages that stage parked.
func Parked(tb testing.TB, js jetstream.JetStream, stage string) []bus.ParkedMsg {
	tb.Helper()
	all, err := bus.ListParked(context.Background(), js, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var out []bus.ParkedMsg
	for _, p := range all {
		if p.Stage == stage {
			out = append(out, p)
		}
	}
	return out
}
