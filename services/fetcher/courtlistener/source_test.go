package courtlistener

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/testclock"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// roundTrip stores and reloads a cursor as the KV bucket would.
func roundTrip(t testing.TB, c Cursor) Cursor {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var out Cursor
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBackfillExactlyOnceUnderFaults(t *testing.T) {
	courts := []string{"nysd", "cand", "nysb", "ca9"}
	srv := clfake.Start(t, clfake.Config{Courts: courts, DocumentsPerCourt: 550, Seed: 7})
	srv.SetFaults(clfake.Faults{ServerErrorEvery: 7, ThrottleEvery: 11, TruncateEvery: 13, CorruptEvery: 17})
	clk := testclock.New(time.Now())
	c := newTestClient(t, srv, clk, nil)
	src := NewSource(c, SourceConfig{Fetch: hashFetch(c), MaxPages: 3})

	truth := srv.Documents("")
	if len(truth) < 2000 {
		t.Fatalf("fake made %d documents; want ≥ 2000", len(truth))
	}
	emitted := map[string]int{}
	var docs []filing.Document
	calls := 0
	emit := func(_ context.Context, d filing.Document) error {
		calls++
		// The bus refuses every 97th document: the poll must stop and resume cleanly.
		if calls%97 == 0 {
			return errors.New("bus unavailable")
		}
		emitted[d.SourceID]++
		docs = append(docs, d)
		return nil
	}
	ctx := context.Background()
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	interruptions, rotations := 0, 0
	for _, court := range courts {
		cur := NewCursor(court, DateCreated, start, start.Add(60*24*time.Hour))
		for polls := 0; ; polls++ {
			if polls > 500 {
				t.Fatalf("%s: backfill did not finish", court)
			}
			if polls%4 == 3 {
				srv.RotateCursors() // saved "next" links go stale
				rotations++
			}
			next, err := src.Poll(ctx, roundTrip(t, cur), emit)
			cur = next
			if err != nil {
				if fault.IsPermanent(err) {
					t.Fatalf("%s: permanent error: %v", court, err)
				}
				interruptions++
				continue
			}
			if !cur.Pending() {
				break
			}
		}
	}
	for _, d := range truth {
		key := "rd:" + strconv.FormatInt(d.ID, 10)
		if emitted[key] != 1 {
			t.Errorf("document %s emitted %d times; want 1", key, emitted[key])
		}
	}
	if len(emitted) != len(truth) {
		t.Errorf("emitted %d distinct documents; want %d", len(emitted), len(truth))
	}
	if interruptions == 0 || rotations == 0 {
		t.Errorf("test exercised %d interruptions and %d rotations; want both", interruptions, rotations)
	}
	ids := map[filing.DocID]bool{}
	byID := map[string]clfake.Document{}
	for _, d := range truth {
		byID["rd:"+strconv.FormatInt(d.ID, 10)] = d
	}
	withBlob := 0
	for _, d := range docs {
		if ids[d.ID] {
			t.Errorf("DocID %s emitted for two documents", d.ID)
		}
		ids[d.ID] = true
		want := byID[d.SourceID]
		dk, _ := srv.Docket(want.DocketID)
		e, _ := srv.Entry(want.EntryID)
		wantID := filing.NewDocID(dk.Court, dk.DocketNumber, e.EntryNumber, want.AttachmentNumber)
		if dk.Court != "nysd" && dk.Court != "cand" {
			wantID = d.ID // bankruptcy and appellate numbers are already normal
		}
		if d.ID != wantID || d.Docket.CaseName != dk.CaseName || d.Entry.Description != e.Description || d.Description != want.Description {
			t.Errorf("%s: got id %s case %q entry %q desc %q; want %s %q %q %q", d.SourceID, d.ID, d.Docket.CaseName, d.Entry.Description, d.Description, wantID, dk.CaseName, e.Description, want.Description)
		}
		if want.IsAvailable {
			sum := sha256.Sum256(want.PDF)
			if d.Blob == nil || d.Blob.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: blob %+v; want sha256 of the stored PDF", d.SourceID, d.Blob)
			}
			withBlob++
		} else if d.Blob != nil {
			t.Errorf("%s: unavailable document has a blob", d.SourceID)
		}
	}
	st := srv.Stats()
	t.Logf("%d documents (%d with PDFs), %d API requests, %d storage requests, %d throttled, statuses %v, %d interruptions",
		len(docs), withBlob, st.Requests, st.Storage, st.Throttled, st.ByStatus, interruptions)
}

// A crash (kill -9) loses whatever was emitted after the last persisted cursor; resuming
// from it repeats at most that, and the set of documents is unchanged (downstream
// de-duplicates by DocID).
func TestResumeAfterCrash(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 300, Seed: 3})
	clk := testclock.New(time.Now())
	c := newTestClient(t, srv, clk, nil)
	src := NewSource(c, SourceConfig{MaxPages: 2})
	count := map[filing.DocID]int{}
	emit := func(_ context.Context, d filing.Document) error { count[d.ID]++; return nil }

	persisted := NewCursor("cand", DateCreated, time.Time{}, time.Time{})
	cur := persisted
	for polls := 0; ; polls++ {
		next, err := src.Poll(context.Background(), cur, emit)
		if err != nil {
			t.Fatal(err)
		}
		if polls == 3 {
			// Crash before persisting: the next process starts from the saved cursor.
			cur = roundTrip(t, persisted)
			continue
		}
		persisted, cur = next, next
		if !cur.Pending() {
			break
		}
	}
	repeats := 0
	for _, n := range count {
		repeats += n - 1
	}
	if len(count) != len(srv.Documents("cand")) {
		t.Errorf("%d distinct documents; want %d", len(count), len(srv.Documents("cand")))
	}
	if repeats == 0 || repeats > 2*20 {
		t.Errorf("%d repeats after the crash; want between 1 and one poll's pages (40)", repeats)
	}

	// New filings arrive; the next poll from the finished cursor emits exactly those.
	before := len(count)
	made := srv.File("cand", 25, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	next, err := src.Poll(context.Background(), roundTrip(t, cur), emit)
	if err != nil {
		t.Fatal(err)
	}
	if len(count)-before != made || next.Emitted-cur.Emitted != int64(made) {
		t.Errorf("after %d new filings: %d new documents, cursor counted %d", made, len(count)-before, next.Emitted-cur.Emitted)
	}
}

// When every saved "next" link has expired, each poll restarts from its position; the
// sweep must not look finished just because a poll ended on the restart.
func TestExpiredCursorIsNotTheEnd(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 200, Seed: 9})
	c := newTestClient(t, srv, testclock.New(time.Now()), nil)
	src := NewSource(c, SourceConfig{MaxPages: 1})
	seen := map[string]int{}
	emit := func(_ context.Context, d filing.Document) error { seen[d.SourceID]++; return nil }
	cur := NewCursor("nysd", DateCreated, time.Time{}, time.Time{})
	for polls := 0; ; polls++ {
		if polls > 100 {
			t.Fatal("crawl did not finish")
		}
		srv.RotateCursors()
		var err error
		if cur, err = src.Poll(context.Background(), roundTrip(t, cur), emit); err != nil {
			t.Fatal(err)
		}
		if !cur.Pending() {
			break
		}
	}
	if len(seen) != 200 {
		t.Errorf("crawl ended after %d of 200 documents", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s emitted %d times", id, n)
		}
	}
}
