// Package status records how a channel's deliveries of each rule go: the rule's last
// success and last failure with its reason (alert.Delivery, stored with the rule), and
// the events waiting to be retried (the store's retry queue). Every channel that pushes
// (webhook, email) records through it, so that the API, the CLI and the Alerts page read
// one status whatever the channel, and delivers under its Policy (policy.go).
package status

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/nats-io/nats.go/jetstream"
)

// Recorder records the deliveries of one channel.
type Recorder struct {
	channel string
	store   *alert.Store
	now     func() time.Time
	log     *slog.Logger
}

// New returns the recorder of channel (alert.ChannelWebhook, …); now is the clock of the
// recorded times (nil: time.Now). The channel's consumer reports to its Settled.
func New(channel string, store *alert.Store, now func() time.Time, log *slog.Logger) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{channel: channel, store: store, now: now, log: log}
}

// successEvery is how stale a channel's recorded last success may grow: a rule is not
// rewritten (and recompiled by every alerter watching it) on every delivery.
const successEvery = time.Minute

// Delivered records a success of rule r's channel: its last delivery, and the end of a
// run of failures. r is the rule as the deliverer read it: a rule that was not failing
// and whose last success is recent is not rewritten.
func (rec *Recorder) Delivered(ctx context.Context, r alert.Rule) {
	d, now := r.Delivery(rec.channel), rec.now().UTC()
	if d == nil || d.Failures == 0 && now.Sub(d.LastDeliveryAt) < successEvery {
		return
	}
	_, err := rec.store.Update(ctx, r.ID, func(r *alert.Rule) error {
		if d := r.Delivery(rec.channel); d != nil && !disabled(r, rec.channel) {
			d.Failures, d.LastDeliveryAt = 0, now
		}
		return nil
	})
	if err != nil {
		rec.log.Warn("recording a delivery", "rule", r.ID, "channel", rec.channel, "err", err)
	}
}

// Failed records a failed attempt of the rule's channel and its cause; also, when set,
// changes the rule in the same write (the webhook disables itself after too many). A
// status that cannot be written is logged: the delivery's own outcome matters more.
func (rec *Recorder) Failed(ctx context.Context, ruleID string, cause error, also func(*alert.Rule)) {
	_, err := rec.store.Update(ctx, ruleID, func(r *alert.Rule) error {
		d := r.Delivery(rec.channel)
		if d == nil || disabled(r, rec.channel) {
			return nil
		}
		d.Failures++
		d.LastError, d.LastFailureAt = truncate(cause.Error(), 300), rec.now().UTC()
		if also != nil {
			also(r)
		}
		return nil
	})
	if err != nil {
		rec.log.Warn("recording a failed delivery", "rule", ruleID, "channel", rec.channel, "err", err)
	}
}

// Settled keeps the retry queue true to what the channel's consumer did with msg
// (bus.Consumer.Settled): a failed event it retries waits in the queue until its next
// attempt, retryIn from now; an event delivered, parked or dropped after waiting leaves
// it. A message put back untried (bus.RetryIn: the endpoint was busy) keeps the place it
// had, if any.
func (rec *Recorder) Settled(ctx context.Context, msg jetstream.Msg, err error, retried bool, retryIn time.Duration) {
	if retried && bus.PutBack(err) {
		return
	}
	var e alert.Event
	if json.Unmarshal(msg.Data(), &e) != nil || e.RuleID() == "" {
		return // parked as undecodable: it never belonged to a rule's queue
	}
	var qerr error
	if retried {
		deliveries := 1
		if md, merr := msg.Metadata(); merr == nil {
			deliveries = int(md.NumDelivered)
		}
		qerr = rec.store.Waiting(ctx, alert.Retry{RuleID: e.RuleID(), Channel: rec.channel, Event: e.ID(),
			Deliveries: deliveries, NextAt: rec.now().UTC().Add(retryIn), Error: truncate(err.Error(), 300)})
	} else {
		qerr = rec.store.Settled(ctx, e.RuleID(), rec.channel, e.ID())
	}
	if qerr != nil {
		rec.log.Warn("recording the retry queue", "rule", e.RuleID(), "channel", rec.channel, "err", qerr)
	}
}

// disabled reports a channel that delivers nothing until the rule is saved again: its
// failures are no longer counted.
func disabled(r *alert.Rule, channel string) bool {
	return channel == alert.ChannelWebhook && r.Webhook.Disabled
}

// truncate cuts s to at most n bytes, never inside a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
