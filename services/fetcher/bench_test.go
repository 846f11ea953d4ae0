package fetcher

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

// BenchmarkBackfill measures fetch throughput against the fake with its limits off, in
// documents per second over three courts, PDFs included:
//   - source: the CourtListener source alone, PDFs hashed in memory, nothing published
//     (the reference: HTTP, JSON and resolution cost);
//   - service: Service.Backfill into a fresh embedded JetStream: PDFs into the object
//     store, seen-set checks, publications and cursor saves.
//
// The ratio service/source is what the bus and the blob store cost.
func BenchmarkBackfill(b *testing.B) {
	courts := []string{"nysd", "cand", "ca9"}
	srv := clfake.Start(b, clfake.Config{Courts: courts, DocumentsPerCourt: 700, Seed: 11})
	total := len(srv.Documents(""))
	until := dataStart.AddDate(0, 3, 0)

	b.Run("source", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c, err := courtlistener.New(courtlistener.Config{
				BaseURL: srv.APIBase(), StorageURL: srv.StorageBase(), Token: srv.Token(), Budget: &courtlistener.Limits{},
			})
			if err != nil {
				b.Fatal(err)
			}
			fetch := func(ctx context.Context, url, sha1 string, size int64) (filing.BlobRef, error) {
				var buf bytes.Buffer
				n, err := c.Download(ctx, url, sha1, size, &buf)
				sum := sha256.Sum256(buf.Bytes())
				return filing.BlobRef{SHA256: hex.EncodeToString(sum[:]), Size: n}, err
			}
			src := courtlistener.NewSource(c, courtlistener.SourceConfig{Fetch: fetch})
			n := 0
			for _, court := range courts {
				cur := courtlistener.NewCursor(court, courtlistener.DateCreated, dataStart, until)
				for {
					cur, err = src.Poll(context.Background(), cur, func(context.Context, filing.Document) error { n++; return nil })
					if err != nil {
						b.Fatal(err)
					}
					if !cur.Pending() {
						break
					}
				}
			}
			if n != total {
				b.Fatalf("crawled %d; want %d", n, total)
			}
		}
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "docs/s")
	})

	b.Run("service", func(b *testing.B) {
		var busy time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			env := startNATS(b)
			svc := mustNew(b, Config{CourtListener: clConfig(srv)}, Deps{JS: env.js, Blobs: env.blobs})
			if err := svc.init(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			for _, court := range courts {
				if _, err := svc.Backfill(context.Background(), court, dataStart, until, nil); err != nil {
					b.Fatal(err)
				}
			}
			busy += time.Since(start)
			b.StopTimer()
			if n := filingsCount(b, env.js); n != total {
				b.Fatalf("FILINGS holds %d; want %d", n, total)
			}
			env.srv.Shutdown()
			b.StartTimer()
		}
		b.ReportMetric(float64(total*b.N)/busy.Seconds(), "docs/s")
	})
}

var errFirstPoll = errors.New("first poll done")

// BenchmarkResume measures the time a restarted fetcher takes from New to the end of
// its first poll (one page: listing, docket and entry resolution, 20 PDFs stored and
// published) when it resumes a backfill saved half-way, with its "next" link expired.
func BenchmarkResume(b *testing.B) {
	srv := clfake.Start(b, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 2000, Seed: 5})
	env := startNATS(b)
	cl := clConfig(srv)
	cl.MaxPages = 1
	until := dataStart.AddDate(0, 3, 0)
	ctx, cancel := context.WithCancel(context.Background())
	first := mustNew(b, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs})
	_, err := first.Backfill(ctx, "nysd", dataStart, until, func(p Progress) {
		if p.Done >= 1000 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		b.Fatalf("first half: %v", err)
	}
	key := backfillKey("nysd", dataStart, until)
	saved, err := first.cur.kv.Get(context.Background(), key)
	if err != nil {
		b.Fatal(err)
	}
	var firstPoll time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Every iteration resumes from the same half-way cursor; the seen-set then makes
		// its publications duplicates, which cost the same checks.
		if _, err := first.cur.kv.Put(context.Background(), key, saved.Value()); err != nil {
			b.Fatal(err)
		}
		srv.RotateCursors()
		b.StartTimer()
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		svc := mustNew(b, Config{CourtListener: cl}, Deps{JS: env.js, Blobs: env.blobs})
		_, err := svc.Backfill(ctx, "nysd", dataStart, until, func(p Progress) {
			if p.Done > p.DoneAtStart && ctx.Err() == nil {
				firstPoll += time.Since(start)
				cancel()
			}
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			b.Fatalf("resume: %v", err)
		}
	}
	b.ReportMetric(float64(firstPoll.Microseconds())/1000/float64(b.N), "ms-to-first-poll")
}
