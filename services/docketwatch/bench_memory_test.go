package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testpdf"
	"github.com/docketwatch/docketwatch/services/docketwatch/ingest"
	"github.com/docketwatch/docketwatch/services/docketwatch/node"
	"github.com/docketwatch/docketwatch/services/extractor/pdftext"
)

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
	n := 10000
	if s := os.Getenv(ingestMemDocsEnv); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number", ingestMemDocsEnv, s)
		}
	}
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
