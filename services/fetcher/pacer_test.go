package fetcher

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/sourcestatus"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/pkg/testfile"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss"
	"github.com/docketwatch/docketwatch/services/fetcher/pacerrss/pacerfake"
	"github.com/prometheus/client_golang/prometheus"
)

const sdnyBuild = "Wed, 18 Apr 2018 00:15:28 GMT"

// Corpus feeds, then a changed feed, then a broken one, then a repaired one: every
// entry reaches FILINGS once, the broken feed is a clear error in Status and loses
// nothing, and a restarted fetcher repeats nothing.
func TestPACERFeeds(t *testing.T) {
	feeds := map[string]string{"sdny": "sdny_1.xml", "ca10": "ca10.xml", "nysb": "nysb_1.xml"}
	fake := pacerfake.Start(t)
	for court, name := range feeds {
		fake.Set(court, testfile.Text(t, "pacerrss/testdata/rss", name), "")
	}
	env := startNATS(t)
	clk := testclock.New(time.Date(2018, 4, 18, 1, 0, 0, 0, time.UTC))
	cfg := Config{PACER: PACERConfig{Courts: []string{"sdny", "ca10", "nysb"}, HTTPClient: fake.Client(), URL: fake.URL}, QuietAfter: time.Hour}
	newSvc := func() *Service {
		svc := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Now: clk.Now})
		if err := svc.init(context.Background()); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	svc := newSvc()
	ctx := context.Background()
	pollAll := func(svc *Service) {
		t.Helper()
		for _, court := range cfg.PACER.Courts {
			if _, err := svc.pollPACER(ctx, court); err != nil {
				t.Fatalf("polling %s: %v", court, err)
			}
		}
	}

	// 1. The corpus feeds: every entry's document is on FILINGS.
	pollAll(svc)
	docs := filings(t, env.js)
	got := docIDs(docs)
	for court, name := range feeds {
		feed, err := pacerrss.Parse(court, strings.NewReader(testfile.Text(t, "pacerrss/testdata/rss", name)))
		if err != nil {
			t.Fatal(err)
		}
		if len(feed.Entries) == 0 {
			t.Fatalf("%s: corpus feed has no entries", name)
		}
		for _, e := range feed.Entries {
			if id := e.Document(time.Time{}).ID; got[id] == 0 {
				t.Errorf("%s: entry %s (%s) not on FILINGS", court, id, e.DocketNumber)
			}
		}
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s published %d times", id, n)
		}
	}
	first := len(docs)

	// 2. Too soon: refused without an error count; then unchanged feeds publish nothing.
	if _, err := svc.pollPACER(ctx, "sdny"); !errors.Is(err, pacerrss.ErrTooSoon) {
		t.Errorf("immediate re-poll: %v; want ErrTooSoon", err)
	}
	clk.Advance(5 * time.Minute)
	pollAll(svc)
	if n := filingsCount(t, env.js); n != first {
		t.Errorf("unchanged feeds published %d more", n-first)
	}

	// 3. A changed feed: only the new entry is published.
	changed := pacerfake.WithNewItem(t, testfile.Text(t, "pacerrss/testdata/rss", "sdny_1.xml"), sdnyBuild, "Wed, 18 Apr 2018 00:31:00 GMT",
		pacerfake.ComplaintItem("499999", "9999", "9999"))
	fake.Set("sdny", changed, "")
	clk.Advance(5 * time.Minute)
	pollAll(svc)
	docs = filings(t, env.js)
	if len(docs) != first+1 || docs[len(docs)-1].ID != "sdny/1:18-cv-09999/1/0" {
		t.Fatalf("after a changed feed: %d messages, last %s; want %d, sdny/1:18-cv-09999/1/0", len(docs), docs[len(docs)-1].ID, first+1)
	}

	// 4. The next build of the feed arrives broken (cut off mid-item, as a dropped
	// connection leaves it): a clear transient error, nothing published, nothing marked
	// as read.
	repaired := pacerfake.WithNewItem(t, changed, "Wed, 18 Apr 2018 00:31:00 GMT", "Wed, 18 Apr 2018 00:40:00 GMT",
		pacerfake.ComplaintItem("499998", "9998", "9998"))
	fake.Set("sdny", repaired[:len(repaired)*2/3], "")
	clk.Advance(5 * time.Minute)
	_, err := svc.pollPACER(ctx, "sdny")
	if err == nil || fault.IsPermanent(err) || !strings.Contains(err.Error(), "sdny") {
		t.Fatalf("broken feed: err %v; want a transient error naming the court", err)
	}
	st := courtStatus(t, svc, pacerrss.Source, "sdny")
	if st.Errors != 1 || st.LastError == "" || st.LastErrorAt != clk.Now() {
		t.Errorf("status after the broken feed: %+v", st)
	}
	if n := filingsCount(t, env.js); n != first+1 {
		t.Errorf("broken feed published %d", n-first-1)
	}
	// The status endpoint and the metrics say so.
	rec := httptest.NewRecorder()
	svc.StatusHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"last_error":"`) {
		t.Errorf("status endpoint: %d %s; want 503 with the error", rec.Code, rec.Body)
	}
	if v := gathered(t, svc, "docketwatch_fetcher_consecutive_errors", "sdny"); v != 1 {
		t.Errorf("consecutive errors metric for sdny = %v; want 1", v)
	}

	// 5. The whole feed, read by a restarted fetcher: the entry the broken feed carried
	// is published, nothing else.
	fake.Set("sdny", repaired, "")
	clk.Advance(5 * time.Minute)
	svc2 := newSvc()
	pollAll(svc2)
	docs = filings(t, env.js)
	if len(docs) != first+2 || docs[len(docs)-1].ID != "sdny/1:18-cv-09998/1/0" {
		t.Errorf("after the repair: %d messages, last %s; want %d, sdny/1:18-cv-09998/1/0", len(docs), docs[len(docs)-1].ID, first+2)
	}
	st = courtStatus(t, svc2, pacerrss.Source, "sdny")
	if st.Errors != 0 || st.LastSuccess != clk.Now() || st.LastNew != clk.Now() {
		t.Errorf("status after the repair: %+v", st)
	}

	// 6. Freshness: an hour and a minute later nothing new has come: quiet, the
	// threshold being an hour. Before, sdny was not.
	if st := courtStatus(t, svc2, pacerrss.Source, "sdny"); st.Quiet {
		t.Errorf("sdny status %+v; want not quiet right after a new entry", st)
	}
	clk.Advance(time.Hour + time.Minute)
	if st := courtStatus(t, svc2, pacerrss.Source, "ca10"); !st.Quiet {
		t.Errorf("ca10 status %+v; want quiet", st)
	}
	if st := courtStatus(t, svc2, pacerrss.Source, "sdny"); !st.Quiet {
		t.Errorf("sdny status %+v; want quiet an hour after its last new entry", st)
	}
}

func courtStatus(t testing.TB, svc *Service, source, court string) sourcestatus.Court {
	t.Helper()
	for _, st := range svc.Status() {
		if st.Source == source && st.Court == court {
			return st
		}
	}
	t.Fatalf("no status for %s %s in %+v", source, court, svc.Status())
	return sourcestatus.Court{}
}

// A court without a feed (404) stops its loop with a permanent error; with no other
// source, Run returns it.
func TestPACERNoFeedStops(t *testing.T) {
	fake := pacerfake.Start(t)
	env := startNATS(t)
	svc := mustNew(t, Config{PACER: PACERConfig{Courts: []string{"cand"}, HTTPClient: fake.Client(), URL: fake.URL}}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := svc.Run(ctx)
	if err == nil || !fault.IsPermanent(err) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Run: %v; want a permanent 404 error", err)
	}
	if st := courtStatus(t, svc, pacerrss.Source, "cand"); !st.Stopped || st.Errors != 1 {
		t.Errorf("status %+v; want stopped after one error", st)
	}
}

// gathered reads one metric of a court from the service's collector.
func gathered(t testing.TB, svc *Service, name, court string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(svc.Collector())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "court" && l.GetValue() == court {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s for %s", name, court)
	return 0
}
