package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/benchenv"
	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/extractor"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
	"github.com/docketwatch/docketwatch/services/indexer"

	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"golang.org/x/sync/errgroup"
)

// BenchmarkIngest measures end-to-end ingest of PDFs (fetcher → extractor → indexer,
// embedded NATS, a fresh data directory each round) in documents and pages per second,
// and the peak memory of this process and its extraction children (rssSampler). The PDFs are
// benchPDFs': with the corpus, its born-digital ones (a scan would measure OCR, which
// pdftotext does not do). The references, in the same run: the extractor stage alone
// over the same files (the slowest stage), a re-index of the same documents from TEXTS
// (reindex-x: how many times faster than the ingest that extracted them; the indexer's
// own rate), and pdftotext over the same files, one process and one per core.
//
//	DOCKETWATCH_BENCH_DIR=../shared/corpus scripts/bench ingest
//
// Each runs twice: as configured by default, and with OCR off ("no-ocr"), since a
// born-digital filing may still carry a page that is only an image (a map, a scanned
// signature page), which the default reads by OCR and pdftotext leaves empty.
func BenchmarkIngest(b *testing.B) {
	files := benchPDFs(b)
	for _, noOCR := range []bool{false, true} {
		name := ""
		if noOCR {
			name = "/no-ocr"
		}
		benchIngest(b, "docketwatch"+name, files, extractor.Config{NoOCR: noOCR})
		benchExtractorStage(b, "extractor-stage"+name, files, extractor.Config{NoOCR: noOCR})
	}
	benchPdftotext(b, files)
}

// benchIngest measures ingest through a whole node.
func benchIngest(b *testing.B, name string, files []string, cfg extractor.Config) {
	b.Run(name, func(b *testing.B) {
		var docs, pages int
		var reindexTime time.Duration
		var peak, largestChild int64
		for b.Loop() {
			b.StopTimer()
			data := b.TempDir()
			n, err := node.Start(context.Background(), node.Config{DataDir: data, Extractor: cfg})
			if err != nil {
				b.Fatal(err)
			}
			warmUp(b, n)
			b.StartTimer()
			sampler := startRSSSampler()
			sum, err := ingest.Run(context.Background(), ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}, files)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			total, _, child := sampler.stop()
			peak, largestChild = max(peak, total), max(largestChild, child)
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
		b.ReportMetric(float64(peak)/(1<<20), "peak-total-MB")
		b.ReportMetric(float64(largestChild)/(1<<20), "peak-child-MB")
	})
}

// warmUp ingests one document that is not among the measured ones, so that a round
// measures a running node, as a deployment's is, not the start of its extraction
// children and the first commit (BenchmarkIngestSearchable and `scripts/bench
// extract1` measure a first document's costs).
func warmUp(b *testing.B, n *node.Node) {
	b.Helper()
	dir := b.TempDir()
	path := filepath.Join(dir, "warm-up.pdf")
	if err := os.WriteFile(path, warmUpPDF, 0o644); err != nil {
		b.Fatal(err)
	}
	sum, err := ingest.Run(context.Background(), ingest.Deps{JS: n.JS, Blobs: n.Blobs, Searcher: n.Searcher}, []string{path})
	if err != nil || sum.Count[ingest.Indexed] != 1 {
		b.Fatalf("warm-up ingest: %v %v", sum, err)
	}
}

// warmUpPDF is the document warmUp ingests.
var warmUpPDF = testpdf.New("WARM-UP ORDER\n" + probeBody)

