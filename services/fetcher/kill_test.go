package fetcher

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The test binary doubles as a fetcher process: with FETCHER_TEST_CHILD set it runs a
// backfill against the NATS server and the fake CourtListener of the parent test, which
// can then kill it with SIGKILL like any process.
func TestMain(m *testing.M) {
	if os.Getenv("FETCHER_TEST_CHILD") == "backfill" {
		if err := childBackfill(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childBackfill is the fetcher process: connect, backfill every court in turn.
func childBackfill() error {
	env := func(k string) string { return os.Getenv("FETCHER_TEST_" + k) }
	nc, err := bus.Connect(env("NATS_URL"), "fetcher-child", nats.Token(env("NATS_TOKEN")))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	blobs, err := blob.NewNATS(ctx, js, bus.ObjectPDFs)
	if err != nil {
		return err
	}
	since, err := time.Parse(time.RFC3339, env("SINCE"))
	if err != nil {
		return err
	}
	until, err := time.Parse(time.RFC3339, env("UNTIL"))
	if err != nil {
		return err
	}
	none, _ := ParseLimits("none")
	cfg := Config{CourtListener: CourtListenerConfig{
		Token: Secret(env("CL_TOKEN")), BaseURL: env("CL_URL"), StorageURL: env("CL_STORAGE"),
		Budget: &none, Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxPages: 3,
	}}
	svc, err := New(cfg, Deps{JS: js, Blobs: blobs, Sleep: fastSleep})
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
	srv := clfake.New(clfake.Config{Courts: courts, DocumentsPerCourt: 700, Seed: 33})
	defer srv.Close()
	srv.SetFaults(clfake.Faults{ServerErrorEvery: 11, ThrottleEvery: 29, TruncateEvery: 17, CorruptEvery: 23})
	truth := srv.Documents("")
	env := startNATS(t)

	child := func() (*exec.Cmd, *bytes.Buffer) { return startChild(t, env, srv, courts) }
	wait := func(cmd *exec.Cmd, out *bytes.Buffer, d time.Duration) error { return waitChild(t, cmd, out, d) }

	// First run: kill -9 once about 40% of the documents are on FILINGS.
	cmd, out := child()
	deadline := time.Now().Add(30 * time.Second)
	for filingsCount(t, env.js) < len(truth)*2/5 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child made no progress:\n%s", out)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := wait(cmd, out, 10*time.Second); err == nil {
		t.Fatal("the child finished before it was killed; the test proves nothing")
	}
	atKill := filingsCount(t, env.js)
	if atKill >= len(truth) {
		t.Fatalf("%d of %d documents published before the kill; want a kill mid-backfill", atKill, len(truth))
	}
	// The saved "next" links of the dead process have expired meanwhile.
	srv.RotateCursors()

	// Restart: the backfill resumes from its saved cursors and completes.
	downloadsBefore := srv.Stats().Storage
	start := time.Now()
	cmd, out = child()
	if err := wait(cmd, out, 40*time.Second); err != nil {
		t.Fatalf("restarted child: %v\n%s", err, out)
	}
	resumed := time.Since(start)
	checkExactlyOnce(t, srv, env, filings(t, env.js), truth)
	// Resuming, not starting over: the restarted process downloads little more than the
	// PDFs of the documents left (plus retries of corrupt ones and one unsaved poll).
	available := 0
	for _, d := range truth {
		if d.IsAvailable {
			available++
		}
	}
	left := available * (len(truth) - atKill) / len(truth)
	if got := srv.Stats().Storage - downloadsBefore; got > left+left/5+100 {
		t.Errorf("the restarted process downloaded %d PDFs; about %d were left: it did not resume", got, left)
	}

	// A third run finds every backfill finished and publishes nothing.
	cmd, out = child()
	if err := wait(cmd, out, 20*time.Second); err != nil {
		t.Fatalf("third child: %v\n%s", err, out)
	}
	if n := filingsCount(t, env.js); n != len(truth) {
		t.Errorf("after a third run FILINGS holds %d; want %d", n, len(truth))
	}
	t.Logf("killed at %d of %d documents; the restarted process finished the rest in %v", atKill, len(truth), resumed)
}

// startChild starts a fetcher process backfilling courts from srv into env.
func startChild(t *testing.T, env natsEnv, srv *clfake.Server, courts []string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(),
		"FETCHER_TEST_CHILD=backfill",
		"FETCHER_TEST_NATS_URL="+env.srv.ClientURL(),
		"FETCHER_TEST_NATS_TOKEN="+env.srv.Token,
		"FETCHER_TEST_CL_URL="+srv.APIBase(),
		"FETCHER_TEST_CL_STORAGE="+srv.StorageBase(),
		"FETCHER_TEST_CL_TOKEN="+srv.Token(),
		"FETCHER_TEST_COURTS="+strings.Join(courts, ","),
		"FETCHER_TEST_SINCE="+dataStart.Format(time.RFC3339),
		"FETCHER_TEST_UNTIL="+dataStart.AddDate(0, 3, 0).Format(time.RFC3339),
	)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// waitChild waits for a child's exit, killing it and failing after d.
func waitChild(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("fetcher child still running after %v:\n%s", d, out)
		return nil
	}
}

// Issue 20 item 8: a backfill killed with SIGKILL and run again downloads no PDF twice
// (it used to save its cursor every ten pages and fetch up to 200 PDFs again).
func TestBackfillCrashRedownloadsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	srv := clfake.New(clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 500, Seed: 35})
	defer srv.Close()
	truth := srv.Documents("")
	env := startNATS(t)
	cmd, out := startChild(t, env, srv, []string{"nysd"})
	deadline := time.Now().Add(30 * time.Second)
	for filingsCount(t, env.js) < len(truth)/2 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child made no progress:\n%s", out)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := waitChild(t, cmd, out, 10*time.Second); err == nil {
		t.Fatal("the child finished before it was killed; the test proves nothing")
	}
	cmd, out = startChild(t, env, srv, []string{"nysd"})
	if err := waitChild(t, cmd, out, 40*time.Second); err != nil {
		t.Fatalf("restarted child: %v\n%s", err, out)
	}
	checkExactlyOnce(t, srv, env, filings(t, env.js), truth)
	available := 0
	for _, d := range truth {
		if d.IsAvailable {
			available++
		}
	}
	// One PDF may have been stored but not yet remembered when the kill came.
	if got := srv.Stats().Storage; got > available+1 {
		t.Errorf("%d PDF downloads for %d available documents across the crash; want each once", got, available)
	}
}
