package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFreshClusterIsReadyQuickly: three new NATS nodes and six roles started at the same
// moment, as an orchestrator starts a new deployment, are all ready within 15 s, and a
// role that waits says what it waits for. Before, every role could sit silently for a
// minute at "creating bucket", each JetStream request waiting out its timeout while the
// cluster elected its leaders.
func TestFreshClusterIsReadyQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and six processes")
	}
	for round := range 2 {
		t.Run(fmt.Sprintf("round %d", round+1), func(t *testing.T) {
			cluster := launchNATSCluster(t, 3)
			start := time.Now() // the nodes are starting (launching includes building nats-server)
			urls := strings.Join(cluster.urls, ",")
			common := []string{"--nats", urls, "--replicas", "3", "--http", "", "--metrics", "127.0.0.1:0"}
			roles := [][]string{
				{"indexer", "--shard", "0/2"}, {"indexer", "--shard", "1/2"},
				{"extractor"}, {"extractor"}, {"api"}, {"alerter"},
			}
			type started struct {
				name    string
				metrics string
				logs    *prefixWriter
				err     error
			}
			results := make(chan started, len(roles))
			var pending sync.Map // role index → its logs, until it reports
			for i, r := range roles {
				args := append(append([]string{r[0]}, r[1:]...), append(common, "--data", t.TempDir())...)
				cmd := docketwatch(t, args...)
				stdout, _ := cmd.StdoutPipe()
				logs := &prefixWriter{t: t, prefix: r[0]}
				cmd.Stderr = logs
				pending.Store(i, logs)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				go func() {
					line, err := bufio.NewReader(stdout).ReadString('\n')
					pending.Delete(i)
					s := started{name: r[0], logs: logs, err: err}
					if i := strings.Index(line, "metrics http://"); i >= 0 {
						s.metrics = strings.TrimRight(strings.Fields(line[i+len("metrics "):])[0], ");")
					}
					results <- s
				}()
			}
			deadline := start.Add(15 * time.Second)
			for range roles {
				var s started
				select {
				case s = <-results:
				case <-time.After(time.Until(deadline) + 45*time.Second):
					var silent strings.Builder
					pending.Range(func(_, v any) bool {
						logs := v.(*prefixWriter)
						fmt.Fprintf(&silent, "\n%s:\n%s", logs.prefix, logs.tail())
						return true
					})
					t.Fatalf("a role had not started a minute after the cluster; its log:%s", silent.String())
				}
				if s.err != nil || s.metrics == "" {
					t.Fatalf("%s did not start: %v\n%s", s.name, s.err, s.logs.tail())
				}
				for {
					resp, err := http.Get(s.metrics + "/readyz")
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							break
						}
					}
					if time.Now().After(deadline.Add(45 * time.Second)) {
						t.Fatalf("%s not ready a minute after the cluster started\n%s", s.name, s.logs.tail())
					}
					time.Sleep(50 * time.Millisecond)
				}
				took := time.Since(start)
				t.Logf("%s ready after %v", s.name, took.Round(time.Millisecond))
				if took > 15*time.Second {
					t.Errorf("%s was ready only after %v; want within 15 s. Its log:\n%s", s.name, took, s.logs.tail())
				}
				// Starting a process takes a few seconds on a busy machine; past that, a
				// role has been waiting on the cluster and must have said so.
				if took > 8*time.Second && !strings.Contains(s.logs.tail(), "waiting for") {
					t.Errorf("%s waited %v and never said what for:\n%s", s.name, took, s.logs.tail())
				}
			}
		})
	}
}