// benchExtractorStage measures the slowest stage alone: the extractor's own work (the
// same pool of children, concurrency and recogniser as the pipeline's) over the same
// files, no NATS, no fetcher, no index. benchIngest's re-index is the indexer's own rate.
func benchExtractorStage(b *testing.B, name string, files []string, cfg extractor.Config) {
	b.Run(name, func(b *testing.B) {
		blobs, docs := storeFiles(b, files)
		rec, err := extractor.LoadRecognizer("")
		if err != nil {
			b.Fatal(err)
		}
		cfg.Entities = rec
		var extracted, pages atomic.Int64
		for b.Loop() {
			// A new stage each round, as benchIngest starts a new node: its children's
			// OCR cache (pdfextract.go) starts empty. They start with a first document,
			// as after benchIngest's warmUp.
			b.StopTimer()
			stage, err := extractor.New(cfg, extractor.Deps{Blobs: blobs})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := stage.Extract(context.Background(), storeDoc(b, blobs, "warm-up.pdf", warmUpPDF)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var g errgroup.Group
			g.SetLimit(runtime.NumCPU()) // the stage's default concurrency
			for _, doc := range docs {
				g.Go(func() error {
					// A file the stage refuses (the ingest parks it) is not counted.
					if text, err := stage.Extract(context.Background(), doc); err == nil {
						extracted.Add(1)
						pages.Add(int64(len(text.Pages)))
					}
					return nil
				})
			}
			g.Wait()
			b.StopTimer()
			stage.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(extracted.Load())/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric(float64(pages.Load())/b.Elapsed().Seconds(), "pages/s")
	})
}

// benchPdftotext runs pdftotext over the same files, one process at a time and as many
// at once as there are cores (the bound a machine sets for text extraction alone).
func benchPdftotext(b *testing.B, files []string) {
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("pdftotext-%dproc", procs), func(b *testing.B) {
			bin, err := exec.LookPath("pdftotext")
			if err != nil {
				b.Skip("pdftotext not installed")
			}
			for b.Loop() {
				var g errgroup.Group
				g.SetLimit(procs)
				for _, f := range files {
					g.Go(func() error {
						if out, err := exec.Command(bin, "-layout", f, os.DevNull).CombinedOutput(); err != nil {
							return fmt.Errorf("pdftotext %s: %v: %s", f, err, out)
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err) // a reference that failed measures nothing
				}
			}
			b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// storeFiles puts files in a blob store and returns it with a document for each, as
// the folder fetcher announces them.
func storeFiles(b *testing.B, files []string) (blob.Store, []filing.Document) {
	b.Helper()
	store, err := blob.NewDisk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	docs := make([]filing.Document, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = storeDoc(b, store, filepath.Base(f), data)
	}
	return store, docs
}

// storeDoc puts one PDF in blobs and returns its document.
func storeDoc(b *testing.B, blobs blob.Store, name string, data []byte) filing.Document {
	b.Helper()
	sum, size, err := blob.Sum(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	if err := blobs.Put(context.Background(), sum, bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	return filing.Document{ID: filing.DocID("bench-" + sum[:12]), Blob: &filing.BlobRef{SHA256: sum, Size: size, Name: name}}
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

// ingestMemDocsEnv sets how many documents BenchmarkIngestMemory ingests.
const ingestMemDocsEnv = "DOCKETWATCH_BENCH_INGEST_MEM_DOCS"

// BenchmarkIngestMemory ingests many distinct PDFs through one node (fetcher, extractor
// children, indexer, embedded NATS) and reports the peak resident memory of this process
// and of its extraction children together, the measure issue 21 bounds (1 GiB for
// 10,000 documents), sampled every 100 ms (rssSampler: getrusage's figure for children
// is no use here, as a child started by vfork counts its parent's pages). The PDFs are written for the run: each a page or two of lines taken in
// turn from the text of the corpus's born-digital filings (benchPDFs), under a caption
// line of its own, so that the index holds real vocabulary and every document differs.
//
//	DOCKETWATCH_BENCH_INGEST_MEM_DOCS=10000 scripts/bench ingest-memory
func BenchmarkIngestMemory(b *testing.B) {
	n := benchenv.Int(b, ingestMemDocsEnv, 10000)
	lines := corpusLines(b, benchPDFs(b))
	dir := b.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%05d.pdf", i)), testpdf.New(memDocPages(lines, i)...), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		b.StopTimer()
		nd, err := node.Start(context.Background(), node.Config{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sampler := startRSSSampler()
		sum, err := ingest.Run(context.Background(), ingest.Deps{JS: nd.JS, Blobs: nd.Blobs, Searcher: nd.Searcher}, []string{dir})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		peak, self, child := sampler.stop()
		b.StopTimer()
		nd.Close()
		if sum.Count[ingest.Indexed] != n {
			b.Fatalf("ingest: %v of %d documents; want all indexed", sum.Count, n)
		}
		b.ReportMetric(float64(n)/took.Seconds(), "docs/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-total-MB")
		b.ReportMetric(float64(self)/(1<<20), "peak-self-MB")
		b.ReportMetric(float64(child)/(1<<20), "peak-child-MB")
		b.StartTimer()
	}
}

// rssSampler reads the resident memory of this process and of every process under it
// every 100 ms and keeps the largest sum, the largest of this process and the largest
// single descendant.
type rssSampler struct {
	done                chan struct{}
	ended               chan struct{}
	peak, self, largest int64
}

func startRSSSampler() *rssSampler {
	s := &rssSampler{done: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peaks in bytes.
func (s *rssSampler) stop() (peak, self, largestChild int64) {
	close(s.done)
	<-s.ended
	return s.peak, s.self, s.largest
}

func (s *rssSampler) sample() {
	self := selfRSS()
	total := self
	for _, p := range descendants(os.Getpid()) {
		total += p.rss
		s.largest = max(s.largest, p.rss)
	}
	s.peak, s.self = max(s.peak, total), max(s.self, self)
}

// selfRSS is this process's resident bytes (/proc/self/statm's second field, in pages).
func selfRSS() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// corpusLines returns the non-blank lines of the files' text (the Go engine's).
func corpusLines(b *testing.B, files []string) []string {
	b.Helper()
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages, err := pdftext.Extract(context.Background(), data, pdftext.Options{})
		if err != nil {
			continue // a file the engine refuses is left to the ingest benchmarks
		}
		for _, p := range pages {
			for l := range strings.Lines(p.Text) {
				if l = strings.TrimSpace(l); len(l) > 20 {
					lines = append(lines, l)
				}
			}
		}
	}
	if len(lines) < 200 {
		b.Skipf("%d lines of text in %d PDFs: too few to write distinct documents", len(lines), len(files))
	}
	return lines
}

// memDocPages is document i's pages: a caption line of its own, then 45 lines a page
// from lines, starting at a place of its own; every third document has two pages.
func memDocPages(lines []string, i int) []string {
	pages := 1 + min(i%3/2, 1)
	out := make([]string, pages)
	at := (i * 97) % len(lines)
	for p := range out {
		var page strings.Builder
		if p == 0 {
			fmt.Fprintf(&page, "Case 1:26-cv-%05d Document %d Filed 12/07/26 Page 1 of %d\n", i, 1+i%40, pages)
		}
		for range 45 {
			page.WriteString(lines[at])
			page.WriteByte('\n')
			at = (at + 1) % len(lines)
		}
		out[p] = page.String()
	}
	return out
}
