package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// Issue 20 item 8: `backfill` returns when its documents are searchable (not while
// the pipeline still works on them), and --until names the last day, included.
func TestBackfillWaitsUntilSearchable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	fake := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocketsPerCourt: 5, DocumentsPerCourt: 60, Seed: 17})
	docs := fake.Documents("cand")
	lastDay := docs[len(docs)-1].DateCreated.UTC().Format("2006-01-02")
	data := t.TempDir()
	cmd := docketwatch(t, "backfill", "--data", data, "--court", "cand", "--since", "2026-08-01", "--until", lastDay,
		"--courtlistener-url", fake.APIBase(), "--courtlistener-storage-url", fake.StorageBase(), "--courtlistener-budget", "none")
	cmd.Env = append(cmd.Env, "DOCKETWATCH_COURTLISTENER_TOKEN="+fake.Token())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("backfill: %v: %s", err, out)
	}
	if want := fmt.Sprintf("backfill cand: %d documents, 0 parked", len(docs)); !strings.Contains(string(out), want) {
		t.Fatalf("backfill printed %q; want %q (the last day included)", out, want)
	}
	// At once, without waiting: the backfill waited.
	n := startNode(t, data, "")
	if res, err := n.Searcher.Search(context.Background(), search.Query{}); err != nil || res.Total != uint64(len(docs)) {
		t.Errorf("right after the backfill the index holds %v (%v); want %d", res.Total, err, len(docs))
	}
}

// Issue 20 item 11: /readyz says so when a court's source has stopped.
func TestReadyzReportsStoppedSource(t *testing.T) {
	fake := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 10})
	cfg := fetcher.Config{CourtListener: fetcher.CourtListenerConfig{
		Courts: []string{"cand"}, Token: "refused", BaseURL: fake.APIBase(), StorageURL: fake.StorageBase(),
	}}
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Fetcher: cfg,
		API: api.Config{HTTP: "127.0.0.1:0", Policy: api.Policy{PublicReads: true, Token: "test-token", Rate: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	body := waitReady(t, n.HTTPURL, http.StatusServiceUnavailable, 30*time.Second)
	if !strings.Contains(body, "cand stopped") {
		t.Errorf("/readyz says %q; want the stopped court named", body)
	}
}

// soakWork adds CourtListener traffic to a fake while a docketwatch runs against it:
// filings, late commits, late PDFs, failing storage, webhook events.
type soakWork struct {
	t      *testing.T
	fake   *clfake.Server
	courts []string
	hook   string

	mu       sync.Mutex
	held     [][]int64
	broken   []int64
	attached map[int64]bool
	hooks    sync.WaitGroup
	hookErrs []error
}

// step does the i-th piece of work.
func (w *soakWork) step(i int) {
	court := w.courts[i%len(w.courts)]
	now := time.Now()
	switch i % 10 {
	case 0, 1, 2, 3:
		w.fake.File(court, 1+i%3, now)
	case 4: // stamped now, visible only a few steps later
		ids := w.fake.FileHeld(court, 2, now)
		w.mu.Lock()
		w.held = append(w.held, ids)
		w.mu.Unlock()
	case 5: // a PDF arrives for a document filed without one
		for _, d := range w.fake.Documents(court) {
			if !d.IsAvailable && !w.attached[d.ID] {
				w.attached[d.ID] = true
				w.fake.AttachPDF(d.ID, now)
				break
			}
		}
	case 6: // storage fails for a new document's PDF for a while
		w.fake.File(court, 1, now)
		docs := w.fake.Documents(court)
		if d := docs[len(docs)-1]; d.IsAvailable {
			w.fake.SetFileStatus(d.ID, 503)
			w.broken = append(w.broken, d.ID)
		}
	case 7: // a docket alert for the court's latest entry
		docs := w.fake.Documents(court)
		event, err := w.fake.DocketAlertEvent(docs[len(docs)-1].EntryID)
		w.deliver(event, err, i)
	case 8: // a search alert matching a docket's recent documents, more than three
		docs := w.fake.Documents(court)
		dk := docs[len(docs)-1].DocketID
		var match []int64
		for _, d := range docs {
			if d.DocketID == dk {
				match = append(match, d.ID)
			}
		}
		event, err := w.fake.SearchAlertEvent(match[max(0, len(match)-6):]...)
		w.deliver(event, err, i)
	case 9: // what was held commits, what was broken mends
		w.settle(2)
	}
}

// settle commits all held documents but the last keep batches and mends broken files.
func (w *soakWork) settle(keep int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.held) > keep {
		w.fake.Commit(w.held[0]...)
		w.held = w.held[1:]
	}
	for _, id := range w.broken {
		w.fake.SetFileStatus(id, 0)
	}
	w.broken = nil
}

