package pacerrss

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss/pacerfake"
)

func newTestPoller(t testing.TB, fake *pacerfake.Server, clk *testclock.Clock) *Poller {
	t.Helper()
	return NewPoller(Config{Client: fake.Client(), URL: fake.URL, Now: clk.Now})
}

// collector records emitted documents and can be told to fail.
type collector struct {
	docs   []filing.Document
	failAt int // fail the failAt-th call (1-based) when > 0
	calls  int
}

func (c *collector) emit(_ context.Context, d filing.Document) error {
	c.calls++
	if c.failAt > 0 && c.calls == c.failAt {
		return errors.New("bus unavailable")
	}
	if err := d.ID.Validate(); err != nil {
		return err
	}
	c.docs = append(c.docs, d)
	return nil
}

func TestPollerEmitsEachEntryOnce(t *testing.T) {
	body := testfile.Text(t, "testdata/rss", "sdny_1.xml")
	fake := pacerfake.Start(t)
	fake.Set("sdny", body, "")
	clk := testclock.New(time.Date(2018, 4, 18, 1, 0, 0, 0, time.UTC))
	p := newTestPoller(t, fake, clk)
	feed, err := Parse("sdny", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// A document filed in a multi-defendant case appears once per defendant (same PACER
	// doc id, another case id): it is one document.
	keys := map[string]bool{}
	wantIDs := map[filing.DocID]bool{}
	for _, e := range feed.Entries {
		keys[e.key()] = true
		wantIDs[e.Document(time.Time{}).ID] = true
	}
	want := len(keys)
	if want >= len(feed.Entries) || want < len(feed.Entries)-10 {
		t.Fatalf("%d distinct keys for %d entries; the corpus feed has a few shared doc ids", want, len(feed.Entries))
	}

	// The bus fails on the 100th document: the poll stops, and the state keeps the 99.
	c := &collector{failAt: 100}
	st, err := p.Poll(context.Background(), FeedState{Court: "sdny"}, c.emit)
	if err == nil || fault.IsPermanent(err) {
		t.Fatalf("Poll with a failing emit: err = %v; want a transient error", err)
	}
	if len(c.docs) != 99 || len(st.Seen) != 99 || st.BuildDate != "" || st.Errors != 1 {
		t.Fatalf("after failure: %d docs, %d seen, build %q, errors %d; want 99, 99, \"\", 1", len(c.docs), len(st.Seen), st.BuildDate, st.Errors)
	}

	// Too soon: refused with the time left.
	if _, err := p.Poll(context.Background(), st, c.emit); !errors.Is(err, ErrTooSoon) || fault.RetryAfter(err) != 5*time.Minute {
		t.Fatalf("immediate re-poll: err = %v (retry after %v); want ErrTooSoon after 5m", err, fault.RetryAfter(err))
	}

	// The state survives a round trip through the KV store, and the next poll emits the rest.
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var restored FeedState
	if err := json.Unmarshal(raw, &restored); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute)
	st, err = p.Poll(context.Background(), restored, c.emit)
	if err != nil {
		t.Fatalf("second poll: %v", err)
	}
	if len(c.docs) != want {
		t.Fatalf("emitted %d documents in all; want %d", len(c.docs), want)
	}
	ids := map[filing.DocID]int{}
	for _, d := range c.docs {
		ids[d.ID]++
		if d.Docket.Court != "sdny" || d.Source != Source || d.Entry.Filed.IsZero() {
			t.Errorf("document %s: court %q source %q filed %v", d.ID, d.Docket.Court, d.Source, d.Entry.Filed)
		}
	}
	if len(ids) != len(wantIDs) {
		t.Errorf("%d distinct DocIDs; want %d", len(ids), len(wantIDs))
	}
	// Filing order: the feed is newest first, emission oldest first.
	if !c.docs[0].Entry.Filed.Before(c.docs[len(c.docs)-1].Entry.Filed) {
		t.Errorf("first emitted %v not before last %v", c.docs[0].Entry.Filed, c.docs[len(c.docs)-1].Entry.Filed)
	}

	// Unchanged lastBuildDate: nothing is emitted.
	clk.Advance(5 * time.Minute)
	if st, err = p.Poll(context.Background(), st, c.emit); err != nil || len(c.docs) != want {
		t.Fatalf("unchanged feed: err %v, %d docs; want nil, %d", err, len(c.docs), want)
	}

	// A rebuilt feed with one new item: only that one is emitted.
	fake.Set("sdny", pacerfake.WithNewItem(t, body, "Wed, 18 Apr 2018 00:15:28 GMT", "Wed, 18 Apr 2018 00:31:00 GMT",
		pacerfake.ComplaintItem("499999", "9999", "9999")), "")
	clk.Advance(5 * time.Minute)
	if st, err = p.Poll(context.Background(), st, c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.docs) != want+1 {
		t.Fatalf("after a new item: %d docs; want %d", len(c.docs), want+1)
	}
	last := c.docs[len(c.docs)-1]
	if last.ID != "nysd/1:18-cv-09999/1/0" && last.ID != "sdny/1:18-cv-09999/1/0" {
		t.Errorf("new document id %q", last.ID)
	}
	if last.Docket.CaseName != "Roe v. Acme Corp." || last.Docket.SourceIDs["pacer_case_id"] != "499999" || last.SourceID != "127022269999" {
		t.Errorf("new document %+v", last)
	}
}

