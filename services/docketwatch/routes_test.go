package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/fetcher"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
)

// TestTwoRoutesOneDocument: a real order arrives from CourtListener, then the same PDF
// is ingested from a folder, once as it is and once with a case name the user states.
// Through a real node it stays one document in the index, enriched by the user's value,
// never a second "sha256:" document.
func TestTwoRoutesOneDocument(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := startNode(t, t.TempDir(), "127.0.0.1:0")
	path := filepath.Join("testdata", "ca7_3.pdf") // see testdata/SOURCES.md
	pdf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, size, _ := blob.Sum(bytes.NewReader(pdf))
	if err := n.Blobs.Put(ctx, sum, bytes.NewReader(pdf)); err != nil {
		t.Fatal(err)
	}
	pub, err := fetcher.NewPublisher(ctx, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	cl := filing.Document{ID: filing.SourceDocID("cl", "rd:90210"), Source: "courtlistener", SourceID: "90210",
		URL:    "https://www.courtlistener.com/docket/1/3/",
		Docket: filing.Docket{Court: "ca7", Number: "17-2400"}, Entry: filing.Entry{Number: 3, Description: "ORDER"},
		Blob: &filing.BlobRef{SHA256: sum, Size: size, Name: "gov.uscourts.ca7.17-2400.3.0.pdf"}, DiscoveredAt: time.Now().UTC()}
	if _, err := pub.Publish(ctx, cl); err != nil {
		t.Fatal(err)
	}
	deps := ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}
	if failed, err := ingest.Await(ctx, deps, []filing.DocID{cl.ID}); err != nil || len(failed) > 0 {
		t.Fatalf("indexing the CourtListener document: %v %v", failed, err)
	}

	for _, tc := range []struct {
		name   string
		known  localdir.Known
		status ingest.Status
		caseOf string
	}{
		{"the same file", localdir.Known{}, ingest.Duplicate, "In re Fedex Ground Package System, Inc. Employment Practices Litigation"},
		{"the same file with a case name", localdir.Known{CaseName: "In re FedEx Ground"}, ingest.Indexed, "In re FedEx Ground"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deps.Known = tc.known
			s, err := ingest.Run(ctx, deps, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			if f := s.Files[0]; f.ID != cl.ID || f.Status != tc.status {
				t.Fatalf("ingest: %s %s (%s); want %s %s", f.ID, f.Status, f.Reason, cl.ID, tc.status)
			}
			// ingest settles a document already in the index when it is found there, before
			// its new version is: wait for the version that carries the case name.
			var res *search.Result
			poll.UntilGot(t, 30*time.Second, "fedex to find the version named "+tc.caseOf, func() (bool, string) {
				if res, err = n.Searcher.Search(ctx, search.Query{Q: "fedex"}); err != nil {
					t.Fatal(err)
				}
				return res.Total != 1 || res.Hits[0].CaseName == tc.caseOf, fmt.Sprintf("%+v", res.Hits)
			})
			if res.Total != 1 {
				t.Fatalf("fedex finds %d documents; want the one", res.Total)
			}
			h := res.Hits[0]
			if h.ID != cl.ID || h.Source != "courtlistener" || h.Docket != "17-2400" || h.CaseName != tc.caseOf {
				t.Errorf("hit %s from %s, docket %q, case %q; want %s from courtlistener, 17-2400, %q", h.ID, h.Source, h.Docket, h.CaseName, cl.ID, tc.caseOf)
			}
		})
	}
}
