package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/docketwatch/docketwatch/pkg/clock"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/telemetry/tracing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"
)

// Consumer describes a durable, explicit-ack consumer of one stage.
type Consumer struct {
	// Stage names the stage in logs and in DEAD ("extractor", "indexer").
	Stage   string
	Stream  string
	Durable string
	// Filter limits the consumer to some subjects of the stream; empty takes them all.
	Filter string
	// AckWait is how long a message may be worked on without a heartbeat before it is
	// redelivered; handlers get InProgress heartbeats every AckWait/2.
	AckWait time.Duration
	// MaxDeliver is how many times a message is tried before it is parked in DEAD.
	MaxDeliver int
	// Concurrency is how many messages are handled at once (Consume only).
	Concurrency int
	// MaxAckPending bounds the messages handed out and not yet acknowledged: the bound
	// on the stage's in-flight work and memory.
	MaxAckPending int
	// Backoff is the delay before the n-th retry of a transient failure.
	Backoff func(attempt int) time.Duration
	// Observe, when set, is told how each message ended (ack, retry, parked) and how
	// long it took: the stage's metrics.
	Observe func(stage, outcome string, took time.Duration)
	// Settled, when set, is told how Settle left each message that failed or was
	// delivered more than once: put back to be retried after retryIn (retried), or done
	// with (acknowledged or parked). Alert channels keep their retry queue with it.
	Settled func(ctx context.Context, msg jetstream.Msg, err error, retried bool, retryIn time.Duration)
}

func (c Consumer) withDefaults() Consumer {
	c.AckWait = config.Default(c.AckWait, 30*time.Second)
	c.MaxDeliver = config.Default(c.MaxDeliver, 5)
	c.Concurrency = config.Default(c.Concurrency, 1)
	c.MaxAckPending = config.Default(c.MaxAckPending, 4*c.Concurrency)
	if c.Backoff == nil {
		c.Backoff = ExponentialBackoff(time.Second, 5*time.Minute)
	}
	return c
}

// ExponentialBackoff doubles from base for each attempt, up to max.
func ExponentialBackoff(base, max time.Duration) func(int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}

// Jitter is d moved by up to a quarter either way, at random: callers that failed
// together (courts polled at once, fetchers sharing an API) retry apart, not in step.
// Waits that back off add it to ExponentialBackoff's (fetcher, courtlistener.Client).
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d*3/4 + rand.N(d/2+1)
}

// Retry calls try with the waits of backoff (attempt 1, 2, …) until it reports done,
// sleeping that wait after each try that is not; try gets the wait to come, to say it in
// a log. Retry returns ctx's error when ctx ends first. Every loop that waits for NATS
// retries through it, with ExponentialBackoff.
func Retry(ctx context.Context, backoff func(attempt int) time.Duration, try func(retryIn time.Duration) (done bool)) error {
	for attempt := 1; ; attempt++ {
		wait := backoff(attempt)
		if try(wait) {
			return nil
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Ensure creates or updates the durable consumer. While the server does not answer (NATS
// restarting or unreachable, a cluster electing a leader) it tries again with backoff until
// ctx ends, saying so in the default logger: a stage that gave up here would leave its
// process running and doing nothing. An answer that refuses the consumer is returned.
func (c Consumer) Ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	c = c.withDefaults()
	var cons jetstream.Consumer
	var err error
	if Retry(ctx, ExponentialBackoff(100*time.Millisecond, 5*time.Second), func(retryIn time.Duration) bool {
		cons, err = c.ensure(ctx, js)
		if err == nil || ctx.Err() != nil || !Unanswered(err) {
			return true
		}
		slog.Default().Warn("waiting for nats to create a consumer", "stage", c.Stage, "consumer", c.Durable, "retry_in", retryIn, "err", err)
		return false
	}) != nil {
		return nil, err
	}
	return cons, err
}

// Unanswered reports whether err means the JetStream API gave no answer (a timeout, no
// responders, a connection down) or answered that it is temporarily unavailable: the same
// call may succeed later.
func Unanswered(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == 503 || apiErr.Code == 408
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionReconnecting) ||
		errors.Is(err, nats.ErrConnectionDraining) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled)
}

func (c Consumer) ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	cons, err := js.CreateOrUpdateConsumer(ctx, c.Stream, jetstream.ConsumerConfig{
		Durable:       c.Durable,
		FilterSubject: c.Filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		// The server's own redelivery limit sits above ours so that our handler always
		// sees the last attempt and parks it, rather than the server dropping it silently.
		MaxDeliver:    c.MaxDeliver + 1,
		MaxAckPending: c.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		// Every acknowledgement sends an ack metric, the event AwaitSettled waits on
		// (settled.go). The server encodes and sends one only while someone subscribes.
		SampleFrequency: "100%",
	})
	if err != nil {
		return nil, fmt.Errorf("creating consumer %s on %s: %w", c.Durable, c.Stream, err)
	}
	return cons, nil
}

