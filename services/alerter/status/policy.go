package status

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/nats-io/nats.go/jetstream"
)

// Policy is how a channel delivers: how long one attempt may take, how often and how far
// apart an event is tried, and the hooks of the stage's metrics. The webhook and email
// channels embed it in their Config, so that both are bounded, retried and measured the
// same way.
type Policy struct {
	// Timeout bounds one attempt (each channel has its own default).
	Timeout time.Duration
	// MaxAttempts is how often one event is tried before it is parked (default 8).
	MaxAttempts int
	// Backoff is the wait before the n-th retry (each channel has its own default).
	Backoff func(attempt int) time.Duration
	// Observe, when set, is told how each event's message ended and how long it took;
	// OnDelivery how each attempt went: "delivered", "failed", or a channel's own outcome
	// (the webhook's "deferred"). The stage's metrics.
	Observe    func(stage, outcome string, took time.Duration)
	OnDelivery func(outcome string)
	// Now is the clock of the recorded delivery status (default time.Now).
	Now func() time.Time
}

// Deps are what a channel (webhook, email) works with: the bus it reads ALERTS from, the
// saved rules (their endpoints or addresses, and where each delivery's outcome is
// recorded), and its log.
type Deps struct {
	JS    jetstream.JetStream
	Rules *alert.Store
	Log   *slog.Logger
}

// Validate reports a bound that cannot work: a negative timeout or number of attempts
// (zero takes the channel's default).
func (p Policy) Validate() error {
	if p.Timeout < 0 {
		return fmt.Errorf("timeout %v: want 0 (the default) or more", p.Timeout)
	}
	if p.MaxAttempts < 0 {
		return fmt.Errorf("max attempts %d: want 0 (the default, 8) or more", p.MaxAttempts)
	}
	return nil
}

// WithDefaults fills what p leaves unset, with the channel's own timeout and backoff.
func (p Policy) WithDefaults(timeout time.Duration, backoff func(attempt int) time.Duration) Policy {
	p.Timeout = config.Default(p.Timeout, timeout)
	p.MaxAttempts = config.Default(p.MaxAttempts, 8)
	if p.Backoff == nil {
		p.Backoff = backoff
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

// Delivery tells OnDelivery, when set, how one attempt went.
func (p Policy) Delivery(outcome string) {
	if p.OnDelivery != nil {
		p.OnDelivery(outcome)
	}
}

// Consumer is the durable consumer of ALERTS of rec's channel under p; the channel sets
// its concurrency. A message's ack wait outlasts one attempt.
func (p Policy) Consumer(rec *Recorder) bus.Consumer {
	return bus.Consumer{
		Stage: rec.channel, Stream: bus.Alerts, Durable: "alerter-" + rec.channel, Filter: "alerts.>",
		AckWait: p.Timeout + 30*time.Second, MaxDeliver: p.MaxAttempts,
		Backoff: p.Backoff, Observe: p.Observe, Settled: rec.Settled,
	}
}
