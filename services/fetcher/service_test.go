package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// A backfill of three courts runs while the live poller works the same courts, against
// a fake answering with 5xx, 429, truncated bodies, slow responses, corrupt PDFs and
// rotated cursors: FILINGS ends with every document exactly once.
func TestBackfillWithLivePollingExactlyOnce(t *testing.T) {
	courts := []string{"nysd", "cand", "nysb"}
	srv := clfake.Start(t, clfake.Config{Courts: courts, DocumentsPerCourt: 700, Seed: 21})
	srv.SetFaults(clfake.Faults{ServerErrorEvery: 9, ThrottleEvery: 23, TruncateEvery: 13, SlowEvery: 37, Slow: 20 * time.Millisecond, CorruptEvery: 29})
	truth := srv.Documents("")
	if len(truth) < 2000 {
		t.Fatalf("fake made %d documents; want ≥ 2000", len(truth))
	}
	env := startNATS(t)
	cl := clConfig(srv, courts...)
	cl.PollInterval = time.Hour
	// A PDF whose two downloads both meet a corrupt answer (28 other downloads in between,
	// likelier on a loaded machine) is queued; the queue waits on real timers, so its
	// retry interval is shortened as fastSleep shortens the other waits.
	svc := mustNew(t, Config{CourtListener: cl, JobRetryInterval: time.Minute / speedup}, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t), Sleep: fastSleep})

	// No deadline on the whole: a loaded machine does the same work later. What fails
	// the test is a stall (WhileProgressing), and go test's -timeout bounds the rest.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- svc.Run(runCtx) }()

	var wg sync.WaitGroup
	results := make([]Progress, len(courts))
	errs := make([]error, len(courts))
	var progressCalls sync.Map
	for i, court := range courts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = svc.Backfill(ctx, court, dataStart, dataStart.AddDate(0, 2, 0), func(p Progress) {
				progressCalls.Store(court, p)
			})
		}()
	}
	backfilled := make(chan struct{})
	go func() { wg.Wait(); close(backfilled) }()
	// Saved "next" links go stale while the crawl runs.
	rotations := 0
	next := time.Now()
	poll.WhileProgressing(t, 30*time.Second, "the backfills to return", func() (bool, string) {
		select {
		case <-backfilled:
			return true, ""
		default:
		}
		if time.Now().After(next) {
			srv.RotateCursors()
			rotations++
			next = time.Now().Add(50 * time.Millisecond)
		}
		progress := fmt.Sprintf("FILINGS %d;", filingsCount(t, env.js))
		for _, court := range courts {
			if p, ok := progressCalls.Load(court); ok {
				progress += fmt.Sprintf(" %s done %d;", court, p.(Progress).Done)
			}
		}
		return false, progress
	})
	for i, court := range courts {
		if errs[i] != nil {
			t.Fatalf("backfill %s: %v", court, errs[i])
		}
		p := results[i]
		want := int64(len(srv.Documents(court)))
		if !p.Finished || p.Total != want || p.Done != want {
			t.Errorf("backfill %s: finished %v, total %d, done %d; want true, %d, %d", court, p.Finished, p.Total, p.Done, want, want)
		}
		if _, ok := progressCalls.Load(court); !ok {
			t.Errorf("backfill %s never reported progress", court)
		}
	}
	// Let the live pollers catch up and see nothing new, then stop. Each page a poller
	// reads moves its saved cursor on (a new revision).
	poll.WhileProgressing(t, 30*time.Second, "live pollers caught up", func() (bool, string) {
		caught := true
		for _, st := range svc.Status() {
			if st.LastSuccess.IsZero() || st.NextPoll.Sub(st.LastSuccess) < 30*time.Minute {
				caught = false
			}
		}
		progress := "cursor revisions"
		for _, court := range courts {
			var cur courtlistener.Cursor
			rev, err := svc.cur.load(ctx, clPollKey(court), &cur)
			if err != nil {
				t.Fatal(err)
			}
			progress += fmt.Sprintf(" %s %d", court, rev)
		}
		return caught, progress
	})
	stopRun()
	if err := <-runDone; err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkExactlyOnce(t, srv, env, filings(t, env.js), truth)

	// A second backfill of the same range is a no-op: it is recorded as finished.
	p, err := svc.Backfill(context.Background(), "cand", dataStart, dataStart.AddDate(0, 2, 0), nil)
	if err != nil || !p.Finished || p.Published != 0 {
		t.Errorf("repeated backfill: %+v, %v; want finished, nothing published", p, err)
	}
	if n := filingsCount(t, env.js); n != len(truth) {
		t.Errorf("after a repeated backfill FILINGS holds %d; want %d", n, len(truth))
	}
	st := srv.Stats()
	t.Logf("%d documents, %d API requests, %d storage, statuses %v, %d cursor rotations", len(truth), st.Requests, st.Storage, st.ByStatus, rotations)
	if st.ByStatus[500]+st.ByStatus[502]+st.ByStatus[503] == 0 || st.Throttled == 0 {
		t.Errorf("faults were not exercised: %v", st.ByStatus)
	}
}

