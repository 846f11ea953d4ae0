package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go/jetstream"
)

// Exhausted is the stream that keeps JetStream's max-deliveries advisories.
//
// Settle parks a message on its last delivery, but only when a handler answers. When the
// process holding the message dies on each of its deliveries (a PDF that kills its
// extractor, a node SIGKILLed at the wrong moment), the server stops redelivering once
// the consumer's MaxDeliver is reached and moves its ack floor past the message: it stays
// in its stream, seen by nobody. The server says so once, in a core NATS advisory on
// AdvisoryMaxDeliveries.<STREAM>.<CONSUMER>. A core message reaches only the subscribers
// present at that instant, and the advisory is sent an AckWait after the last delivery,
// when the stage may well be down (its only replica is the one that died). Consumer info
// keeps no trace of such a message either (it looks acknowledged), so no sweep at start
// could find it cheaply. Capturing the advisories in a stream closes that gap: the server
// stores each one whether or not a watcher runs, and a watcher that starts later reads
// what it missed from its durable consumer.
const Exhausted = "EXHAUSTED"

// AdvisoryMaxDeliveries prefixes the subject of the advisory JetStream publishes when a
// message reached its consumer's MaxDeliver without being acknowledged.
const AdvisoryMaxDeliveries = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

// MaxDeliverAdvisory is the advisory's body, schema io.nats.jetstream.advisory.v1.max_deliver.
// Its Type is not checked: the server sends that one type on AdvisoryMaxDeliveries, the
// only subjects Exhausted keeps, and a later schema of the same advisory must still park
// what it names; a body that does not name a message of this consumer is refused whatever
// its type (handleAdvisory).
type MaxDeliverAdvisory struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Time       time.Time `json:"timestamp"`
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  uint64    `json:"stream_seq"`
	Deliveries uint64    `json:"deliveries"`
	Domain     string    `json:"domain,omitempty"`
}

// exhaustedMaxAge bounds how long an advisory nobody read is kept: a stage down for
// longer than that has bigger problems, and the message is still in its stream.
const exhaustedMaxAge = 30 * 24 * time.Hour

// errGone says the exhausted message no longer exists: the stream's limits removed it,
// or it was deleted. Nothing is left to park.
var errGone = errors.New("message no longer in its stream")

// WatchExhausted parks in DEAD every message of c's durable consumer that the server
// stopped delivering because MaxDeliver was reached without an answer, as Park would
// have (ListParked, GetParked and RetryParked treat it like any parked message). It
// blocks until ctx ends and then returns nil; while NATS does not answer, or refuses the
// advisory stream or its consumer, it logs and tries again with a growing delay. Every
// replica of a stage may run it: the replicas share one durable consumer of the advisory
// stream, and the DEAD message's Nats-Msg-Id drops a second copy.
//
// Consume calls it for its own consumer. A stage with its own pull loop (the indexer's
// batches) runs it beside that loop.
func (c Consumer) WatchExhausted(ctx context.Context, js jetstream.JetStream, log *slog.Logger) error {
	if c.Stream == "" || c.Durable == "" || c.Stage == "" {
		return fmt.Errorf("watching exhausted deliveries: consumer needs a stage, stream and durable name (got %q, %q, %q)", c.Stage, c.Stream, c.Durable)
	}
	if log == nil {
		log = slog.Default()
	}
	c = c.withDefaults()
	Retry(ctx, ExponentialBackoff(time.Second, time.Minute), func(retryIn time.Duration) bool {
		err := c.watchExhausted(ctx, js, log)
		if ctx.Err() != nil {
			return true
		}
		log.Warn("watching exhausted deliveries", "stage", c.Stage, "consumer", c.Durable, "retry_in", retryIn, "err", err)
		return false
	})
	return nil
}

