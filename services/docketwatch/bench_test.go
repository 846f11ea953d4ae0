package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
	"github.com/docketwatch/docketwatch/services/indexer"

	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/fetcher/localdir"
)

// BenchmarkIngest measures end-to-end ingest of a folder of PDFs (fetcher → extractor →
// indexer, embedded NATS, a fresh data directory each round) in documents and pages per
// second, and the peak memory of this process and of the extraction children. The
// references, in the same run: one `pdftotext` per file over the same files, and a
// re-index of the same documents from TEXTS (reindex-x: how many times faster than the
// ingest that extracted them).
//
//	DOCKETWATCH_BENCH_DIR=../shared/corpus scripts/bench
func BenchmarkIngest(b *testing.B) {
	dir := os.Getenv("DOCKETWATCH_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	files, _, err := localdir.Files([]string{dir})
	if err != nil || len(files) == 0 {
		b.Skipf("no PDFs under %s (set DOCKETWATCH_BENCH_DIR): %v", dir, err)
	}
	b.Run("docketwatch", func(b *testing.B) {
		var docs, pages int
		var reindexTime time.Duration
		for b.Loop() {
			b.StopTimer()
			data := b.TempDir()
			n, err := node.Start(context.Background(), node.Config{DataDir: data})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			sum, err := ingest.Run(context.Background(), ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}, []string{dir})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// The same documents re-indexed from TEXTS, no PDF touched.
			reindexTime += reindex(b, n)
			n.Close()
			b.StartTimer()
			for _, f := range sum.Files {
				if f.Status == ingest.Indexed {
					docs++
					pages += f.Pages
				}
			}
		}
		secs := b.Elapsed().Seconds()
		b.ReportMetric(float64(docs)/secs, "docs/s")
		if reindexTime > 0 {
			b.ReportMetric(float64(docs)/reindexTime.Seconds(), "reindex-docs/s")
			b.ReportMetric(secs/reindexTime.Seconds(), "reindex-x")
		}
		b.ReportMetric(float64(pages)/secs, "pages/s")
		b.ReportMetric(float64(maxRSS(syscall.RUSAGE_SELF))/1024, "peak-MB")
		b.ReportMetric(float64(maxRSS(syscall.RUSAGE_CHILDREN))/1024, "child-peak-MB")
	})
	b.Run("pdftotext", func(b *testing.B) {
		bin, err := exec.LookPath("pdftotext")
		if err != nil {
			b.Skip("pdftotext not installed")
		}
		for b.Loop() {
			for _, f := range files {
				exec.Command(bin, "-layout", f, os.DevNull).Run()
			}
		}
		b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
}

// maxRSS is the peak resident set in KiB of this process, or of its largest child.
func maxRSS(who int) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}

// reindex runs a re-index job on the node to its end and returns how long it took.
func reindex(b *testing.B, n *node.Node) time.Duration {
	b.Helper()
	ctx := context.Background()
	store, err := job.NewStore(ctx, n.JS)
	if err != nil {
		b.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	changes, err := store.Changes(wctx, "")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	j, err := store.Create(ctx, indexer.ReindexKind, job.Selection{})
	if err != nil {
		b.Fatal(err)
	}
	for {
		if j, err = store.Get(ctx, j.ID); err != nil {
			b.Fatal(err)
		}
		if j.State.Finished() {
			if j.State != job.Done {
				b.Fatalf("re-index %s: %s", j.State, j.Message)
			}
			return time.Since(start)
		}
		if _, ok := <-changes; !ok {
			b.Fatal("the watch of the jobs ended")
		}
	}
}

// probeBody fills a probe's page with words, as a filing's page is: a page of a few words
// is looked at again for a scan under it (pdfextract), which a filing's page is not.
var probeBody = strings.Repeat("The motion to dismiss the amended complaint is granted in part and denied in part.\n", 30)

// BenchmarkIngestSearchable measures ingest → searchable at low load: one new one-page
// PDF (a page of words) at a time handed to ingest.Run on an idle node (node.Start), until Run returns —
// the document's INDEXED has come, so a search finds it (checked). The reference, in the
// same run: the same PDF's text read in this process (pdftext), the work no pipeline
// skips; the rest is the pipeline's own (NATS hops, the extraction child, the commit).
//
//	go test -run '^$' -bench '^BenchmarkIngestSearchable$' -benchtime 50x ./services/docketwatch/
func BenchmarkIngestSearchable(b *testing.B) {
	ctx := context.Background()
	n, err := node.Start(ctx, node.Config{DataDir: b.TempDir(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	deps := ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}
	dir := b.TempDir()
	probe := func(i int) (ingested, extracted time.Duration) {
		path := filepath.Join(dir, fmt.Sprintf("probe-%d.pdf", i))
		pdf := testpdf.New(fmt.Sprintf("ORDER %d of run %d\n%s", i, time.Now().UnixNano(), probeBody))
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		sum, err := ingest.Run(ctx, deps, []string{path})
		ingested = time.Since(start)
		if err != nil || sum.Count[ingest.Indexed] != 1 {
			b.Fatalf("probe %d: %v %+v", i, err, sum)
		}
		res, err := n.Searcher.Search(ctx, search.Query{IDs: []filing.DocID{sum.Files[0].ID}, NoHighlight: true})
		if err != nil || len(res.Hits) != 1 {
			b.Fatalf("probe %d: ingest returned, the index does not hold it: %v", i, err)
		}
		start = time.Now()
		if _, err := pdftext.Extract(ctx, pdf, pdftext.Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
		return ingested, time.Since(start)
	}
	probe(-1) // the extraction child started
	var lat, ext []time.Duration
	for i := 0; b.Loop(); i++ {
		l, e := probe(i)
		lat, ext = append(lat, l), append(ext, e)
	}
	slices.Sort(lat)
	slices.Sort(ext)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(lat, 1), "max-ms")
	b.ReportMetric(pct(ext, 0.50), "extract-p50-ms")
}