// New filings after the live poller caught up are published on the next poll, and a
// new process resumes from the saved cursor without repeating anything.
func TestLivePollResumes(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 120, Seed: 4})
	env := startNATS(t)
	cfg := Config{CourtListener: clConfig(srv, "cand")}
	svc := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	ctx := context.Background()
	if err := svc.init(ctx); err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		var err error
		if more, err = svc.pollCourtListener(ctx, "cand"); err != nil {
			t.Fatal(err)
		}
	}
	if n := filingsCount(t, env.js); n != 120 {
		t.Fatalf("after catching up FILINGS holds %d; want 120", n)
	}
	made := srv.File("cand", 15, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

	// A restarted fetcher: a new Service over the same buckets.
	svc2 := mustNew(t, cfg, Deps{JS: env.js, Blobs: env.blobs, Log: testLogger(t)})
	if err := svc2.init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.pollCourtListener(ctx, "cand"); err != nil {
		t.Fatal(err)
	}
	if n := filingsCount(t, env.js); n != 120+made {
		t.Errorf("after %d new filings FILINGS holds %d; want %d", made, n, 120+made)
	}
	st := svc2.Status()
	if len(st) != 1 || st[0].Published != int64(made) || st[0].LastNew.IsZero() || st[0].Errors != 0 {
		t.Errorf("status %+v; want %d published, no errors", st, made)
	}
}

// Two fetchers saving the same cursor: the second save loses the compare-and-set and
// says so, rather than overwriting.
func TestCursorCompareAndSet(t *testing.T) {
	env := startNATS(t)
	svc := mustNew(t, Config{}, Deps{JS: env.js, Blobs: env.blobs})
	ctx := context.Background()
	if err := svc.init(ctx); err != nil {
		t.Fatal(err)
	}
	c := svc.cur
	var v courtlistener.Cursor
	rev, err := c.load(ctx, "courtlistener.poll.cand", &v)
	if err != nil || rev != 0 {
		t.Fatalf("load of a missing cursor: rev %d err %v", rev, err)
	}
	r1, err := c.save(ctx, "courtlistener.poll.cand", courtlistener.Cursor{Court: "cand", Emitted: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.save(ctx, "courtlistener.poll.cand", courtlistener.Cursor{Court: "cand", Emitted: 99}, 0); !errors.Is(err, ErrCursorConflict) {
		t.Errorf("second create: err %v; want ErrCursorConflict", err)
	}
	if _, err := c.save(ctx, "courtlistener.poll.cand", courtlistener.Cursor{Court: "cand", Emitted: 2}, r1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.save(ctx, "courtlistener.poll.cand", courtlistener.Cursor{Court: "cand", Emitted: 98}, r1); !errors.Is(err, ErrCursorConflict) {
		t.Errorf("stale update: err %v; want ErrCursorConflict", err)
	}
	if _, err := c.load(ctx, "courtlistener.poll.cand", &v); err != nil || v.Emitted != 2 {
		t.Errorf("cursor after the lost races: %+v, %v; want emitted 2", v, err)
	}
}

// A refused token stops the CourtListener courts with a clear error; Run returns when
// every source has stopped.
func TestRefusedTokenStops(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocumentsPerCourt: 10})
	env := startNATS(t)
	cl := clConfig(srv, "cand")
	cl.Token = "wrong-token-" + Secret(strings.Repeat("b", 28))
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	svc := mustNew(t, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs, Log: log, Sleep: fastSleep})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := svc.Run(ctx)
	if err == nil || !fault.IsPermanent(err) || !strings.Contains(err.Error(), "token") {
		t.Fatalf("Run: %v; want a permanent error about the token\n%s", err, logs.String())
	}
	st := svc.Status()
	if len(st) != 1 || !st[0].Stopped || st[0].LastError == "" {
		t.Errorf("status %+v; want stopped with the error", st)
	}
	if strings.Contains(logs.String(), "bbbbbbbb") {
		t.Error("the token appears in the log")
	}
}

