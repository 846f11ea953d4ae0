package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/webtest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/indexer"
)

// TestSecondIndexerOfAShardWaits starts two indexers of one shard against one NATS
// server: sharing the shard's consumer, each would index half of the shard and answer
// half of the searches. The second waits, not ready and saying why, and takes over as
// soon as the first stops.
func TestSecondIndexerOfAShardWaits(t *testing.T) {
	e := bustest.Server(t)
	start := func(dir string) *node.Node {
		n, err := node.Start(context.Background(), node.Config{
			DataDir: dir, Roles: []string{node.RoleIndexer}, Indexer: indexer.Config{Shard: search.Shard{Index: 1, Count: 2}},
			NATS:        bus.ConnConfig{URLs: e.ClientURL(), Token: e.Token},
			MetricsAddr: "127.0.0.1:0", Log: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Close)
		return n
	}
	readyz := func(n *node.Node) (int, string) {
		r := webtest.Get(t, n.OpsURL+"/readyz")
		return r.Status, string(r.Body)
	}
	first := start(t.TempDir())
	if code, body := readyz(first); code != http.StatusOK {
		t.Fatalf("the first indexer: %d %s", code, body)
	}
	secondDir := t.TempDir()
	second := start(secondDir)
	if code, body := readyz(second); code != http.StatusServiceUnavailable || !strings.Contains(body, "holds indexer-shard-1-of-2") {
		t.Fatalf("the second indexer of the shard: %d %s; want 503 naming the holder", code, body)
	}
	first.Close()
	// A release wakes the waiter at once.
	poll.UntilGot(t, 10*time.Second, "the second indexer ready after the first stopped", func() (bool, string) {
		code, body := readyz(second)
		return code == http.StatusOK, fmt.Sprintf("%d %s", code, body)
	})

	// Another process of the same worker takes the lease (a restart while the old one
	// still runs): the old one finds it lost at its next renewal and stops for good, no
	// longer live, for its supervisor to restart it.
	_, js := bustest.Client(t, e, "test")
	host, _ := os.Hostname()
	dir, _ := filepath.Abs(filepath.Join(secondDir, "index"))
	taker, err := bus.TryLease(context.Background(), js, "indexer-shard-1-of-2", host+":"+dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer taker.Release()
	poll.UntilGot(t, bus.LeaseTTL, "the indexer whose lease was taken to fail /healthz, having lost it", func() (bool, string) {
		r := webtest.Get(t, second.OpsURL+"/healthz")
		return r.Status == http.StatusInternalServerError && strings.Contains(string(r.Body), "lost the lease"), fmt.Sprintf("%d %s", r.Status, r.Body)
	})
	if code, body := readyz(second); code != http.StatusServiceUnavailable {
		t.Errorf("the indexer whose lease was taken is ready: %d %s", code, body)
	}
}