// startExhaustedWatch runs WatchExhausted beside Consume and returns the function that
// stops it and waits for it: Consume may return before its ctx ends (a refused consumer).
func (c Consumer) startExhaustedWatch(ctx context.Context, js jetstream.JetStream, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.WatchExhausted(ctx, js, log); err != nil {
			log.Error("not watching exhausted deliveries", "stage", c.Stage, "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

// exhaustedConsumer names the durable consumer of Exhausted that reads c's advisories.
func (c Consumer) exhaustedConsumer() string { return "exhausted-" + c.Stream + "-" + c.Durable }

// watchExhausted sets up the advisory stream and consumer and handles advisories until ctx
// ends (nil) or the consumer fails (its error).
func (c Consumer) watchExhausted(ctx context.Context, js jetstream.JetStream, log *slog.Logger) error {
	cons, err := c.ensureExhausted(ctx, js)
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(16), jetstream.PullExpiry(PullExpiry))
	if err != nil {
		return fmt.Errorf("pulling advisories for %s: %w", c.Durable, err)
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		it.Stop()
	}()
	for {
		msg, err := it.Next()
		switch {
		case err == nil:
			c.handleAdvisory(ctx, js, log, msg)
		case errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil:
			return nil
		case errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound):
			return fmt.Errorf("pulling advisories for %s: %w", c.Durable, err)
		default:
			// The iterator reconnects by itself; say so once in a while, not per pull.
			log.Debug("pulling advisories", "stage", c.Stage, "err", err)
		}
	}
}

// ensureExhausted creates c's consumer of the advisory stream (Setup creates the stream).
func (c Consumer) ensureExhausted(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	cons, err := js.CreateOrUpdateConsumer(ctx, Exhausted, jetstream.ConsumerConfig{
		Durable:       c.exhaustedConsumer(),
		FilterSubject: AdvisoryMaxDeliveries + "." + c.Stream + "." + c.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 16,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("creating consumer %s on %s: %w", c.exhaustedConsumer(), Exhausted, err)
	}
	return cons, nil
}

// handleAdvisory parks the message one advisory names and settles the advisory: acked
// when parked or when nothing is left to park, retried later when DEAD or the stream
// did not answer.
func (c Consumer) handleAdvisory(ctx context.Context, js jetstream.JetStream, log *slog.Logger, msg jetstream.Msg) {
	var adv MaxDeliverAdvisory
	if err := json.Unmarshal(msg.Data(), &adv); err != nil || adv.StreamSeq == 0 || adv.Stream != c.Stream || adv.Consumer != c.Durable {
		// Not an advisory about this consumer (someone published on its subject): no
		// retry can make it one.
		log.Warn("ignoring malformed max-deliveries advisory", "stage", c.Stage, "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("malformed advisory")
		return
	}
	err := c.parkExhausted(ctx, js, adv)
	switch {
	case err == nil:
		log.Warn("parked", "stage", c.Stage, "stream_seq", adv.StreamSeq, "attempts", adv.Deliveries, "err", "delivery limit reached without an answer")
		_ = msg.Ack()
	case errors.Is(err, errGone):
		// Nothing lost that still exists: the stream's limits (or an operator) removed it.
		log.Info("exhausted message already gone", "stage", c.Stage, "stream", adv.Stream, "stream_seq", adv.StreamSeq)
		_ = msg.Ack()
	case ctx.Err() != nil:
		// Stopping: the advisory stays unacknowledged and comes back to the next watcher.
	default:
		attempts := 1
		if md, merr := msg.Metadata(); merr == nil {
			attempts = int(md.NumDelivered)
		}
		delay := c.Backoff(attempts)
		log.Warn("parking exhausted message", "stage", c.Stage, "stream_seq", adv.StreamSeq, "retry_in", delay, "err", err)
		_ = msg.NakWithDelay(delay)
	}
}

// parkExhausted copies the message adv names from its stream into DEAD, with the
// deliveries it was given and why it never settled. It returns an error wrapping errGone
// when the message no longer exists. Parking the same message twice (two watchers, a
// retried advisory) stores it once.
func (c Consumer) parkExhausted(ctx context.Context, js jetstream.JetStream, adv MaxDeliverAdvisory) error {
	str, err := js.Stream(ctx, adv.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("stream %s: %w", adv.Stream, errGone)
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", adv.Stream, err)
	}
	raw, err := str.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("message %d of %s: %w", adv.StreamSeq, adv.Stream, errGone)
	}
	if err != nil {
		return fmt.Errorf("reading message %d of %s: %w", adv.StreamSeq, adv.Stream, err)
	}
	// As Park does: the parked message carries the trace the message carried.
	ctx = tracing.Extract(ctx, raw.Header)
	reason := fmt.Sprintf("delivered %d times without an answer: the stage stopped each time", adv.Deliveries)
	id := filing.DocID(raw.Header.Get(HeaderDocID))
	p := filing.Parked{
		Schema: filing.Schema, Stage: c.Stage, ID: id, Reason: reason, Attempts: int(adv.Deliveries),
		Subject: raw.Subject, Data: raw.Data, ParkedAt: time.Now().UTC(),
	}
	_, err = Publish(ctx, js, Out{
		Subject: Subject(Dead, c.Stage), MsgID: deadMsgID(c.Stage, raw.Subject, adv.StreamSeq), DocID: id, Value: p,
	})
	return err
}

// deadMsgID is the Nats-Msg-Id of a parked message, for Park and parkExhausted alike, so
// that a message parked by its handler on its last delivery and then by its advisory (the
// process died between parking and Term) is stored once.
func deadMsgID(stage, subject string, seq uint64) string {
	return "dead:" + stage + ":" + subject + ":" + strconv.FormatUint(seq, 10)
}