// Handler handles one message. nil acknowledges it; an error classified by package
// fault decides between a retry later and parking in DEAD.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// Consume runs h on the consumer's messages, Concurrency at a time, until ctx ends; then
// it stops pulling, waits for the handlers under way and returns. Handlers see a context
// that is not cancelled by ctx, so that work in progress finishes and is acknowledged
// during a drain.
func (c Consumer) Consume(ctx context.Context, js jetstream.JetStream, log *slog.Logger, h Handler) error {
	c = c.withDefaults()
	// What MaxDeliver exhausted without an answer (holders killed) is parked too: advisory.go.
	defer c.startExhaustedWatch(ctx, js, log)()
	cons, err := c.Ensure(ctx, js)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started: nothing was taken
		}
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(c.Concurrency), jetstream.PullExpiry(PullExpiry))
	if err != nil {
		return fmt.Errorf("pulling from %s: %w", c.Durable, err)
	}
	go func() {
		<-ctx.Done()
		it.Stop()
	}()
	// At most Concurrency messages in hand at once: Go waits for a free slot.
	var g errgroup.Group
	g.SetLimit(c.Concurrency)
	defer g.Wait()
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
				return nil
			}
			log.Warn("pulling messages", "stage", c.Stage, "err", err)
			continue
		}
		g.Go(func() error {
			c.handle(ctx, js, log, msg, h)
			return nil
		})
	}
}

// handle runs h on msg and settles it. stop is the consumer's context: its end stops
// holding a message that JetStream cannot take (the handler itself runs to its end).
func (c Consumer) handle(stop context.Context, js jetstream.JetStream, log *slog.Logger, msg jetstream.Msg, h Handler) {
	// The message's span is a child of its publisher's: the handler, what it publishes
	// and the parking of a failure all belong to the trace the message carries.
	sctx, span := tracing.StartConsume(context.Background(), c.Stage, msg.Headers())
	if span.IsRecording() {
		span.SetAttributes(consumeAttrs(c, msg)...)
	}
	hctx, cancel := context.WithCancel(sctx)
	defer cancel()
	go heartbeat(hctx, msg, c.AckWait/2)
	start := time.Now()
	err := holdWhileUnavailable(stop, log, c.Stage, func() error { return safeHandle(hctx, msg, h) })
	cancel()
	outcome := c.Settle(sctx, js, log, msg, err)
	tracing.End(span, outcome, err)
	if c.Observe != nil {
		c.Observe(c.Stage, outcome, time.Since(start))
	}
}

// consumeAttrs describes a consumed message on its span, only when the span records.
func consumeAttrs(c Consumer, msg jetstream.Msg) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		semconv.MessagingDestinationName(msg.Subject()),
		semconv.MessagingConsumerGroupName(c.Durable),
		semconv.MessagingMessageBodySize(len(msg.Data())),
	}
	if id := msg.Headers().Get(HeaderDocID); id != "" {
		attrs = append(attrs, tracing.AttrDocID.String(id))
	}
	if md, err := msg.Metadata(); err == nil {
		attrs = append(attrs, attribute.Int64("messaging.nats.stream_sequence", int64(md.Sequence.Stream)),
			attribute.Int64("messaging.nats.delivered", int64(md.NumDelivered)))
	}
	return attrs
}

// holdWhileUnavailable runs handle, and runs it again for as long as it fails because
// JetStream is not storing (fault.Unavailable) and stop lasts, waiting 1 s doubling to
// 30 s between tries. The message stays in hand (heartbeat keeps it), so a full disk
// costs its messages no delivery attempts, and the stage takes no new work meanwhile.
func holdWhileUnavailable(stop context.Context, log *slog.Logger, stage string, handle func() error) error {
	err := handle()
	tried := true
	_ = Retry(stop, ExponentialBackoff(time.Second, 30*time.Second), func(retryIn time.Duration) bool {
		if !tried {
			err = handle()
		}
		tried = false
		if !fault.IsUnavailable(err) {
			return true
		}
		log.Warn("waiting for jetstream to store again", "stage", stage, "retry_in", retryIn.String(), "err", err)
		return false
	})
	return err
}

// safeHandle turns a handler's panic into a permanent error so that one bad message
// never takes the stage down.
func safeHandle(ctx context.Context, msg jetstream.Msg, h Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fault.Permanentf("handler panicked: %v", r)
		}
	}()
	return h(ctx, msg)
}

// heartbeat tells the server the message is still being worked on, so that long work
// (a 500-page OCR) is not redelivered to another worker.
func heartbeat(ctx context.Context, msg jetstream.Msg, interval time.Duration) {
	every(ctx, interval, func() bool {
		_ = msg.InProgress()
		return true
	})
}

// every calls f every interval until ctx ends or f returns false.
func every(ctx context.Context, interval time.Duration, f func() bool) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !f() {
			return
		}
	}
}

// Outcomes of a handled message, as Settle reports them.
const (
	OutcomeAck    = "ack"
	OutcomeRetry  = "retry"
	OutcomeParked = "parked"
)

