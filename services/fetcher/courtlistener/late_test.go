package courtlistener

import (
	"context"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// crawl polls from cur until the sweep is finished and returns the cursor.
func crawl(t testing.TB, src *Source, cur Cursor, emit func(context.Context, filing.Document) error) Cursor {
	t.Helper()
	for polls := 0; ; polls++ {
		if polls > 200 {
			t.Fatal("crawl did not finish")
		}
		next, err := src.Poll(context.Background(), roundTrip(t, cur), emit)
		if err != nil {
			t.Fatal(err)
		}
		if cur = next; !cur.Pending() {
			return cur
		}
	}
}

// emitted records what a Source emits, by source id.
type emitLog struct {
	mu   sync.Mutex
	docs map[string][]filing.Document
}

func (l *emitLog) emit(_ context.Context, d filing.Document) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.docs == nil {
		l.docs = map[string][]filing.Document{}
	}
	l.docs[d.SourceID] = append(l.docs[d.SourceID], d)
	return nil
}

func (l *emitLog) last(id int64) (filing.Document, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := l.docs["rd:"+strconv.FormatInt(id, 10)]
	if len(v) == 0 {
		return filing.Document{}, 0
	}
	return v[len(v)-1], len(v)
}

// Issue 20 item 1: a RECAP document whose PDF arrives after it was created is fetched
// in the default mode (date_modified), not left without text for good.
func TestLatePDFArrivesByDefault(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 60, Seed: 5})
	c := newTestClient(t, srv, testclock.New(time.Now()), nil)
	src := NewSource(c, SourceConfig{Fetch: hashFetch(c)})
	var log emitLog
	cur := crawl(t, src, NewCursor("cand", "", dataStart(), time.Time{}), log.emit)

	var late clfake.Document
	for _, d := range srv.Documents("cand") {
		if !d.IsAvailable {
			late = d
			break
		}
	}
	if late.ID == 0 {
		t.Fatal("the fake made no document without a PDF")
	}
	if d, n := log.last(late.ID); n != 1 || d.Blob != nil {
		t.Fatalf("before its PDF: emitted %d times, blob %+v", n, d.Blob)
	}
	if !srv.AttachPDF(late.ID, cur.High.Add(time.Hour)) {
		t.Fatal("AttachPDF refused")
	}
	crawl(t, src, cur, log.emit)
	d, n := log.last(late.ID)
	if n != 2 || d.Blob == nil {
		t.Errorf("after its PDF arrived: emitted %d times, blob %+v; want a second emission with the PDF", n, d.Blob)
	}
}

// Issue 20 item 3: a document whose date_created (or date_modified) was stamped before
// documents that were already read, but committed after, is found by the next poll.
func TestLateCommittedDocuments(t *testing.T) {
	for _, field := range []Field{DateCreated, DateModified} {
		t.Run(string(field), func(t *testing.T) {
			srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 40, Seed: 6})
			c := newTestClient(t, srv, testclock.New(time.Now()), nil)
			src := NewSource(c, SourceConfig{Fetch: hashFetch(c)})
			var log emitLog
			cur := crawl(t, src, NewCursor("nysd", field, dataStart(), time.Time{}), log.emit)

			t0 := cur.High.Add(time.Hour)
			held := srv.FileHeld("nysd", 3, t0)
			srv.File("nysd", 2, t0.Add(time.Minute)) // stamped later, committed first
			cur = crawl(t, src, cur, log.emit)
			for _, id := range held {
				if _, n := log.last(id); n != 0 {
					t.Fatalf("held document %d emitted before its commit", id)
				}
			}
			srv.Commit(held...)
			cur = crawl(t, src, cur, log.emit)
			for _, id := range held {
				if _, n := log.last(id); n != 1 {
					t.Errorf("late-committed document %d emitted %d times; want 1", id, n)
				}
			}
			if got, want := len(log.docs), len(srv.Documents("nysd")); got != want {
				t.Errorf("%d documents emitted; want %d", got, want)
			}
			// The overlap reads them again on every poll; they are not emitted again.
			crawl(t, src, cur, log.emit)
			for id, v := range log.docs {
				if len(v) != 1 {
					t.Errorf("%s emitted %d times", id, len(v))
				}
			}
		})
	}
}

// Issue 20 item 11: a cursor saved while the API had another address resumes from its
// position on the new one, instead of failing on a "next" link to the old host.
func TestResumeAfterAPIURLChanged(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 120, Seed: 2})
	c := newTestClient(t, srv, testclock.New(time.Now()), nil)
	src := NewSource(c, SourceConfig{MaxPages: 2})
	var log emitLog
	cur, err := src.Poll(context.Background(), NewCursor("cand", DateCreated, dataStart(), time.Time{}), log.emit)
	if err != nil || !cur.Pending() {
		t.Fatalf("first poll: %v, pending %v", err, cur.Pending())
	}
	// The same data behind another address (a proxy, a moved mirror).
	moved := httptest.NewServer(srv)
	defer moved.Close()
	c2 := newTestClient(t, srv, testclock.New(time.Now()), func(cfg *Config) {
		cfg.BaseURL, cfg.StorageURL, cfg.HTTPClient = moved.URL+"/api/rest/v4/", moved.URL+"/storage/", moved.Client()
	})
	crawl(t, NewSource(c2, SourceConfig{MaxPages: 2}), cur, log.emit)
	if got, want := len(log.docs), len(srv.Documents("cand")); got != want {
		t.Errorf("%d documents after resuming on the new address; want %d", got, want)
	}
	for id, v := range log.docs {
		if len(v) != 1 {
			t.Errorf("%s emitted %d times", id, len(v))
		}
	}
}

// Issue 20 item 9: with the client's budget equal to the account's limits, requests
// from two courts at the window's edge are not throttled although the network delays
// them unevenly (the server logs a request when it arrives, the client when it leaves).
func TestBudgetMarginAtWindowEdge(t *testing.T) {
	clk := testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	n := 0
	arrival := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%6 == 0 { // the request that frees a slot arrives fast, the others slowly
			return clk.Now()
		}
		return clk.Now().Add(900 * time.Millisecond)
	}
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd", "cand"}, DocumentsPerCourt: 20, Rates: clfake.Rates{PerMinute: 5, PerHour: 50}, Now: arrival})
	c := newTestClient(t, srv, clk, func(cfg *Config) { cfg.Budget = &Limits{PerMinute: 5, PerHour: 50} })
	courts := [][]clfake.Document{srv.Documents("nysd"), srv.Documents("cand")}
	for i := 0; i < 30; i++ {
		if _, err := c.RECAPDocument(context.Background(), courts[i%2][i/2].ID); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if st := srv.Stats(); st.Throttled != 0 || st.Requests != 30 {
		t.Errorf("%d of %d requests throttled; want none", st.Throttled, st.Requests)
	}
}

func dataStart() time.Time { return time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC) }
