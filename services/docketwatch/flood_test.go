package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/run/runtest"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
)

// TestConnectionFloodLeavesTheServiceWorking: a client holding far more connections than
// the process has file descriptors (keep-alive connections after one GET, and connections
// that never send a byte) cannot take the process down: while the flood holds, a file is
// ingested and found through the HTTP API, and the process is ready afterwards. Before
// the connection cap the flood took every descriptor and JetStream stayed broken.
func TestConnectionFloodLeavesTheServiceWorking(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and opens thousands of connections")
	}
	const openFiles, flood = 1024, 3000
	data := t.TempDir()
	out := &runtest.Buffer{}
	self := docketwatch(t).Path
	run := docketwatch(t)
	// The child gets a small descriptor table (soft and hard: the Go runtime raises the
	// soft limit to the hard one), so the flood is larger than it.
	run.Path = "/usr/bin/prlimit"
	run.Args = []string{"prlimit", "--nofile=1024:1024", "--", self, "run", "--data", data, "--http", "127.0.0.1:0"}
	if _, err := exec.LookPath(run.Path); err != nil {
		t.Skipf("no prlimit to run under: %v", err)
	}
	base := serveRun(t, run, out)
	addr := strings.TrimPrefix(base, "http://")

	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// Keep-alive clients, within the rate limit's burst: each asks once and stays.
	for range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			resp.Body.Close()
		}
	}
	// Silent connections, thrice the child's descriptors.
	for i := range flood {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Logf("connection %d of the flood: %v", i, err)
			continue
		}
		held = append(held, c)
	}
	t.Logf("holding %d connections to a process allowed %d descriptors", len(held), openFiles)

	// While the flood holds: ingest, then search over HTTP.
	pdf := filepath.Join(t.TempDir(), "exhibit.pdf")
	writeFile(t, pdf, testpdf.New("EXHIBIT 9", "The quarterly floodgate report names the pumping station."))
	ingest := docketwatch(t, "ingest", "--data", data, pdf)
	done := make(chan error, 1)
	var ingestOut []byte
	go func() {
		var err error
		ingestOut, err = ingest.CombinedOutput()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ingest during the flood: %v\n%s\nrun's log:\n%s", err, ingestOut, out)
		}
	case <-time.After(90 * time.Second):
		ingest.Process.Kill()
		t.Fatalf("ingest during the flood did not finish in 90 s\nrun's log:\n%s", out)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get(base + "/api/v1/search?q=floodgate")
	if err != nil {
		t.Fatalf("search during the flood: %v\nrun's log:\n%s", err, out)
	}
	var res struct {
		Total int `json:"total"`
	}
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != 200 || res.Total != 1 {
		t.Fatalf("search during the flood: %s, %d hits; want 200 and 1", resp.Status, res.Total)
	}

	for _, c := range held {
		c.Close()
	}
	held = nil
	resp, err = client.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz after the flood: %s\n%s", resp.Status, out)
	}
}
