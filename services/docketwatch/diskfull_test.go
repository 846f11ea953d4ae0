package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/docketwatch/datadir"
)

// TestFullDiskIngestRecovers: a `run` whose data directory's disk is full says so
// (/readyz, /metrics, the status page), an ingest handed to it waits instead of failing,
// and once space is freed everything heals by itself: every file is indexed, none
// parked, without a restart.
func TestFullDiskIngestRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a small volume and starts child processes")
	}
	data := runtest.SmallVolume(t, "160m")
	out := &runtest.Buffer{}
	startServing(t, data, out)
	o, err := datadir.ReadOwner(data)
	if err != nil || o.HTTP == "" {
		t.Fatalf("the run's owner file: %+v, %v", o, err)
	}
	owner := o.HTTP

	filler := runtest.FillDisk(t, data)

	const files = 6
	ingestOut, ended := startIngest(t, data, writeFilings(t, files, "ORDER", "the reservoir spillway inspection is continued."))

	// The full disk is seen and said.
	get := func(path string) (int, string) {
		r := webtest.Get(t, owner+path)
		return r.Status, string(r.Body)
	}
	poll.UntilGot(t, 30*time.Second, "/readyz to answer 503 naming the full disk", func() (bool, string) {
		code, body := get("/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "disk"), fmt.Sprintf("%d %q; run's log:\n%s", code, body, out)
	})
	if _, body := get("/metrics"); !strings.Contains(body, "docketwatch_nats_disk_full 1") {
		t.Errorf("/metrics does not show the full disk")
	}
	if _, body := get("/status"); !strings.Contains(body, "disk of the NATS store is full") {
		t.Errorf("the status page does not show the full disk")
	}
	select {
	case err := <-ended:
		t.Fatalf("ingest ended while the disk was full: %v\n%s", err, ingestOut)
	default:
	}

	os.Remove(filler)
	select {
	case err := <-ended:
		if err != nil || !strings.Contains(ingestOut.String(), fmt.Sprintf("%d files: %d indexed, 0 duplicate, 0 parked, 0 failed", files, files)) {
			t.Fatalf("ingest after the disk healed: %v\n%s\nrun's log:\n%s", err, ingestOut, out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("ingest still waits 2 minutes after space was freed\n%s\nrun's log:\n%s", ingestOut, out)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after healing: %d %s", code, body)
	}
	if o, err := docketwatch(t, "dead", "list", "--data", data).CombinedOutput(); err != nil || strings.Contains(string(o), "filing-") {
		t.Fatalf("dead list after healing: %v\n%s", err, o)
	}
}