func TestPollerFailures(t *testing.T) {
	body := testfile.Text(t, "testdata/rss", "ca2_1.xml")
	tests := []struct {
		name          string
		serve         func(*pacerfake.Server)
		wantPermanent bool
	}{
		{"truncated feed", func(f *pacerfake.Server) { f.Set("ca2", body[:len(body)/2], "") }, false},
		{"not xml", func(f *pacerfake.Server) { f.Set("ca2", "<html><body>PACER is down for maintenance", "") }, false},
		{"server error", func(f *pacerfake.Server) { f.Fail("ca2", http.StatusBadGateway) }, false},
		{"no feed at this court", func(*pacerfake.Server) {}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := pacerfake.Start(t)
			tc.serve(fake)
			clk := testclock.New(time.Now())
			p := newTestPoller(t, fake, clk)
			c := &collector{}
			st, err := p.Poll(context.Background(), FeedState{Court: "ca2", BuildDate: "before"}, c.emit)
			if err == nil {
				t.Fatal("Poll: nil error; want one")
			}
			if fault.IsPermanent(err) != tc.wantPermanent {
				t.Errorf("permanent = %v; want %v (err %v)", fault.IsPermanent(err), tc.wantPermanent, err)
			}
			if len(c.docs) != 0 || st.BuildDate != "before" || st.Errors != 1 || st.LastError == "" {
				t.Errorf("state after failure: %d docs, build %q, errors %d, last error %q", len(c.docs), st.BuildDate, st.Errors, st.LastError)
			}
		})
	}
}

func TestPollerConditionalRequest(t *testing.T) {
	fake := pacerfake.Start(t)
	fake.Set("ca10", testfile.Text(t, "testdata/rss", "ca10.xml"), `"v1"`)
	clk := testclock.New(time.Now())
	p := newTestPoller(t, fake, clk)
	c := &collector{}
	st, err := p.Poll(context.Background(), FeedState{Court: "ca10"}, c.emit)
	if err != nil || st.ETag != `"v1"` || len(c.docs) != 6 {
		t.Fatalf("first poll: err %v, etag %q, %d docs", err, st.ETag, len(c.docs))
	}
	clk.Advance(6 * time.Minute)
	if st, err = p.Poll(context.Background(), st, c.emit); err != nil || len(c.docs) != 6 {
		t.Fatalf("second poll: err %v, %d docs", err, len(c.docs))
	}
	if got := fake.IfNoneMatch("ca10"); len(got) != 2 || got[1] != `"v1"` {
		t.Errorf("If-None-Match of the requests = %q; want the second %q", got, `"v1"`)
	}
	if st.Quiet(clk.Now(), time.Hour) || !st.Quiet(clk.Now().Add(2*time.Hour), time.Hour) {
		t.Errorf("Quiet: wrong answer for last new %v", st.LastNew)
	}
}