// Settle applies the acknowledgement policy to a handled message and says which it
// applied: nil → Ack; permanent, or transient on the last allowed attempt → park in
// DEAD, then Term; transient → Nak with a backoff delay; rate-limited → Nak after the
// delay it asked for.
func (c Consumer) Settle(ctx context.Context, js jetstream.JetStream, log *slog.Logger, msg jetstream.Msg, err error) string {
	c = c.withDefaults()
	attempts := 1
	if md, merr := msg.Metadata(); merr == nil {
		attempts = int(md.NumDelivered)
	}
	outcome, delay := c.settle(ctx, js, log, msg, err, attempts)
	if c.Settled != nil && (err != nil || attempts > 1) {
		c.Settled(ctx, msg, err, outcome == OutcomeRetry, delay)
	}
	return outcome
}

// settle is Settle's policy; it returns the outcome and, for a retry, its delay.
func (c Consumer) settle(ctx context.Context, js jetstream.JetStream, log *slog.Logger, msg jetstream.Msg, err error, attempts int) (string, time.Duration) {
	if err == nil {
		if aerr := msg.Ack(); aerr != nil {
			log.Warn("acknowledging", "stage", c.Stage, "subject", msg.Subject(), "err", aerr)
		}
		return OutcomeAck, 0
	}
	if id := msg.Headers().Get(HeaderDocID); id != "" {
		log = log.With("doc_id", id)
	}
	if tid := tracing.TraceID(ctx); tid != "" {
		log = log.With("trace_id", tid) // a retried or parked message is looked up by its trace
	}
	delay, retried := c.retried(err, attempts)
	if !retried {
		if perr := Park(ctx, js, c.Stage, msg, err, attempts); perr != nil {
			// Not parked: leave it to be redelivered rather than lose it.
			log.Error("parking message", "stage", c.Stage, "subject", msg.Subject(), "err", perr)
			delay = c.Backoff(attempts)
			_ = msg.NakWithDelay(delay)
			return OutcomeRetry, delay
		}
		log.Warn("parked", "stage", c.Stage, "subject", msg.Subject(), "attempts", attempts, "err", err)
		_ = msg.TermWithReason(truncate(err.Error(), 200))
		return OutcomeParked, 0
	}
	level := slog.LevelInfo
	if PutBack(err) {
		// Not a failure: no log line each time it comes back (a busy endpoint's events
		// do, every second or so).
		level = slog.LevelDebug
	}
	log.Log(ctx, level, "retrying later", "stage", c.Stage, "subject", msg.Subject(), "attempt", attempts, "delay", delay, "err", err)
	_ = msg.NakWithDelay(delay)
	return OutcomeRetry, delay
}

// retried says whether Settle puts a message that failed with err on its delivered-th
// delivery back for another try, and after how long: not when err is permanent or the
// deliveries are exhausted (it is parked), except that an unavailable JetStream, no fault
// of the message's, never parks it.
func (c Consumer) retried(err error, delivered int) (time.Duration, bool) {
	if err == nil || fault.IsPermanent(err) || (delivered >= c.MaxDeliver && !fault.IsUnavailable(err)) {
		return 0, false
	}
	var exact *retryIn
	if errors.As(err, &exact) {
		return exact.after, true // no backoff for the deliveries before it
	}
	delay := c.Backoff(delivered)
	if ra := fault.RetryAfter(err); ra > delay {
		delay = ra
	}
	return delay, true
}

// PutBack reports whether err is RetryIn's: a message put back untried, not a failure.
func PutBack(err error) bool {
	var exact *retryIn
	return errors.As(err, &exact)
}

// RetryIn marks err to be retried after exactly d, however often the message was
// delivered before: for a message put back untried (its handler had no room for it just
// now), whose wait must not grow like a failing message's backoff. Settle still parks it
// on its last allowed delivery, or at once if err is permanent. nil stays nil.
func RetryIn(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryIn{err: err, after: d}
}

type retryIn struct {
	err   error
	after time.Duration
}

func (r *retryIn) Error() string { return r.err.Error() }
func (r *retryIn) Unwrap() error { return r.err }

// Park copies a message into DEAD with the reason it could not be handled. The DocID is
// read from the message's Doc-Id header when the publisher set one. The parked message
// carries the trace of ctx or, when ctx has none (a caller with its own loop), the trace
// the message carried, so a parked document is found by its trace id.
func Park(ctx context.Context, js jetstream.JetStream, stage string, msg jetstream.Msg, cause error, attempts int) error {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		ctx = tracing.Extract(ctx, msg.Headers())
	}
	id := filing.DocID(msg.Headers().Get(HeaderDocID))
	p := filing.Parked{
		Schema: filing.Schema, Stage: stage, ID: id, Reason: cause.Error(), Attempts: attempts,
		Subject: msg.Subject(), Data: msg.Data(), ParkedAt: time.Now().UTC(),
	}
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		seq = md.Sequence.Stream
	}
	_, err := Publish(ctx, js, Out{
		Subject: Subject(Dead, stage), MsgID: deadMsgID(stage, msg.Subject(), seq), DocID: id, Value: p,
	})
	return err
}

// HeaderDocID carries the DocID of a message so that parking and tracing need not decode it.
const HeaderDocID = "Doc-Id"

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
