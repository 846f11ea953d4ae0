package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
)

// TestClusterParksNoGoodDocument: on a 3-node cluster with R3 streams, two extractors
// and two index shards, rounds of good filings are all indexed and none parked. An
// extractor could read the object store before the PDF it had just been told about was
// visible to it and park the document for good ("blob not found"), in about half the
// runs; a missing blob is now retried.
func TestClusterParksNoGoodDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and several processes")
	}
	const rounds, files = 3, 100
	cluster := startNATSCluster(t, 3)
	urls := strings.Join(cluster.urls, ",")
	common := []string{"--nats", urls, "--replicas", "3", "--http", ""}
	for i := range 2 {
		startRole(t, "indexer", append(common, "--data", t.TempDir(), "--shard", fmt.Sprintf("%d/2", i))...)
		startRole(t, "extractor", append(common, "--data", t.TempDir())...)
	}
	for round := range rounds {
		in := t.TempDir()
		for i := range files {
			writeFile(t, filepath.Join(in, fmt.Sprintf("filing-%d-%03d.pdf", round, i)), testpdf.New(
				fmt.Sprintf("NOTICE %d-%d", round, i),
				fmt.Sprintf("Round %d, filing %d: the parties stipulate to the briefing schedule.", round, i)))
		}
		out, err := docketwatch(t, "ingest", "--json", "--nats", urls, "--replicas", "3", in).Output()
		var sum ingest.Summary
		if jerr := json.Unmarshal(out, &sum); jerr != nil {
			t.Fatalf("round %d: ingest printed %q (%v): %v", round+1, out, err, jerr)
		}
		if err != nil || sum.Count[ingest.Indexed] != files {
			for _, f := range sum.Files {
				if f.Status != ingest.Indexed {
					t.Logf("%s: %s %s", f.Path, f.Status, f.Reason)
				}
			}
			t.Fatalf("round %d: %v, %v; want all %d indexed, none parked", round+1, err, sum.Count, files)
		}
	}
}
