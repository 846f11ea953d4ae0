package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
	"github.com/nats-io/nats.go"
)

// startServing starts `docketwatch run` on data and waits until it serves.
func startServing(t *testing.T, data string, out *runtest.Buffer) *exec.Cmd {
	t.Helper()
	run := docketwatch(t, "run", "--data", data, "--http", "127.0.0.1:0")
	serveRun(t, run, out)
	return run
}

// writeFilings writes n one-page PDFs into a new folder, each naming its number in
// the text, and returns the folder.
func writeFilings(t *testing.T, n int, title, body string) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("filing-%d.pdf", i)),
			testpdf.New(fmt.Sprintf("%s %d", title, i), fmt.Sprintf("Item %d: %s", i, body)))
	}
	return dir
}

// startIngest starts `docketwatch ingest` on dir for the data directory, and returns
// its combined output and a channel that receives how it ended.
func startIngest(t *testing.T, data, dir string) (*runtest.Buffer, <-chan error) {
	t.Helper()
	ingest := docketwatch(t, "ingest", "--data", data, dir)
	out := &runtest.Buffer{}
	ingest.Stdout, ingest.Stderr = out, out
	if err := ingest.Start(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- ingest.Wait() }()
	t.Cleanup(func() { ingest.Process.Kill() })
	return out, ended
}

// TestIngestFollowsARestartedRun: an ingest waiting on the `run` it handed its files to
// keeps waiting when that run is killed and started again (on a new port, with a new
// token), and ends when the restarted run has indexed every file. Before, it waited
// forever.
func TestIngestFollowsARestartedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	data := t.TempDir()
	out := &runtest.Buffer{}
	run := startServing(t, data, out)

	const files = 8
	ingestOut, ended := startIngest(t, data, writeFilings(t, files, "DECLARATION", "the harbour dredging schedule."))

	// Once every file is handed over, the run dies.
	owner, err := datadir.ReadOwner(data)
	if err != nil {
		t.Fatal(err)
	}
	nc, js := bustest.Dial(t, owner.NATS, "test", nats.Token(owner.Token), nats.MaxReconnects(0))
	poll.UntilGot(t, 60*time.Second, "the ingest to hand over its files", func() (bool, string) {
		str, err := js.Stream(context.Background(), bus.Filings)
		return err == nil && str.CachedInfo().State.Msgs >= files, ingestOut.String()
	})
	nc.Close()
	run.Process.Kill()
	run.Wait()

	startServing(t, data, out)
	select {
	case err := <-ended:
		if err != nil || !strings.Contains(ingestOut.String(), fmt.Sprintf("%d files: %d indexed", files, files)) {
			t.Fatalf("ingest across the restart: %v\n%s\nrun's log:\n%s", err, ingestOut, out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the ingest still waits 2 minutes after the run came back\n%s", ingestOut)
	}
}