// deliver posts an event as CourtListener does, retrying while docketwatch is down.
func (w *soakWork) deliver(event []byte, err error, i int) {
	if err != nil {
		w.t.Error(err)
		return
	}
	w.hooks.Add(1)
	go func() {
		defer w.hooks.Done()
		client := &http.Client{Timeout: 3 * time.Second}
		_, err := clfake.Deliver(context.Background(), client, w.hook, event, "soak-"+strconv.Itoa(i), 40, func(int) time.Duration { return time.Second })
		if err != nil {
			w.mu.Lock()
			w.hookErrs = append(w.hookErrs, err)
			w.mu.Unlock()
		}
	}()
}

// A docketwatch follows two courts on a CourtListener that keeps filing for a while,
// with documents committed late, PDFs arriving late, storage failing for a time, webhook
// events of both kinds, API faults and one kill -9: in the end every document is in the
// index exactly once, those with a PDF with its text, and the account's limits were
// never exceeded.
func TestCourtListenerSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs docketwatch for about two minutes")
	}
	courts := []string{"nysd", "cand"}
	limits := clfake.Rates{PerMinute: 240, PerHour: 6000}
	fake := clfake.Start(t, clfake.Config{Courts: courts, DocketsPerCourt: 6, DocumentsPerCourt: 15, Seed: 20,
		Start: time.Now().Add(-2 * time.Hour), Span: time.Hour, Rates: limits})
	fake.SetFaults(clfake.Faults{ServerErrorEvery: 17, ThrottleEvery: 31, TruncateEvery: 23, SlowEvery: 41, Slow: 300 * time.Millisecond, CorruptEvery: 13})
	data := t.TempDir()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(fake.Token()), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePorts(t, 1)[0])
	dw := newStage(t, "run", "--data", data, "--http", addr, "--rate", "-1", "--webhook-sources", "127.0.0.1/32", "--no-ocr",
		"--courtlistener-courts", strings.Join(courts, ","), "--courtlistener-token-file", tokenFile,
		"--courtlistener-url", fake.APIBase(), "--courtlistener-storage-url", fake.StorageBase(),
		"--courtlistener-interval", "1s", "--courtlistener-overlap", "2m",
		"--courtlistener-budget", fmt.Sprintf("%d/min,%d/hour", limits.PerMinute, limits.PerHour),
		"--fetch-retry-interval", "1s", "--fetch-attempts", "40")
	if err := dw.start(); err != nil {
		t.Fatal(err)
	}
	work := &soakWork{t: t, fake: fake, courts: courts, hook: "http://" + addr + "/api/v1/webhooks/courtlistener", attached: map[int64]bool{}}
	started := time.Now()
	killed := false
	for i := 0; time.Since(started) < 100*time.Second; i++ {
		work.step(i)
		if !killed && time.Since(started) > 40*time.Second {
			dw.kill()
			if err := dw.start(); err != nil {
				t.Fatal(err)
			}
			killed = true
			t.Logf("%.0fs: killed with SIGKILL and restarted", time.Since(started).Seconds())
		}
		time.Sleep(250 * time.Millisecond)
	}
	work.settle(0)
	work.hooks.Wait()
	fake.SetFaults(clfake.Faults{})
	truth := fake.Documents("")

	// Wait until the index holds every document, then read it with the process stopped.
	poll.UntilGot(t, 70*time.Second, fmt.Sprintf("the index to hold the %d documents", len(truth)), func() (bool, string) {
		n := indexedTotal(t, addr)
		return n >= len(truth), fmt.Sprint(n)
	})
	dw.interrupt() // it drains: the last index batch is committed
	n := startNode(t, data, "")
	ctx := context.Background()
	if res, err := n.Searcher.Search(ctx, search.Query{}); err != nil || res.Total != uint64(len(truth)) {
		t.Errorf("the index holds %v documents (%v); want each of the %d once", res.Total, err, len(truth))
	}
	withText := 0
	for _, d := range truth {
		if !d.IsAvailable {
			continue
		}
		res, err := n.Searcher.Search(ctx, search.Query{Q: `"` + d.PacerDocID + `"`})
		if err != nil || res.Total != 1 || res.Hits[0].Pages < 1 {
			t.Errorf("document %d (pdf %s): text search finds %v hits (%v); want it once, with its pages", d.ID, d.PacerDocID, res.Total, err)
			continue
		}
		withText++
	}
	if len(work.hookErrs) > 0 {
		t.Errorf("webhook deliveries failed: %v", work.hookErrs)
	}
	st := fake.Stats()
	if st.OverLimit != 0 {
		t.Errorf("%d requests exceeded the account's limits (%d/min, %d/hour)", st.OverLimit, limits.PerMinute, limits.PerHour)
	}
	t.Logf("%d documents (%d with text) in %v; %d API requests, %d downloads, statuses %v",
		len(truth), withText, time.Since(started).Round(time.Second), st.Requests, st.Storage, st.ByStatus)
}

// indexedTotal asks a running docketwatch how many documents its index holds (0 when
// it does not answer).
func indexedTotal(t *testing.T, addr string) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/api/v1/search?limit=1")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var res struct {
		Total int `json:"total"`
	}
	if json.NewDecoder(resp.Body).Decode(&res) != nil {
		return 0
	}
	return res.Total
}
