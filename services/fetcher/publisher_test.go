package fetcher

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// The same PDF bytes arriving as a local file and then from CourtListener (or the other
// way round) are one document on FILINGS, whose metadata the second route enriches.
func TestPublisherMergesOneDocumentOfTwoRoutes(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	local := filing.Document{
		ID: filing.SourceDocID("sha256", sum), Source: "localdir",
		Docket:  filing.Docket{Court: "ca9"},
		Origins: map[string]filing.Origin{filing.FieldCourt: filing.FromUser},
		Blob:    &filing.BlobRef{SHA256: sum, Size: 10, Name: "order.pdf"},
	}
	fromCL := filing.Document{
		ID: filing.SourceDocID("cl", "rd:4711"), Source: "courtlistener", SourceID: "4711", URL: "https://www.courtlistener.com/x",
		Docket: filing.Docket{Court: "cand", Number: "20-16276", CaseName: "Zepeda Rivas v. Jennings"},
		Entry:  filing.Entry{Number: 19, Filed: time.Date(2020, 8, 5, 0, 0, 0, 0, time.UTC), Description: "ORDER"},
		Blob:   &filing.BlobRef{SHA256: sum, Size: 10, Name: "gov.uscourts.ca9.19.0.pdf"},
	}
	ctx := context.Background()

	t.Run("local first, then CourtListener", func(t *testing.T) {
		env, p := startPublisher(t)
		publish(t, p, local, false)
		publish(t, p, fromCL, false)
		docs := filings(t, env.js)
		if len(docs) != 2 {
			t.Fatalf("got %d messages; want the local copy and its enriched version", len(docs))
		}
		got := docs[1]
		if got.ID != local.ID {
			t.Fatalf("the CourtListener copy was published as %s; want the document it is, %s", got.ID, local.ID)
		}
		// The court the user stated wins over the source's; the rest is the source's.
		if got.Docket.Court != "ca9" || got.Docket.Number != "20-16276" || got.Docket.CaseName != "Zepeda Rivas v. Jennings" ||
			got.Entry.Number != 19 || got.Source != "courtlistener" || got.URL != fromCL.URL {
			t.Errorf("merged document %+v; want the user's court with CourtListener's metadata", got)
		}
		if got.Origins[filing.FieldCourt] != filing.FromUser {
			t.Errorf("court origin %q; want user", got.Origins[filing.FieldCourt])
		}
		// CourtListener announcing it again, or its metadata alone later, stays one document.
		publish(t, p, fromCL, true)
		update := fromCL
		update.Blob, update.Entry.Description = nil, "ORDER granting stay"
		publish(t, p, update, false)
		docs = filings(t, env.js)
		if last := docs[len(docs)-1]; len(docs) != 3 || last.ID != local.ID || last.Entry.Description != "ORDER granting stay" || last.Blob == nil {
			t.Fatalf("after a metadata update %d messages, last %+v; want 3, the update on %s with its PDF", len(docs), last, local.ID)
		}
	})

	t.Run("CourtListener first, then a local copy", func(t *testing.T) {
		env, p := startPublisher(t)
		publish(t, p, fromCL, false)
		plain := local
		plain.Docket, plain.Origins = filing.Docket{}, nil
		// A copy that says nothing new is the same document, already published.
		publish(t, p, plain, true)
		// One that states a court changes that field only, on the CourtListener document,
		// whose id is the one to wait for.
		id, dup, err := p.PublishAs(ctx, local)
		if err != nil || dup || id != fromCL.ID {
			t.Fatalf("publishing the local copy: %s, duplicate %v, %v; want %s, new", id, dup, err, fromCL.ID)
		}
		docs := filings(t, env.js)
		if len(docs) != 2 {
			t.Fatalf("got %d messages; want 2", len(docs))
		}
		if got := docs[1]; got.ID != fromCL.ID || got.Docket.Court != "ca9" || got.Docket.CaseName != fromCL.Docket.CaseName || got.Source != "courtlistener" {
			t.Errorf("merged document %+v; want the CourtListener document with the user's court", got)
		}
	})

	t.Run("a document of a release before the merge, then CourtListener", func(t *testing.T) {
		env := startNATS(t)
		seen, err := bus.KV(ctx, env.js, bus.BucketSeen)
		if err != nil {
			t.Fatal(err)
		}
		// Those releases kept the PDF in the document's own record only, and the oldest
		// kept a bare content hash.
		old, _ := json.Marshal(seenRecord{Hash: "0123", Blob: local.Blob})
		if _, err := seen.Put(ctx, local.ID.Key(), old); err != nil {
			t.Fatal(err)
		}
		if _, err := seen.Put(ctx, filing.SourceDocID("cl", "rd:1").Key(), []byte("4567")); err != nil {
			t.Fatal(err)
		}
		p, err := NewPublisher(ctx, env.js)
		if err != nil {
			t.Fatal(err)
		}
		publish(t, p, fromCL, false)
		docs := filings(t, env.js)
		if len(docs) != 1 || docs[0].ID != local.ID || docs[0].Docket.CaseName != fromCL.Docket.CaseName {
			t.Fatalf("got %v; want CourtListener's metadata on the document indexed before, %s", docs, local.ID)
		}
	})

	t.Run("different bytes stay different documents", func(t *testing.T) {
		env, p := startPublisher(t)
		other := fromCL
		other.Blob = &filing.BlobRef{SHA256: strings.Repeat("cd", 32), Size: 10}
		publish(t, p, local, false)
		publish(t, p, other, false)
		docs := filings(t, env.js)
		if len(docs) != 2 || docs[0].ID == docs[1].ID {
			t.Fatalf("got %d messages with ids %v; want two documents", len(docs), docs)
		}
	})
}

// startPublisher starts a JetStream for the test and a Publisher on it.
func startPublisher(t *testing.T) (natsEnv, *Publisher) {
	t.Helper()
	env := startNATS(t)
	p, err := NewPublisher(context.Background(), env.js)
	if err != nil {
		t.Fatal(err)
	}
	return env, p
}

func publish(t *testing.T, p *Publisher, doc filing.Document, wantDup bool) {
	t.Helper()
	dup, err := p.Publish(context.Background(), doc)
	if err != nil {
		t.Fatalf("publishing %s: %v", doc.ID, err)
	}
	if dup != wantDup {
		t.Fatalf("publishing %s: duplicate %v; want %v", doc.ID, dup, wantDup)
	}
}
