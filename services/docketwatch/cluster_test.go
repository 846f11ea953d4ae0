package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/nats-io/nats.go"
)

// TestCluster runs docketwatch distributed: a real three-node NATS cluster (nats-server
// built from the module version we embed), an indexer, two extractors and an API as
// separate processes. It ingests many documents, kills one NATS node and one extractor
// on the way, and checks every document is indexed exactly once and searchable through
// the API with the same results as the embedded mode gives for the same files.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and several processes")
	}
	const files = 1000
	in := t.TempDir()
	for i := range files {
		writeFile(t, filepath.Join(in, fmt.Sprintf("order-%04d.pdf", i)), testpdf.New(
			fmt.Sprintf("UNITED STATES DISTRICT COURT\nOrder %d granting the motion to seal exhibit %d", i, i%37),
			fmt.Sprintf("The parties met and conferred on %d occasions about the protective order.", i%11)))
	}

	cluster := startNATSCluster(t, 3)
	urls := strings.Join(cluster.urls, ",")
	nc, err := nats.Connect(urls)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	indexer := startRole(t, "indexer", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "")
	ex1 := startRole(t, "extractor", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "")
	startRole(t, "extractor", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "")
	api := startRole(t, "api", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "127.0.0.1:0")
	_ = indexer

	ing := docketwatch(t, "ingest", "-v", "--json", "--nats", urls, "--replicas", "3", in)
	stderr, _ := ing.StderrPipe()
	stdout, _ := ing.StdoutPipe()
	if err := ing.Start(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	outDone := make(chan struct{})
	go func() { out, _ = io.ReadAll(stdout); close(outDone) }()
	sc := bufio.NewScanner(stderr)
	seen := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "indexed:") {
			if seen++; seen == files/5 {
				t.Logf("killing NATS node 3 and an extractor after %d documents", seen)
				cluster.kill(2)
				ex1.Process.Signal(syscall.SIGKILL)
			}
		}
	}
	<-outDone
	if err := ing.Wait(); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if seen < files/5 {
		t.Fatalf("ingest reported %d documents indexed; the faults were never injected", seen)
	}
	var sum ingest.Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("ingest printed %q: %v", out, err)
	}
	if sum.Count[ingest.Indexed] != files {
		t.Fatalf("ingest: %v; want all %d indexed", sum.Count, files)
	}

	apiURL := api.url
	var all search.Result
	getJSON(t, apiURL+"/api/v1/search?limit=1000", http.StatusOK, &all)
	if all.Total != files || len(all.Hits) != files {
		t.Fatalf("the API finds %d documents (%d hits); want %d", all.Total, len(all.Hits), files)
	}
	ids := map[filing.DocID]bool{}
	for _, h := range all.Hits {
		if ids[h.ID] {
			t.Errorf("%s listed twice", h.ID)
		}
		ids[h.ID] = true
	}

	// The same files, embedded: the same answers.
	local := startNode(t, t.TempDir(), "")
	ingestPaths(t, local, in)
	for _, q := range []string{`"protective order" AND 7`, `"exhibit 12"`, `seal -occasions`, `order*`} {
		var remote search.Result
		getJSON(t, apiURL+"/api/v1/search?limit=50&q="+url.QueryEscape(q), http.StatusOK, &remote)
		want, err := local.Searcher.Search(context.Background(), search.Query{Q: q, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if got, w := hitIDs(remote.Hits), hitIDs(want.Hits); remote.Total != want.Total || got != w {
			t.Errorf("%s: cluster %d hits [%s]; embedded %d hits [%s]", q, remote.Total, got, want.Total, w)
		}
	}
}

func hitIDs(hits []search.Hit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "%s@%d ", h.ID, h.Page)
	}
	return b.String()
}

type role struct {
	*exec.Cmd
	url string
}

// startRole starts `docketwatch ROLE ...` and waits until it says it runs.
func startRole(t *testing.T, name string, args ...string) *role {
	t.Helper()
	cmd := docketwatch(t, append([]string{name}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	logs := &prefixWriter{t: t, prefix: name}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Wait()
		t.Fatalf("%s did not start: %v: %s", name, err, logs.tail())
	}
	r := &role{Cmd: cmd}
	if i := strings.Index(line, "http://"); i >= 0 {
		r.url = strings.Fields(line[i:])[0]
	}
	return r
}

// prefixWriter logs a child's errors into the test log.
type prefixWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	last   []byte
}

func (w *prefixWriter) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.last)
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = append(w.last, p...)
	if len(w.last) > 4096 {
		w.last = w.last[len(w.last)-4096:]
	}
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if strings.Contains(line, "level=ERROR") {
			w.t.Logf("%s: %s", w.prefix, line)
		}
	}
	return len(p), nil
}

type natsCluster struct {
	urls  []string
	procs []*exec.Cmd
}

func (c *natsCluster) kill(i int) {
	c.procs[i].Process.Signal(syscall.SIGKILL)
	c.procs[i].Wait()
}

// startNATSCluster builds nats-server from the Go module we embed (Debian's 2.9 ignores
// options we use) and starts n nodes on loopback with JetStream.
func startNATSCluster(t *testing.T, n int) *natsCluster {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v: %s", err, out)
	}
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	c := &natsCluster{}
	for i := range n {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[j]))
			}
		}
		conf := fmt.Sprintf(`server_name: n%d
listen: 127.0.0.1:%d
max_payload: 64MB
jetstream { store_dir: %q }
cluster { name: docketwatch, listen: 127.0.0.1:%d, routes: [%s] }
`, i+1, clientPorts[i], filepath.Join(dir, fmt.Sprintf("js%d", i+1)), routePorts[i], strings.Join(routes, ", "))
		confPath := filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))
		writeFile(t, confPath, []byte(conf))
		cmd := exec.Command(bin, "-c", confPath)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		c.procs = append(c.procs, cmd)
		c.urls = append(c.urls, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	// Ready when JetStream answers through every node: the meta group has a leader.
	deadline := time.Now().Add(60 * time.Second)
	for _, u := range c.urls {
		for {
			nc, err := nats.Connect(u)
			if err == nil {
				_, err = nc.Request("$JS.API.INFO", nil, 2*time.Second)
				if err == nil {
					var info struct {
						Error any `json:"error"`
					}
					msg, _ := nc.Request("$JS.API.INFO", nil, 2*time.Second)
					if msg != nil && json.Unmarshal(msg.Data, &info) == nil && info.Error != nil {
						err = fmt.Errorf("jetstream not ready: %v", info.Error)
					}
				}
				nc.Close()
			}
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("NATS node %s not ready: %v", u, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return c
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
