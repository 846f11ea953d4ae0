package fetcher

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// The test binary doubles as a fetcher process: in the child role "backfill" it runs a
// backfill against the NATS server and the fake CourtListener of the parent test, which
// can then kill it with SIGKILL like any process.
func TestMain(m *testing.M) {
	runtest.ServeChild(map[string]runtest.Role{"backfill": childBackfill})
	os.Exit(m.Run())
}

// childBackfill is the fetcher process: connect, backfill every court in turn.
func childBackfill(ctx context.Context, nats *runtest.Joined) error {
	env := func(k string) string { return os.Getenv("FETCHER_TEST_" + k) }
	since, err := time.Parse(time.RFC3339, env("SINCE"))
	if err != nil {
		return err
	}
	until, err := time.Parse(time.RFC3339, env("UNTIL"))
	if err != nil {
		return err
	}
	none, _ := ParseLimits("none")
	cl := clfake.FromEnv()
	cfg := Config{CourtListener: CourtListenerConfig{
		Token: Secret(cl.Token), BaseURL: cl.APIBase, StorageURL: cl.StorageBase,
		Budget: &none, Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxPages: 3,
	}}
	svc, err := New(cfg, Deps{JS: nats.JS, Blobs: nats.Blobs, Sleep: fastSleep})
	if err != nil {
		return err
	}
	for _, court := range strings.Split(env("COURTS"), ",") {
		if _, err := svc.Backfill(ctx, court, since, until, nil); err != nil {
			return err
		}
	}
	return nil
}

// A fetcher process killed with SIGKILL in the middle of a backfill and started again
// leaves FILINGS exactly as an uninterrupted run would: every document once.
func TestKillMidBackfill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	courts := []string{"nysd", "ca9", "nysb"}
	srv := clfake.Start(t, clfake.Config{Courts: courts, DocumentsPerCourt: 700, Seed: 33})
	srv.SetFaults(clfake.Faults{ServerErrorEvery: 11, ThrottleEvery: 29, TruncateEvery: 17, CorruptEvery: 23})
	truth := srv.Documents("")
	env := startNATS(t)

	// First run: kill -9 once about 40% of the documents are on FILINGS.
	child := startChild(t, env, srv, courts)
	child.UntilProgressing(t, 30*time.Second, "40% of the documents on FILINGS", func() (bool, string) {
		n := filingsCount(t, env.js)
		return n >= len(truth)*2/5, fmt.Sprint(n)
	})
	child.Kill(t)
	atKill := filingsCount(t, env.js)
	if atKill >= len(truth) {
		t.Fatalf("%d of %d documents published before the kill; want a kill mid-backfill", atKill, len(truth))
	}
	// The saved "next" links of the dead process have expired meanwhile.
	srv.RotateCursors()

	// Restart: the backfill resumes from its saved cursors and completes.
	downloadsBefore := srv.Stats().Storage
	start := time.Now()
	if err := startChild(t, env, srv, courts).WaitProgressing(t, 30*time.Second, published(t, env)); err != nil {
		t.Fatalf("restarted child: %v", err)
	}
	resumed := time.Since(start)
	checkExactlyOnce(t, srv, env, filings(t, env.js), truth)
	// Resuming, not starting over: the restarted process downloads little more than the
	// PDFs of the documents left (plus retries of corrupt ones and one unsaved poll).
	left := available(truth) * (len(truth) - atKill) / len(truth)
	if got := srv.Stats().Storage - downloadsBefore; got > left+left/5+100 {
		t.Errorf("the restarted process downloaded %d PDFs; about %d were left: it did not resume", got, left)
	}

	// A third run finds every backfill finished and publishes nothing.
	if err := startChild(t, env, srv, courts).Wait(t, 20*time.Second); err != nil {
		t.Fatalf("third child: %v", err)
	}
	if n := filingsCount(t, env.js); n != len(truth) {
		t.Errorf("after a third run FILINGS holds %d; want %d", n, len(truth))
	}
	t.Logf("killed at %d of %d documents; the restarted process finished the rest in %v", atKill, len(truth), resumed)
}

// startChild starts a fetcher process backfilling courts from srv into env.
func startChild(t *testing.T, env natsEnv, srv *clfake.Server, courts []string) *runtest.Child {
	t.Helper()
	return runtest.StartChild(t, "backfill", append(append(runtest.ChildNATS(env.srv), srv.ChildEnv()...),
		"FETCHER_TEST_COURTS="+strings.Join(courts, ","),
		"FETCHER_TEST_SINCE="+dataStart.Format(time.RFC3339),
		"FETCHER_TEST_UNTIL="+dataStart.AddDate(0, 3, 0).Format(time.RFC3339),
	)...)
}

// published reports a child's progress for WaitProgressing: the FILINGS count and the
// cursors bucket's revision (a backfill saves its cursor after every page, published
// or not).
func published(t *testing.T, env natsEnv) func() string {
	return func() string {
		str, err := env.js.Stream(context.Background(), "KV_"+bus.BucketCursors)
		if err != nil {
			t.Fatal(err)
		}
		info, err := str.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("FILINGS %d, cursors bucket at %d", filingsCount(t, env.js), info.State.LastSeq)
	}
}

// available counts the documents whose PDF CourtListener has.
func available(docs []clfake.Document) int {
	n := 0
	for _, d := range docs {
		if d.IsAvailable {
			n++
		}
	}
	return n
}

// Issue 20 item 8: a backfill killed with SIGKILL and run again downloads no PDF twice
// (it used to save its cursor every ten pages and fetch up to 200 PDFs again).
func TestBackfillCrashRedownloadsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 500, Seed: 35})
	truth := srv.Documents("")
	env := startNATS(t)
	child := startChild(t, env, srv, []string{"nysd"})
	child.UntilProgressing(t, 30*time.Second, "half the documents on FILINGS", func() (bool, string) {
		n := filingsCount(t, env.js)
		return n >= len(truth)/2, fmt.Sprint(n)
	})
	child.Kill(t)
	if err := startChild(t, env, srv, []string{"nysd"}).WaitProgressing(t, 30*time.Second, published(t, env)); err != nil {
		t.Fatalf("restarted child: %v", err)
	}
	checkExactlyOnce(t, srv, env, filings(t, env.js), truth)
	// One PDF may have been stored but not yet remembered when the kill came.
	if got, want := srv.Stats().Storage, available(truth); got > want+1 {
		t.Errorf("%d PDF downloads for %d available documents across the crash; want each once", got, want)
	}
}
