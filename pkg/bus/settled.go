package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Subjects of the server's events after which a durable consumer's ack floor may have
// moved, each followed by .<STREAM>.<CONSUMER>; AdvisoryMaxDeliveries (advisory.go) is
// the third.
const (
	// MetricAck is the ack metric the server publishes for each acknowledgement of a
	// consumer whose SampleFrequency is 100%, as every Consumer's is (ensure).
	MetricAck = "$JS.EVENT.METRIC.CONSUMER.ACK"
	// AdvisoryTerminated follows each Term: a parked message (Settle).
	AdvisoryTerminated = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED"
)

// AwaitSettled waits until every durable consumer of stream has settled the stream up
// to its last message at the call: acknowledged, terminated (parked), or given up after
// MaxDeliver. It reads the consumers' state once at the start, then again only after an
// event that can move an ack floor (MetricAck, AdvisoryTerminated, AdvisoryMaxDeliveries),
// one read for all the events that arrived meanwhile: it ends within a round trip of the
// last settlement. While acknowledgements stream in, reads are at least settledReadGap
// apart; while nothing happens, one read every settledRecheck.
//
// Those events, not the acknowledgements themselves ($JS.ACK.<stream>.>, which any
// subscriber sees too): the server queues an ack and applies it later, so a read right
// after one sees the old floor now and then (measured: 7–19 of 2,000 reads), and the
// last ack would leave the wait hanging. The server sends each of these events while it
// holds the consumer's lock to move the floor, and a read takes that lock: a read after
// an event sees its move.
//
// A core NATS event reaches only a connected subscriber: the events of a disconnection
// are lost, so a reconnect counts as one. A durable consumer made other than by Consumer
// sends no ack metric: its acks are seen only with the other events. On a server that
// limits what a user may subscribe to, the user needs $JS.EVENT.>.
func AwaitSettled(ctx context.Context, js jetstream.JetStream, stream string) error {
	nc := js.Conn()
	changed := make(chan struct{}, 1)
	wake := func() {
		select {
		case changed <- struct{}{}:
		default: // a read is due already: it sees this event's change too
		}
	}
	for _, prefix := range []string{MetricAck, AdvisoryTerminated, AdvisoryMaxDeliveries} {
		sub, err := nc.Subscribe(prefix+"."+stream+".*", func(*nats.Msg) { wake() })
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", stream, err)
		}
		defer sub.Unsubscribe()
	}
	reconnected := nc.StatusChanged(nats.CONNECTED)
	defer nc.RemoveStatusListener(reconnected)
	// The server has the subscriptions before the first read: an event between that
	// read and them would otherwise be missed.
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := nc.FlushWithContext(fctx)
	cancel()
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", stream, err)
	}
	str, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", stream, err)
	}
	last := str.CachedInfo().State.LastSeq
	recheck := time.NewTimer(settledRecheck)
	defer recheck.Stop()
	for {
		read := time.Now()
		settled, err := consumersSettled(ctx, str, last)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", stream, err)
		}
		if settled {
			return nil
		}
		recheck.Reset(settledRecheck)
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", stream, ctx.Err())
		case <-changed:
		case <-reconnected:
		case <-recheck.C:
		}
		if gap := time.Until(read.Add(settledReadGap)); gap > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", stream, ctx.Err())
			case <-time.After(gap):
			}
		}
	}
}

const (
	// settledRecheck bounds a wait no event ends: a consumer made by a release before
	// Consumer sampled acks (still running, not yet restarted) sends no ack metric, and
	// an event can be lost inside a cluster while this client stays connected.
	settledRecheck = 5 * time.Second
	// settledReadGap spaces the reads while acks stream in: each read lists the stream's
	// consumers, which in a cluster the meta leader answers by asking every consumer's
	// leader. The last ack after a pause is read at once.
	settledReadGap = 20 * time.Millisecond
)

// consumersSettled reports whether every durable consumer of str has settled up to last.
// It reads the whole list: the lister's goroutine blocks for good on a consumer nobody
// takes.
func consumersSettled(ctx context.Context, str jetstream.Stream, last uint64) (bool, error) {
	settled := true
	lister := str.ListConsumers(ctx)
	for ci := range lister.Info() {
		if ci.Config.Durable == "" {
			continue // a reader's ordered consumer, not a stage
		}
		if ci.AckFloor.Stream < last && (ci.NumPending > 0 || ci.NumAckPending > 0) {
			settled = false
		}
	}
	return settled, lister.Err()
}