func TestConfigValidate(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty-token")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"empty", Config{}, ""},
		{"courts without token", Config{CourtListener: CourtListenerConfig{Courts: []string{"cand"}}}, "without an API token"},
		{"no token file", Config{CourtListener: CourtListenerConfig{Courts: []string{"cand"}, TokenFile: "/nonexistent/token"}}, "--courtlistener-token-file"},
		{"an empty token file", Config{CourtListener: CourtListenerConfig{TokenFile: empty}}, "--courtlistener-token-file"},
		{"bad court", Config{CourtListener: CourtListenerConfig{Courts: []string{"Cand/x"}, Token: "t"}}, "court id"},
		{"duplicate court", Config{PACER: PACERConfig{Courts: []string{"nysd", "nysd"}}}, "twice"},
		{"impolite interval", Config{PACER: PACERConfig{Courts: []string{"nysd"}, Interval: time.Minute}}, "polite minimum"},
		{"fast allowed", Config{PACER: PACERConfig{Courts: []string{"nysd"}, Interval: time.Minute, AllowFast: true}}, ""},
		{"API root not a URL", Config{CourtListener: CourtListenerConfig{BaseURL: "www.courtlistener.com/api"}}, "--courtlistener-url"},
		{"bad field", Config{CourtListener: CourtListenerConfig{Field: "date_filed"}}, "date_created or date_modified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate: %v; want %q", err, tc.wantErr)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg := Config{CourtListener: CourtListenerConfig{Token: "s3cr3t-token"}}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "token", cfg.CourtListener.Token)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logs.String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("token printed: %s", s)
		}
	}
	if tok, err := cfg.CourtListener.token(); err != nil || tok != "s3cr3t-token" {
		t.Errorf("token() = %q, %v", tok, err)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    courtlistener.Limits
		wantErr bool
	}{
		{"5/min,50/hour,125/day", courtlistener.Limits{PerMinute: 5, PerHour: 50, PerDay: 125}, false},
		{"none", courtlistener.Limits{}, false},
		{"100/hour", courtlistener.Limits{PerHour: 100}, false},
		{"5/week", courtlistener.Limits{}, true},
		{"x/min", courtlistener.Limits{}, true},
	}
	for _, tc := range tests {
		got, err := ParseLimits(tc.in)
		if (err != nil) != tc.wantErr || !tc.wantErr && got != tc.want {
			t.Errorf("ParseLimits(%q) = %+v, %v; want %+v (err %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// docIDs returns the set of DocIDs of docs.
func docIDs(docs []filing.Document) map[filing.DocID]int {
	out := map[filing.DocID]int{}
	for _, d := range docs {
		out[d.ID]++
	}
	return out
}
