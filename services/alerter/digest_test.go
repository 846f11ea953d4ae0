package alerter

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/alert/alerttest"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/services/alerter/internal/corpus"
)

// TestDailyCapRollsIntoOneDigest saves a rule capped at one alert a day, matches it
// three times, and checks that one alert goes out alone and the other two in the day's
// digest, published once the day is over, and only once.
func TestDailyCapRollsIntoOneDigest(t *testing.T) {
	js, store := alerttest.Start(t)
	ctx := context.Background()
	r := alerttest.Create(t, store, alert.Rule{Name: "capped", Query: `"Inbox API"`, DailyCap: 1})
	s, stop := startStage(t, Config{DigestEvery: time.Hour}, js)
	docs, _ := corpus.Docs(3, 1)
	for _, d := range docs {
		d.Pages[0].Text += "\nthe Inbox API"
		newVersion(&d)
		publishText(t, js, d)
		publishIndexed(ctx, t, js, d)
	}
	bustest.WaitDrained(t, js, time.Minute, bustest.Durable{Stream: bus.Indexed, Name: "alerter"})
	if err := stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("the alerter stopped with %v", err)
	}

	events := func() []alert.Event {
		ev, err := alert.Recent(ctx, js, r.ID, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	overflow := 0
	for _, e := range events() {
		if e.Alert.Overflow {
			overflow++
		}
	}
	if len(events()) != 3 || overflow != 2 {
		t.Fatalf("got %d alerts, %d over the cap; want 3 and 2", len(events()), overflow)
	}
	if err := s.DigestNow(ctx); err != nil {
		t.Fatal(err)
	}
	if len(events()) != 3 {
		t.Fatal("a digest went out before the day ended")
	}
	tomorrow := func() time.Time { return time.Now().Add(24 * time.Hour) }
	s.now, s.ledger = tomorrow, alert.NewLedgerAt(s.ledger, tomorrow)
	for range 2 {
		if err := s.DigestNow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ev := events()
	if len(ev) != 4 || ev[0].Digest == nil {
		t.Fatalf("got %d events, newest %+v; want 4, the newest a digest", len(ev), ev[0])
	}
	d := ev[0].Digest
	if len(d.Alerts) != 2 || d.Day != alert.Day(time.Now()) || d.RuleName != "capped" {
		data, _ := json.Marshal(d)
		t.Errorf("got digest %s; want today's 2 overflow alerts", data)
	}
}
