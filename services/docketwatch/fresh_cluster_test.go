package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
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
				{"extractor"}, {"extractor"}, {"api", "--http", "127.0.0.1:0"}, {"alerter"},
			}
			type started struct {
				*stage
				err error
			}
			deadline := start.Add(15 * time.Second)
			results := make(chan started, len(roles))
			for _, r := range roles {
				// A role's own flags come last: the api's --http over the others' none.
				s := newStage(t, r[0], append(append(slices.Clone(common), "--data", t.TempDir()), r[1:]...)...)
				go func() { results <- started{s, s.startWithin(time.Until(deadline) + 45*time.Second)} }()
			}
			for range roles {
				s := <-results
				if s.err != nil || s.metrics == "" {
					t.Fatalf("%s did not start (a minute after the cluster): %v\n%s", s.name, s.err, s.logs.tail())
				}
				// The server is asked with a client of its own: it may refuse while starting.
				poll.UntilGot(t, time.Until(deadline.Add(45*time.Second)), s.name+" ready a minute after the cluster started", func() (bool, string) {
					resp, err := http.Get(s.metrics + "/readyz")
					if err != nil {
						return false, err.Error() + "\n" + s.logs.tail()
					}
					resp.Body.Close()
					return resp.StatusCode == http.StatusOK, resp.Status + "\n" + s.logs.tail()
				})
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
