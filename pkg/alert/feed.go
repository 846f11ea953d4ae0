package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/config"
	"github.com/nats-io/nats.go/jetstream"
)

// Published reports whether ALERTS holds a message on subject: the authority on whether
// an alert went out, with no duplicate window to expire.
func Published(ctx context.Context, js jetstream.JetStream, subject string) (bool, error) {
	s, err := js.Stream(ctx, bus.Alerts)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", bus.Alerts, err)
	}
	_, err = s.GetLastMsgForSubject(ctx, subject)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return false, nil
	}
	return false, fmt.Errorf("looking up %s: %w", subject, err)
}

// Recent returns up to limit events of a rule stored since since, newest first: the
// content of the rule's Atom feed.
func Recent(ctx context.Context, js jetstream.JetStream, ruleID string, since time.Time, limit int) ([]Event, error) {
	limit = config.Default(limit, 50)
	ring := make([]Event, 0, limit)
	next := 0
	err := scan(ctx, js, RuleSubjects(ruleID), since, func(e Event, _ time.Time) bool {
		if len(ring) < limit {
			ring = append(ring, e)
		} else {
			ring[next] = e
			next = (next + 1) % limit
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- {
		out = append(out, ring[(next+i)%len(ring)])
	}
	return out, nil
}

// Overflowed returns the overflow alerts a rule stored during day (UTC), at most
// MaxDigest of them, and how many more there were.
func Overflowed(ctx context.Context, js jetstream.JetStream, ruleID, day string) ([]Alert, int, error) {
	start, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil, 0, fmt.Errorf("digest day %q: %w", day, err)
	}
	end := start.Add(24 * time.Hour)
	var out []Alert
	omitted := 0
	err = scan(ctx, js, "alerts."+ruleID+".doc.>", start, func(e Event, stored time.Time) bool {
		if !stored.Before(end) {
			return false
		}
		if e.Alert == nil || !e.Alert.Overflow || Day(e.Alert.MatchedAt) != day {
			return true
		}
		if len(out) < MaxDigest {
			out = append(out, *e.Alert)
		} else {
			omitted++
		}
		return true
	})
	return out, omitted, err
}

// scan reads the events on subject stored since start, in order, until each returns
// false or the stream holds no more, through an ephemeral consumer deleted afterwards.
func scan(ctx context.Context, js jetstream.JetStream, subject string, start time.Time, each func(Event, time.Time) bool) error {
	cfg := jetstream.ConsumerConfig{FilterSubject: subject, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !start.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
	}
	// Bounded by bytes: an alert is a few KB, a digest up to MaxDigest of them.
	err := bus.Scan(ctx, js, bus.Alerts, cfg, 256, func(m jetstream.Msg, md *jetstream.MsgMetadata) bool {
		var e Event
		if json.Unmarshal(m.Data(), &e) != nil || e.Check() != nil {
			return true
		}
		return each(e, md.Timestamp)
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", subject, err)
	}
	return nil
}
