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
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
)

// TestCluster runs docketwatch distributed: a real three-node NATS cluster (nats-server
// built from the module version we embed), two index shards, two extractors and an API
// as separate processes. It ingests many documents, kills one NATS node and one
// extractor on the way, and checks every document is indexed exactly once, on the shard
// its id hashes to, and searchable through the API with the same results as the
// embedded mode gives for the same files: the same totals, hits, scores and facet
// counts, the same order in every order and through deep paging (shards score with the
// collection's term statistics).
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and several processes")
	}
	const files = 1000
	in := t.TempDir()
	// Made-up parties, judges and dates, varied so that facets have many values.
	parties := []string{"Northwind Traders Inc.", "Blue Heron Logistics LLC", "Carver Analytics Corp.", "Delta Quarry Co.", "Elm Street Holdings LLC", "Foxglove Media Inc."}
	people := []string{"Alma Quist", "Boris Lindqvist", "Cora Feld", "Dmitri Oyelaran"}
	for i := range files {
		filed := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*2)
		stamp := fmt.Sprintf("Case 3:%02d-cv-%05d-ABC Document %d Filed %s Page %%d of 2", 19+i%5, i%97, 1+i%40, filed.Format("01/02/06"))
		writeFile(t, filepath.Join(in, fmt.Sprintf("order-%04d.pdf", i)), testpdf.New(
			fmt.Sprintf(stamp, 1)+fmt.Sprintf("\nUNITED STATES DISTRICT COURT\nOrder %d granting the motion of %s to seal exhibit %d", i, parties[i%len(parties)], i%37),
			fmt.Sprintf(stamp, 2)+fmt.Sprintf("\nThe parties met and conferred on %d occasions about the protective order, said %s.", i%11, people[i%len(people)])))
	}

	cluster := startNATSCluster(t, 3)
	urls := strings.Join(cluster.urls, ",")
	bustest.Dial(t, urls, "cluster-test") // the cluster takes clients before the roles start

	var indexers []*stage
	for i := range 2 {
		indexers = append(indexers, startRole(t, "indexer", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "",
			"--shard", fmt.Sprintf("%d/2", i), "--metrics", "127.0.0.1:0"))
	}
	ex1 := startRole(t, "extractor", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "")
	ex2 := startRole(t, "extractor", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "", "--metrics", "127.0.0.1:0")
	api := startRole(t, "api", "--nats", urls, "--replicas", "3", "--data", t.TempDir(), "--http", "127.0.0.1:0")

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
				ex1.kill()
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
	if all.Total != files || len(all.Hits) != files || all.Partial {
		t.Fatalf("the API finds %d documents (%d hits, partial %v); want %d", all.Total, len(all.Hits), all.Partial, files)
	}
	ids := map[filing.DocID]bool{}
	perShard := [2]int{}
	for _, h := range all.Hits {
		if ids[h.ID] {
			t.Errorf("%s listed twice", h.ID)
		}
		ids[h.ID] = true
		for i := range perShard {
			if (search.Shard{Index: i, Count: 2}).Owns(h.ID) {
				perShard[i]++
			}
		}
	}
	if perShard[0] == 0 || perShard[1] == 0 {
		t.Fatalf("documents per shard %v: the index is not split", perShard)
	}
	t.Logf("documents per shard: %v", perShard)

	// Each role process shows its own work and readiness: the surviving extractor its
	// extractions, each shard its documents indexed and the others' skipped.
	for _, c := range []struct {
		r    *stage
		want []string
	}{
		{ex2, []string{`docketwatch_stage_messages_total{outcome="ack",stage="extractor"}`}},
		{indexers[0], []string{`docketwatch_stage_messages_total{outcome="ack",stage="indexer"}`, `docketwatch_stage_messages_total{outcome="skipped",stage="indexer"}`,
			fmt.Sprintf("docketwatch_index_documents %d", perShard[0])}},
		{indexers[1], []string{fmt.Sprintf("docketwatch_index_documents %d", perShard[1])}},
	} {
		if c.r.metrics == "" {
			t.Fatal("a role started with --metrics did not say where it serves them")
		}
		getWant(t, c.r.metrics+"/readyz", http.StatusOK)
		// A batch is counted once on disk, a moment after it is searchable.
		poll.UntilGot(t, 10*time.Second, c.r.metrics+"/metrics holding "+strings.Join(c.want, ", "), func() (bool, string) {
			metrics := string(getWant(t, c.r.metrics+"/metrics", http.StatusOK))
			var lacks []string
			for _, w := range c.want {
				if !strings.Contains(metrics, w) {
					lacks = append(lacks, w)
				}
			}
			return len(lacks) == 0, fmt.Sprintf("lacks %v", lacks)
		})
	}

	// The same files, embedded: the same answers.
	local := startNode(t, t.TempDir(), "")
	ingestPaths(t, local, in)
	ask := func(q url.Values) (got, want *search.Result) {
		t.Helper()
		got = &search.Result{}
		getJSON(t, apiURL+"/api/v1/search?"+q.Encode(), http.StatusOK, got)
		if got.Partial {
			t.Fatalf("%v: partial answer, shards %v missing", q, got.MissingShards)
		}
		lq := search.Query{Q: q.Get("q"), Sort: q.Get("sort"), After: q.Get("after"), Limit: 50, Facets: q["facets"]}
		if l := q.Get("limit"); l != "" {
			fmt.Sscan(l, &lq.Limit)
		}
		want, err := local.Searcher.Search(context.Background(), lq)
		if err != nil {
			t.Fatal(err)
		}
		return got, want
	}
	facets := []string{search.FacetYear, search.FacetEntityPrefix + string(filing.Organization), search.FacetEntityPrefix + string(filing.Person)}
	for _, qs := range []string{`"protective order" AND 7`, `"exhibit 12"`, `seal -occasions`, `order*`, `"Delta Quarry"`} {
		for _, sort := range []string{search.SortRelevance, search.SortNewest, search.SortOldest} {
			q := url.Values{"q": {qs}, "sort": {sort}, "limit": {"50"}, "facets": facets}
			got, want := ask(q)
			if got.Total != want.Total {
				t.Errorf("%s (%s): cluster finds %d, embedded %d", qs, sort, got.Total, want.Total)
			}
			if g, w := facetCounts(got), facetCounts(want); g != w {
				t.Errorf("%s (%s): facets differ:\ncluster  %s\nembedded %s", qs, sort, g, w)
			}
			if g, w := hitIDs(got.Hits), hitIDs(want.Hits); g != w {
				t.Errorf("%s (%s): cluster [%s]; embedded [%s]", qs, sort, g, w)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Deep paging by cursor walks the same hits in the same order.
	q := url.Values{"q": {"order*"}, "sort": {search.SortOldest}, "limit": {"70"}}
	var walked []search.Hit
	for pages := 0; ; pages++ {
		got, want := ask(q)
		if g, w := hitIDs(got.Hits), hitIDs(want.Hits); g != w {
			t.Fatalf("page %d: cluster [%s]; embedded [%s]", pages, g, w)
		}
		walked = append(walked, got.Hits...)
		if got.Next == "" || pages > files {
			break
		}
		q.Set("after", got.Next)
	}
	if len(walked) != files {
		t.Errorf("paging through the cluster walked %d hits; want %d", len(walked), files)
	}

	// A re-index rebuilds every shard, each from its part of TEXTS: one job per shard.
	// It once waited 21 minutes (a job nobody ran, or a follower nobody told): past three,
	// it is asked for its goroutines (SIGQUIT), which then stand in its output.
	reindex := docketwatch(t, "reindex", "--json", "--nats", urls)
	dump := time.AfterFunc(3*time.Minute, func() { reindex.Process.Signal(syscall.SIGQUIT) })
	reindexOut, err := reindex.CombinedOutput()
	dump.Stop()
	if err != nil {
		t.Fatalf("reindex: %v: %s", err, reindexOut)
	}
	if n := len(regexp.MustCompile(`(?m)^job \S+ \(reindex-shard-\d-of-2\) created$`).FindAll(reindexOut, -1)); n != 2 {
		t.Errorf("reindex created %d jobs; want one per shard:\n%s", n, reindexOut)
	}
	for _, sort := range []string{search.SortOldest, search.SortRelevance} {
		got, want := ask(url.Values{"q": {"order*"}, "sort": {sort}, "limit": {"1000"}})
		if g, w := hitIDs(got.Hits), hitIDs(want.Hits); got.Total != files || g != w {
			t.Errorf("after the re-index (%s) the cluster finds %d documents; want the embedded %d", sort, got.Total, want.Total)
		}
	}

	// A shard that stops answering is named in the answer, not silently left out: in the
	// API and on the web page.
	indexers[1].kill()
	var partial search.Result
	getJSON(t, apiURL+"/api/v1/search?q=order*&limit=1000", http.StatusOK, &partial)
	if !partial.Partial || !slices.Equal(partial.MissingShards, []int{1}) || partial.Total != uint64(perShard[0]) {
		t.Errorf("with shard 1 down the API answers partial=%v missing=%v total %d; want partial, [1], %d",
			partial.Partial, partial.MissingShards, partial.Total, perShard[0])
	}
	page := string(getWant(t, apiURL+"/?q=order*", http.StatusOK))
	if !strings.Contains(page, "Incomplete results") || !strings.Contains(page, "(shard 1)") {
		t.Errorf("with shard 1 down the search page does not say its results are incomplete")
	}
}

// facetCounts writes a result's facets in one comparable line.
func facetCounts(r *search.Result) string {
	var b strings.Builder
	names := make([]string, 0, len(r.Facets))
	for name := range r.Facets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f := r.Facets[name]
		fmt.Fprintf(&b, "%s (total %d, missing %d, other %d):", name, f.Total, f.Missing, f.Other)
		for _, term := range f.Terms {
			fmt.Fprintf(&b, " %s=%d", term.Term, term.Count)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// hitIDs writes hits in one comparable line: id, page and score of each.
func hitIDs(hits []search.Hit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "%s@%d:%v ", h.ID, h.Page, h.Score)
	}
	return b.String()
}

type natsCluster struct {
	urls  []string
	nodes []*natsServer
}

func (c *natsCluster) kill(i int) { c.nodes[i].kill() }

// startNATSCluster starts n nodes (launchNATSCluster) and waits until JetStream answers
// through every node.
func startNATSCluster(t *testing.T, n int) *natsCluster {
	t.Helper()
	c := launchNATSCluster(t, n)
	c.waitReady(t)
	return c
}

// launchNATSCluster starts n nats-server nodes on loopback with JetStream, routed to
// each other, without waiting for them to form a cluster. A node that could not bind the
// ports freePorts chose (taken meanwhile by another process) is tried again on new ones.
func launchNATSCluster(t *testing.T, n int) *natsCluster {
	t.Helper()
	bin := buildNATSServer(t)
	var err error
	for range 3 {
		var c *natsCluster
		if c, err = tryNATSCluster(t, bin, n); err == nil {
			return c
		}
		t.Logf("launching a NATS cluster again on other ports: %v", err)
	}
	t.Fatal(err)
	return nil
}

// tryNATSCluster launches n nodes on ports free now; on an error it kills those it started.
func tryNATSCluster(t *testing.T, bin string, n int) (*natsCluster, error) {
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	c := &natsCluster{}
	for i := range n {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[j]))
			}
		}
		cluster := fmt.Sprintf("cluster { name: docketwatch, listen: 127.0.0.1:%d, routes: [%s] }\n", routePorts[i], strings.Join(routes, ", "))
		node := newNATSServer(t, bin, fmt.Sprintf("n%d", i+1), clientPorts[i], t.TempDir(), cluster)
		if err := node.launch(); err != nil {
			for _, started := range c.nodes {
				started.kill()
			}
			return nil, err
		}
		c.nodes = append(c.nodes, node)
		c.urls = append(c.urls, node.url)
	}
	return c, nil
}

// waitReady waits until JetStream answers through every node: the meta group has a leader.
func (c *natsCluster) waitReady(t *testing.T) {
	t.Helper()
	for _, node := range c.nodes {
		if err := node.ready(60 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

func freePorts(t testing.TB, n int) []int {
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
