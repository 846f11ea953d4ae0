package alerter

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
)

// crashAtVar tells an alerter child where to stop: "point:n", at the n-th time the
// point is reached.
const crashAtVar = "DOCKETWATCH_ALERTER_TEST_CRASH_AT"

// serveAlerter is the child role "alerter": an alerter against the parent test's NATS
// server until SIGTERM, or until it crashes at its crash point (runtest.Crash): the other
// handler (Concurrency 2) stops where it is too. (Waiting for the parent's kill let that
// handler go on alerting every other document, leaving the next child nothing to crash on.)
func serveAlerter(ctx context.Context, nats *runtest.Joined) error {
	s, err := open(ctx, Config{AckWait: time.Second}, nats.JS)
	if err != nil {
		return err
	}
	if at := os.Getenv(crashAtVar); at != "" {
		point, nstr, _ := strings.Cut(at, ":")
		target, _ := strconv.Atoi(nstr)
		var seen atomic.Int32
		s.hook = func(p string) {
			if p == point && seen.Add(1) == int32(target) {
				runtest.Crash(p)
			}
		}
	}
	return s.Run(ctx)
}

// startAlerter starts an alerter child on e that stops at crashAt ("" for never).
func startAlerter(t *testing.T, e *bus.Embedded, crashAt string) *runtest.Child {
	t.Helper()
	return runtest.StartChild(t, "alerter", append(runtest.ChildNATS(e), crashAtVar+"="+crashAt)...)
}

// TestCrashBetweenMatchAndDelivery kills alerter processes with SIGKILL at the two
// dangerous points, after matching with nothing published and after publishing with
// nothing recorded, then lets a third run finish: every alert is delivered, once.
func TestCrashBetweenMatchAndDelivery(t *testing.T) {
	e := bustest.Server(t)
	_, js := bustest.JetStream(t, e)
	alerttest.ShortDuplicateWindow(t, js)
	store := alerttest.Rules(t, js)
	recv := alerttest.NewReceiver(t)
	var ruleIDs []string
	for _, q := range []string{`"Inbox API"`, `"Graph API"`} {
		r := alerttest.Create(t, store, alert.Rule{Name: q, Query: q, Webhook: &alert.Webhook{URL: recv.URL, Secret: "s"}})
		ruleIDs = append(ruleIDs, r.ID)
	}

	docs, err := corpus.Docs(6, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range docs {
		d := &docs[i]
		if i%2 == 0 {
			d.Pages[1].Text += "\nAccess to the Inbox API was restricted."
			want[alert.AlertID(ruleIDs[0], d.Document.ID)] = true
		}
		if i >= 2 && i <= 4 {
			d.Pages[0].Text += "\nThe Graph API returned friends' data."
			want[alert.AlertID(ruleIDs[1], d.Document.ID)] = true
		}
		newVersion(d)
		publishText(t, js, *d)
	}
	for _, d := range docs {
		publishIndexed(context.Background(), t, js, d)
	}
	startDeliverer(t, js, store)

	startAlerter(t, e, "published:2").WaitCrash(t, 60*time.Second)
	startAlerter(t, e, "publishing:2").WaitCrash(t, 60*time.Second)
	time.Sleep(300 * time.Millisecond) // past ALERTS' duplicate window
	last := startAlerter(t, e, "")
	bustest.WaitDrained(t, js, time.Minute, bustest.Durable{Stream: bus.Indexed, Name: "alerter"}, bustest.Durable{Stream: bus.Alerts, Name: "alerter-webhook"})
	if err := last.Stop(t, 30*time.Second); err != nil {
		t.Errorf("the last alerter stopped with %v", err)
	}

	got := map[string]int{}
	for _, d := range recv.Deliveries() {
		got[d.Event.ID()]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("alert %s delivered %d times; want 1", id, got[id])
		}
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("unexpected alert %s delivered %d times", id, n)
		}
	}
	alerts, _ := js.Stream(context.Background(), bus.Alerts)
	info, _ := alerts.Info(context.Background())
	if info.State.Msgs != uint64(len(want)) {
		t.Errorf("ALERTS holds %d messages; want %d", info.State.Msgs, len(want))
	}
}
