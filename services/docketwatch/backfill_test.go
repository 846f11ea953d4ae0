package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// TestBackfillFromCourtListener backfills a court from a faithful CourtListener fake with
// the docketwatch binary, then checks every document reached the index: PDFs extracted
// and searchable, documents without a PDF searchable by their description.
func TestBackfillFromCourtListener(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	fake := clfake.Start(t, clfake.Config{Courts: []string{"cand"}, DocketsPerCourt: 5, DocumentsPerCourt: 60})
	data := t.TempDir()
	cmd := docketwatch(t, "backfill", "--data", data, "--court", "cand", "--since", "2026-07-01", "--until", "2026-10-01",
		"--courtlistener-url", fake.APIBase(), "--courtlistener-storage-url", fake.StorageBase(), "--courtlistener-budget", "none")
	cmd.Env = append(cmd.Env, "DOCKETWATCH_COURTLISTENER_TOKEN="+fake.Token(), "DOCKETWATCH_WEBHOOK_ALLOW_PRIVATE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("backfill: %v: %s", err, out)
	}
	docs := fake.Documents("cand")
	if !strings.Contains(string(out), "backfill cand: 60 documents") || len(docs) != 60 {
		t.Fatalf("backfill printed %q; the fake holds %d documents", out, len(docs))
	}

	n := startNode(t, data, "")
	poll.UntilGot(t, 60*time.Second, fmt.Sprintf("the index to hold the %d documents", len(docs)), func() (bool, string) {
		res, err := n.Searcher.Search(context.Background(), search.Query{})
		return err == nil && res.Total == uint64(len(docs)), fmt.Sprintf("%v (%v)", res, err)
	})
	for _, d := range docs[:10] {
		q := search.Query{Q: d.PacerDocID}
		if !d.IsAvailable {
			q = search.Query{Q: `"` + d.Description + `"`}
		}
		res, err := n.Searcher.Search(context.Background(), q)
		if err != nil || res.Total < 1 {
			t.Errorf("document %d (available %v): %s finds %v, %v", d.ID, d.IsAvailable, q.Q, res, err)
			continue
		}
		if h := res.Hits[0]; h.Court != "cand" || h.Docket == "" {
			t.Errorf("document %d: hit %+v lacks its court and docket", d.ID, h)
		}
	}
}
