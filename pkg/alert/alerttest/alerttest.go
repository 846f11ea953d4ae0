// Package alerttest saves rules and publishes alerts for the tests of what reads them (the
// deliverers, the API, the web pages), on a real JetStream, the way the alerter does.
package alerttest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/nats-io/nats.go/jetstream"
)

// Start starts a JetStream server for the test (bustest) and returns it with the rule
// store over its RULES bucket.
func Start(tb testing.TB) (jetstream.JetStream, *alert.Store) {
	tb.Helper()
	js := bustest.Start(tb)
	return js, Rules(tb, js)
}

// Rules is the rule store over js's RULES bucket, with its retry queue (RETRIES), opened
// as the stages open it (alert.OpenStore).
func Rules(tb testing.TB, js jetstream.JetStream) *alert.Store {
	tb.Helper()
	s, err := alert.OpenStore(context.Background(), js)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Create saves r in s and returns it as saved (with its id); it fails the test if s
// refuses r.
func Create(tb testing.TB, s *alert.Store, r alert.Rule) alert.Rule {
	tb.Helper()
	saved, err := s.Create(context.Background(), r)
	if err != nil {
		tb.Fatalf("saving rule %q: %v", r.Name, err)
	}
	return saved
}

// Publish puts a on ALERTS as the alerter does: on its rule's and document's subject,
// with the alert id as message id. An empty ID, RuleName or MatchedAt is filled in from
// r and the clock. It returns the alert as published.
func Publish(tb testing.TB, js jetstream.JetStream, r alert.Rule, a alert.Alert) alert.Alert {
	tb.Helper()
	a.RuleID = r.ID
	if a.ID == "" {
		a.ID = alert.AlertID(r.ID, a.DocID)
	}
	if a.RuleName == "" {
		a.RuleName = r.Name
	}
	if a.MatchedAt.IsZero() {
		a.MatchedAt = time.Now().UTC()
	}
	if _, err := bus.Publish(context.Background(), js, bus.Out{Subject: alert.AlertSubject(r.ID, a.DocID), MsgID: "alert:" + a.ID,
		DocID: a.DocID, Value: alert.Event{Schema: alert.Schema, Type: alert.TypeAlert, Alert: &a}}); err != nil {
		tb.Fatal(err)
	}
	return a
}

// PublishDigest puts the digest of r's alerts on day (alert.Day) on ALERTS as the
// alerter does, and returns it as published.
func PublishDigest(tb testing.TB, js jetstream.JetStream, r alert.Rule, day string, alerts []alert.Alert) alert.Digest {
	tb.Helper()
	d := alert.Digest{ID: alert.DigestID(r.ID, day), RuleID: r.ID, RuleName: r.Name, Day: day, Alerts: alerts, CreatedAt: time.Now().UTC()}
	if _, err := bus.Publish(context.Background(), js, bus.Out{Subject: alert.DigestSubject(r.ID, day), MsgID: "digest:" + d.ID,
		Value: alert.Event{Schema: alert.Schema, Type: alert.TypeDigest, Digest: &d}}); err != nil {
		tb.Fatal(err)
	}
	return d
}

// NoiseQueries makes n rule queries that load the matcher without matching: a third
// are one made-up word, the rest a phrase of a made-up word and one of words (a
// document's words put such a rule among its candidates, the made-up word keeps it from
// matching). The same n and words give the same queries, so benchmarks compare.
func NoiseQueries(words []string, n int) []string {
	rng := rand.New(rand.NewPCG(5, 5))
	madeUp := func() string {
		w := make([]byte, 5+rng.IntN(8))
		for i := range w {
			w[i] = byte('a' + rng.IntN(26))
		}
		return "q" + string(w)
	}
	qs := make([]string, n)
	for i := range qs {
		qs[i] = `"` + madeUp() + " " + words[rng.IntN(len(words))] + `"`
		if i%3 == 0 {
			qs[i] = madeUp()
		}
	}
	return qs
}

// ShortDuplicateWindow shortens ALERTS' duplicate window to 200 ms, so that a test sees
// exactly-once come from the ledger and the per-alert subject, not from Nats-Msg-Id
// de-duplication (whose window a redelivery hours later would be outside of). A
// stage's start sets the window back (bus.Setup updates the streams): call it after.
func ShortDuplicateWindow(tb testing.TB, js jetstream.JetStream) {
	tb.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.Alerts)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.Duplicates = 200 * time.Millisecond
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		tb.Fatal(err)
	}
}
